"""Holding Ctrl-C and SIGTERM back while something must not stop halfway.

Blocking the signals (``pthread_sigmask``) would hold them only in the thread that blocks them:
the kernel delivers a process's signal to any thread that does not block it, and libraries
(OpenBLAS, ITK) start threads of their own; Python then runs its handler in the main thread all
the same. Replacing the Python-level handlers holds them whatever thread receives them.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class HeldInterrupts:
    """SIGINT and SIGTERM held back inside a ``with`` block (in the main thread: only it runs
    Python's handlers; elsewhere nothing is held, and nothing can interrupt).

    Signals received meanwhile are only noted; :meth:`act` then does what the handler in place
    before would have done with the first of them."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, Any] = {}

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)

    def __enter__(self) -> HeldInterrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                handler = signal.getsignal(signum)
                if handler is not None:  # None: installed outside Python, cannot be restored
                    self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(self, *exception: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def act(self) -> None:
        """Act on the first interrupt received while held, as its own handler would have."""
        if not self.received:
            return
        signum = self.received[0]
        handler = self._previous.get(signum)
        if handler == signal.SIG_DFL:
            signal.raise_signal(signum)
        elif callable(handler):
            handler(signum, None)


#: Interrupts the command line received, in order (see :func:`note_interrupt`).
_received: list[int] = []


def note_interrupt(signum: int) -> None:
    """Remember that an interrupt arrived, before its handler raises.

    The exception a Python signal handler raises can be lost: it surfaces in whatever code runs
    at that moment, and code that clears pending errors (measured: about one Ctrl-C in twelve
    during ``synth``, after which the cohort was written in full) swallows it. Checking
    :func:`pending_interrupt` at safe points makes the interrupt count all the same.
    """
    _received.append(signum)


def pending_interrupt() -> int | None:
    """The first interrupt noted since :func:`clear_interrupts`, or ``None``."""
    return _received[0] if _received else None


def clear_interrupts() -> None:
    """Forget noted interrupts (a new command starts)."""
    _received.clear()
