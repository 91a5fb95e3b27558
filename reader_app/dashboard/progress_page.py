"""Progress: every reader's sessions, refreshed live, and the washout override.

A :class:`~PySide6.QtCore.QTimer` asks the store for ``study_status`` in a worker thread every few
seconds (never two at once), so the page follows readers submitting at other workstations — on
a shared PostgreSQL store — while the GUI stays responsive.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from reader_app.dashboard.jobs import Job
from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import fill_table, make_table
from studies.engine.coordinator_api import StudyStatus, override_washout, study_status

#: How often the page asks the store for progress.
REFRESH_MS = 3000

_STATES = {
    "not_started": "not started",
    "in_progress": "reading",
    "paused": "paused",
    "completed": "completed",
}


def _when(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _opens(session: Any, now: datetime) -> str:
    """When a second session opens, in words."""
    if session.index != 2:
        return ""
    if session.state != "not_started":
        return "opened"
    if session.washout_override:
        return "open now (washout overridden)"
    if session.opens_at is None:
        return "after session 1 is completed"
    if session.opens_at <= now:
        return f"open since {session.opens_at:%Y-%m-%d}"
    return f"opens {session.opens_at:%Y-%m-%d %H:%M} UTC"


def _session_label(design: str, index: int) -> str:
    """A session as the design reads it (docs/study_definition.md#designs)."""
    if design == "crossover":
        return f"{index} ({'unaided' if index == 1 else 'aided'})"
    if design == "counterbalanced":
        return f"{index} (half aided)"
    return f"{index} (unaided, then aided)"


def _waiting_for_washout(sessions: Any, now: datetime) -> bool:
    """Session 1 completed, session 2 not started, its washout not over nor overridden."""
    by_index = {session.index: session for session in sessions}
    first, second = by_index.get(1), by_index.get(2)
    return (
        first is not None
        and second is not None
        and first.state == "completed"
        and second.state == "not_started"
        and not second.washout_override
        and second.opens_at is not None
        and second.opens_at > now
    )


class ProgressPage(Page):
    """Per reader and session: state, cases read of n, time spent, when session 2 opens."""

    title = "Progress"
    explanation = (
        "Each reader's sessions, refreshed every few seconds as readers submit at their "
        "workstations. A second session opens when the washout has passed; you may open it "
        "earlier with a written reason, which is recorded in the audit log."
    )
    #: Emitted after each refresh with the new status (the window's header follows it).
    refreshed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.layout_.addWidget(self.summary)
        self.table = make_table(
            [
                "Reader",
                "Name",
                "Session",
                "State",
                "Read",
                "Time spent",
                "Started",
                "Completed",
                "Second session",
                "Washout override reason",
            ]
        )
        self.layout_.addWidget(self.table, 1)
        self.updated = QLabel()
        self.layout_.addWidget(self.updated)

        box = QGroupBox("Open a second session before the washout ends")
        row = QHBoxLayout(box)
        self.override_reader = QComboBox()
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText("reason (required; recorded in the audit log)")
        self.override_button = QPushButton("Override washout")
        self.override_button.clicked.connect(self.override)
        row.addWidget(QLabel("Reader"))
        row.addWidget(self.override_reader)
        row.addWidget(self.override_reason, 1)
        row.addWidget(self.override_button)
        self.layout_.addWidget(box)
        self.override_hint = QLabel()
        self.layout_.addWidget(self.override_hint)
        self.finish_layout()

        self.status: StudyStatus | None = None
        self.poll: Job | None = None
        self._poll_again = False
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)

    def set_store(self, store: Any) -> None:
        super().set_store(store)
        if store is None:
            self.timer.stop()
        else:
            self.timer.start()
            self.refresh()

    def page_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Ask the store for the progress in a worker thread (skipped while one is running)."""
        store = self.store
        if store is None:
            return
        if self.poll is not None and self.poll.running():
            self._poll_again = True  # what changed since that poll began is shown after it
            return
        self._poll_again = False
        poll = Job(lambda control: study_status(store), self)
        poll.succeeded.connect(self.show_status)
        poll.finished.connect(self._poll_finished)
        poll.failed.connect(lambda message: self.updated.setText(f"Could not refresh: {message}"))
        self.poll = poll
        poll.start()

    def _poll_finished(self) -> None:
        if self._poll_again and self.poll is not None:
            self.poll.wait(1.0)  # it has emitted its last signal; its thread is ending
            self.refresh()

    def show_status(self, status: StudyStatus) -> None:
        """Fill the table from ``status``."""
        self.status = status
        now = datetime.now(UTC)
        rows = []
        for reader in status.readers:
            for session in reader.sessions:
                name = reader.name + ("" if reader.active else " (deactivated)")
                rows.append(
                    [
                        reader.reader_id,
                        name,
                        _session_label(status.design, session.index),
                        _STATES.get(session.state, session.state),
                        f"{session.read} of {session.total}",
                        ""
                        if session.state == "not_started"
                        else f"{session.active_minutes:.1f} min",
                        _when(session.started_at),
                        _when(session.completed_at),
                        _opens(session, now),
                        session.washout_override or "",
                    ]
                )
        fill_table(self.table, rows)
        read = sum(s.read for r in status.readers for s in r.sessions)
        total = sum(s.total for r in status.readers for s in r.sessions)
        done = sum(
            all(s.state == "completed" for s in r.sessions) for r in status.readers if r.active
        )
        active = sum(r.active for r in status.readers)
        self.summary.setText(
            f"<b>{read} of {total}</b> reads done; {done} of {active} active readers finished. "
            f"Design {status.design}, washout {status.washout_days} days."
        )
        self.updated.setText(f"Updated {datetime.now():%H:%M:%S}")
        chosen = self.override_reader.currentText()
        waiting = [
            r.reader_id
            for r in status.readers
            if r.active and _waiting_for_washout(r.sessions, now)
        ]
        if waiting != [
            self.override_reader.itemText(i) for i in range(self.override_reader.count())
        ]:
            self.override_reader.clear()
            self.override_reader.addItems(waiting)
            if chosen in waiting:
                self.override_reader.setCurrentText(chosen)
        self.override_reader.setPlaceholderText("nobody is waiting")
        self.override_hint.setText(
            f"{len(waiting)} reader(s) completed session 1 and wait for the washout to end."
            if waiting
            else "No reader is waiting: nobody has completed session 1 with the washout still "
            "running."
        )
        self.refreshed.emit(status)

    def set_controls_enabled(self, enabled: bool) -> None:
        self.override_button.setEnabled(enabled)

    def override(self) -> None:
        """Open the chosen reader's second session now; the engine refuses an empty reason."""
        store, reader_id = self.store, self.override_reader.currentText()
        if store is None or not reader_id:
            self.notice.show_message("No reader is waiting for a second session.", "error")
            return
        reason = self.override_reason.text()

        def done(_: object) -> None:
            self.override_reason.clear()
            self.notice.show_message(
                f"Reader {reader_id} may start session 2 now; the reason is in the audit log.",
                "ok",
            )
            self.refresh()

        self.run_job(lambda control: override_washout(store, reader_id, reason), done)

    def shutdown(self) -> None:
        self.timer.stop()
        if self.poll is not None:
            self.poll.wait(10.0)
        super().shutdown()
