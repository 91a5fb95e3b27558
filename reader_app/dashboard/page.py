"""What every dashboard page shares: the store it shows, and running one job at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from reader_app.dashboard.jobs import Job, JobControl
from reader_app.dashboard.widgets import Notice
from studies.store.database import Store


class Page(QWidget):
    """A page of the dashboard: a title, an explanation, its content, a notice line.

    ``run_job`` starts work in a worker thread (one at a time per page) and shows its progress;
    the page's ``job`` is the running one (tests wait on its ``finished`` signal).
    """

    title = ""
    explanation = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: Store | None = None
        self.job: Job | None = None
        self._busy = False
        self.layout_ = QVBoxLayout(self)
        heading = QLabel(f"<h2>{self.title}</h2>")
        self.layout_.addWidget(heading)
        if self.explanation:
            text = QLabel(self.explanation)
            text.setWordWrap(True)
            self.layout_.addWidget(text)
        self.notice = Notice()
        self.progress = QProgressBar()
        self.progress.hide()
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.notice)

    def finish_layout(self) -> None:
        """Called after the page's own widgets (the notice and progress bar sit at the top,
        under the explanation, where the coordinator looks after pressing a button)."""

    def set_store(self, store: Store | None) -> None:
        """Show ``store`` (``None``: no study open)."""
        self.store = store

    def page_shown(self) -> None:
        """Called when the coordinator opens the page (refresh what it shows)."""

    def busy(self) -> bool:
        """Whether the page's job is running (its result not yet handled)."""
        return self._busy

    def run_job(
        self,
        work: Callable[[JobControl], Any],
        on_success: Callable[[Any], None],
        *,
        on_failure: Callable[[str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        busy_text: str = "",
    ) -> Job | None:
        """Run ``work`` in a worker thread; ``on_success(result)`` runs in the GUI thread."""
        if self.busy():
            self.notice.show_message("Please wait: the previous action is still running.", "info")
            return None
        job = Job(work, self)
        self.job = job
        self._busy = True
        self.progress.setRange(0, 0)
        self.progress.setFormat(busy_text or "working…")
        self.progress.show()
        self.set_controls_enabled(False)
        if busy_text:
            self.notice.show_message(busy_text, "info")

        def progressed(done: int, total: int, text: str) -> None:
            if total > 0:
                self.progress.setRange(0, total)
                self.progress.setValue(done)
                self.progress.setFormat(f"{text + ': ' if text else ''}%v of %m")
            else:
                self.progress.setRange(0, 0)
                self.progress.setFormat(text or "working…")
            if text:
                self.notice.show_message(text, "info")

        def settled() -> None:
            self._busy = False
            self.progress.hide()
            self.set_controls_enabled(True)

        def succeeded(result: Any) -> None:
            settled()
            on_success(result)

        def failed(message: str) -> None:
            settled()
            if on_failure is not None:
                on_failure(message)
            else:
                self.notice.show_message(message, "error")

        def cancelled() -> None:
            settled()
            if on_cancel is not None:
                on_cancel()
            else:
                self.notice.show_message("Cancelled; nothing was changed.", "info")

        job.progress.connect(progressed)
        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        job.cancelled.connect(cancelled)
        job.start()
        return job

    def set_controls_enabled(self, enabled: bool) -> None:
        """Enable or disable the page's action buttons while a job runs (override)."""

    def shutdown(self) -> None:
        """Stop what the page runs (the window is closing)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(10.0)
