"""The workstation's one window: login, the reader's sessions, reading, the dashboard.

The pages replace one another in a stack; nothing opens a second window or a dialog. A reader
who logs in while a session of theirs is in progress (the workstation crashed, or they logged
out mid-session) goes straight back to it, at the first case without an answer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from studies.engine.clock import Clock
from studies.engine.outbox import DecisionOutbox, OutboxError
from studies.engine.reader_api import ReaderSession
from studies.engine.reading_settings import ReadingSettings
from studies.store.database import Store

from .login import LoginPage, SessionsPage
from .reading.submission import Submitter

if TYPE_CHECKING:  # the reading window pulls in pyqtgraph: imported when a session opens
    from .reading.window import ReadingWindow

#: Where a reader's outbox lives: (study id, reader id) → folder.
OutboxFolder = Callable[[str, str], Path]


class MainWindow(QMainWindow):
    """Login → sessions → reading (→ sessions), or login → dashboard."""

    def __init__(
        self,
        store: Store,
        store_url: str,
        settings: ReadingSettings,
        clock: Clock,
        outbox_folder: OutboxFolder,
    ) -> None:
        super().__init__()
        self.setWindowTitle(f"CESM Reader Study — {settings.title}")
        self._store = store
        self._store_url = store_url
        self._settings = settings
        self._clock = clock
        self._outbox_folder = outbox_folder
        self._reader: ReaderSession | None = None
        self._submitter: Submitter | None = None
        self.reading: ReadingWindow | None = None
        self.dashboard: QWidget | None = None
        self._warned_before_closing = False

        self._stack = QStackedWidget()
        self.setCentralWidget(self._stack)
        self.login = LoginPage(store, settings, clock)
        self.login.reader_logged_in.connect(self._reader_logged_in)
        self.login.coordinator_logged_in.connect(self._open_dashboard)
        self.sessions = SessionsPage(settings)
        self.sessions.session_chosen.connect(self.open_session)
        self.sessions.logged_out.connect(self.log_out)
        self._stack.addWidget(self.login)
        self._stack.addWidget(self.sessions)
        self.login.reader_field.setFocus()

    # ------------------------------------------------------------------------------ flow

    def _reader_logged_in(self, reader: ReaderSession) -> None:
        outbox = DecisionOutbox(
            self._outbox_folder(self._settings.study_id, reader.reader_id),
            study_id=self._settings.study_id,
            reader_id=reader.reader_id,
        )
        try:  # one window per reader on this computer (OutboxInUseError otherwise)
            outbox.claim()
        except OutboxError as error:
            self.login.show_refusal(str(error))
            return
        self._reader = reader
        self._submitter = Submitter(outbox, sequential=self._settings.sequential)
        self._show_sessions()
        resumable = self.sessions.resumable()
        if resumable is not None:
            self.open_session(resumable)

    def _show_sessions(self) -> None:
        assert self._reader is not None
        try:
            statuses = self._reader.sessions()
        except Exception as error:  # the store may be away: say so on the page
            self.sessions.show_sessions(self._reader.reader_id, [])
            self.sessions.show_message(str(error))
        else:
            self.sessions.show_sessions(self._reader.reader_id, statuses)
        self._stack.setCurrentWidget(self.sessions)
        # after the event that closed the reading window has run its course
        QTimer.singleShot(0, self._focus_sessions)

    def _focus_sessions(self) -> None:
        self.activateWindow()  # the closed reading window held the focus
        self.sessions.list.setFocus()

    def open_session(self, index: int) -> None:
        """Open the reader's session ``index`` in the reading window."""
        from .reading.window import ReadingWindow

        assert self._reader is not None and self._submitter is not None
        self._close_reading()
        self.reading = ReadingWindow(self._reader, self._settings, self._submitter, self._clock)
        self.reading.session_left.connect(self._session_left)
        self._stack.addWidget(self.reading)
        self._stack.setCurrentWidget(self.reading)
        self.reading.start(index)

    def _session_left(self) -> None:
        self._close_reading()
        self._show_sessions()

    def _close_reading(self) -> None:
        if self.reading is not None:
            self.reading.shutdown()
            self._stack.removeWidget(self.reading)
            self.reading.deleteLater()
            self.reading = None

    def log_out(self) -> None:
        """Back to the login screen."""
        self._close_reading()
        self._release_outbox()
        self._reader = None
        self._submitter = None
        self.login.reset()
        self._stack.setCurrentWidget(self.login)

    def _open_dashboard(self, access: object) -> None:
        try:  # the dashboard is imported only when a coordinator logs in
            dashboard = importlib.import_module("reader_app.dashboard.window")
        except ImportError:
            self.login.message.setText(
                "The coordinator dashboard is not available in this version of the application; "
                "use the `cesm-reader study` commands."
            )
            return
        self.dashboard = dashboard.DashboardWindow(self._store_url, self._store, access)
        self._stack.addWidget(self.dashboard)
        self._stack.setCurrentWidget(self.dashboard)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        # answers kept on this computer (the store away) are sent only while the application
        # runs, or when this reader logs in here again: the first close says so and waits
        reading = self.reading
        if reading is not None and not self._warned_before_closing:
            waiting = reading.answers_waiting()
            if waiting:
                self._warned_before_closing = True
                reading.warn_before_closing(waiting)
                event.ignore()
                return
        self._close_reading()
        self._release_outbox()
        super().closeEvent(event)

    def shut_down(self) -> None:
        """Stop the reading window's threads and release the reader's outbox: the application
        is quitting without this window being closed (``QApplication.aboutToQuit``). Answers
        kept on this computer stay in the outbox, sent when the reader logs in here again."""
        self._close_reading()
        self._release_outbox()

    def _release_outbox(self) -> None:
        if self._submitter is not None:
            self._submitter.outbox.release()
