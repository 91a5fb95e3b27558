"""Long work off the GUI thread: a :class:`Job` runs a function in a worker thread and reports
back through Qt signals, so the dashboard never blocks while the store, the disk or the analysis
work (a PostgreSQL server across the network included).

The function receives a :class:`JobControl` to report progress and to learn that the
coordinator pressed *Cancel*; the engine's cancellable steps take ``control.should_stop``.
Exceptions become a plain message (the engine's own errors are written for coordinators).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from model_core.errors import CesmError
from studies.errors import StudyError

_LOG = logging.getLogger(__name__)


class JobCancelled(Exception):  # noqa: N818 - a cancellation, not an error
    """Raised inside a job's function when the coordinator cancelled it."""


class JobControl:
    """What a job's function may do: report progress, and ask whether to stop."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._stop = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        """Progress: ``done`` of ``total`` (``total`` 0: busy without a count)."""
        self._job.progress.emit(int(done), int(total), text)

    def should_stop(self) -> bool:
        """Whether the coordinator cancelled the job."""
        return self._stop.is_set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when the job was cancelled."""
        if self._stop.is_set():
            raise JobCancelled

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._stop.set()


#: Errors whose message is written for the coordinator and shown as it is.
_PLAIN_ERRORS = (CesmError, StudyError, ValueError, OSError, PermissionError)


class Job(QObject):
    """One piece of work in a worker thread; emits exactly one of ``succeeded``, ``failed``,
    ``cancelled``, then ``finished``."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, work: Callable[[JobControl], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self.control = JobControl(self)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run the work in a new worker thread."""
        self._thread = threading.Thread(target=self._run, name="dashboard-job", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop (it stops at its next check and leaves nothing half-made)."""
        self.control.cancel()

    def running(self) -> bool:
        """Whether the worker thread is still working."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the worker thread ends (for closing the window)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            result = self._work(self.control)
        except JobCancelled:
            self.cancelled.emit()
        except Exception as error:  # every failure must reach the GUI, never a dead thread
            if type(error).__name__ in {"InitCancelled", "PrecomputeCancelled"}:
                self.cancelled.emit()
            elif isinstance(error, _PLAIN_ERRORS):
                self.failed.emit(str(error))
            else:
                _LOG.exception("dashboard job failed")
                self.failed.emit(f"unexpected error ({type(error).__name__}): {error}")
        else:
            self.succeeded.emit(result)
        self.finished.emit()
