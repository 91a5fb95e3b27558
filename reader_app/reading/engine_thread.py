"""One worker thread for every call of the reader session, so the GUI never waits on the store.

Each call of :class:`~studies.engine.reader_api.ReaderSession` is a database transaction (an
``fsync`` on SQLite, a network round trip on PostgreSQL, seconds when a server is down). The
reading window hands them to :class:`EngineThread`, which runs them one at a time, in the order
they were asked for, on a single ``QThread``; the result (or the exception) comes back to the GUI
thread as a signal. One thread, one queue: the session object is never used by two threads at
once, and a pause asked for after a submission happens after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot


class _Worker(QObject):
    finished = Signal(str, object, object)

    @Slot(str, object)
    def run(self, tag: str, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except Exception as error:  # handed to the GUI thread, which decides what it means
            self.finished.emit(tag, None, error)
        else:
            self.finished.emit(tag, result, None)


class EngineThread(QObject):
    """Runs calls in order on one worker thread; :attr:`done` reports each on the GUI thread."""

    #: ``(tag, result, error)``: ``error`` is the exception the call raised, else ``None``.
    done = Signal(str, object, object)
    _requested = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("reader-engine")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._requested.connect(self._worker.run)
        self._worker.finished.connect(self._finished)
        self._pending = 0
        self._thread.start()

    def call(self, tag: str, call: Callable[[], Any]) -> None:
        """Queue ``call``; :attr:`done` is emitted with ``tag`` when it has run."""
        self._pending += 1
        self._requested.emit(tag, call)

    def busy(self) -> bool:
        """Calls are queued or running."""
        return self._pending > 0

    def finish_queued(self) -> None:
        """Run every queued call and report its result (and those they queue) before returning."""
        app = QCoreApplication.instance()
        while self._pending > 0 and app is not None:  # results arrive as GUI-thread events
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    def stop(self) -> None:
        """Finish every queued call, then end the thread (when the window closes): a submission
        asked for just before the window closed is still committed, or kept in the outbox."""
        self.finish_queued()
        if self._thread.isRunning():
            self._thread.quit()
            self._thread.wait()

    @Slot(str, object, object)
    def _finished(self, tag: str, result: object, error: object) -> None:
        self._pending -= 1
        self.done.emit(tag, result, error)
