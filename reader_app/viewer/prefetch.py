"""Preparing cases in a worker thread, ahead of the reader, and keeping the last few ready.

The reading window asks for the current case and the next one as soon as it knows them
(:meth:`CasePrefetcher.request`); :func:`~reader_app.viewer.prepared_case.prepare_case` then
runs in a worker thread of the prefetcher's own :class:`QThreadPool` — one thread, so the case
asked for first is ready first and the GUI thread keeps a core on a two-core machine. The result
reaches the GUI thread through a queued signal; only the GUI thread touches the cache, so it
needs no lock. The cache holds at most ``cache_size`` prepared cases (least recently used goes
first; at most :data:`MAX_CACHE_SIZE`): a prepared full-size case weighs about 29 MB, and the
default of :data:`CACHE_SIZE` — the case on screen and the next one — is all a forward-only
reading needs; a study that lets readers go back passes 3 to keep the previous case too.

Memory. glibc's allocator raises its mmap threshold each time a large block is freed, after
which arrays of a prepared case's size come from the heap and stay resident when freed: about
100 MB more after a few cases, for nothing. The prefetcher pins the threshold at
:data:`MMAP_THRESHOLD` (``mallopt``, Linux only), so a dropped case returns its memory to the
system.

A case that cannot be prepared (a missing or corrupt file) is reported through :attr:`failed`
with a plain message naming the file; nothing is cached and the workstation keeps running.

Public API (stable): ``CasePrefetcher(display_size, parent=None, *, cache_size=2,
prepare=prepare_case)``,
:meth:`~CasePrefetcher.request`, :meth:`~CasePrefetcher.get`, :meth:`~CasePrefetcher.is_pending`,
:meth:`~CasePrefetcher.set_display_size`, :meth:`~CasePrefetcher.shutdown`, signals
``prepared(str case_id)`` and ``failed(str case_id, str message)``.
"""

from __future__ import annotations

import ctypes
import sys
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from model_core.errors import CesmError
from reader_app.viewer.prepared_case import PreparedCase, prepare_case

if TYPE_CHECKING:
    from studies.engine.reader_api import CaseToRead

#: Prepared cases kept by default, and at most.
CACHE_SIZE = 2
MAX_CACHE_SIZE = 3
#: Blocks from this size up are mapped, and unmapped when freed (glibc ``M_MMAP_THRESHOLD``).
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3


def return_freed_arrays_to_the_system() -> bool:
    """Pin glibc's mmap threshold (see the module docstring); False where that is not glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # another C library (musl): its allocator behaves
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


Prepare = Callable[..., PreparedCase]


class _Relay(QObject):
    """Carries a worker's result to the GUI thread (signals emitted from the worker are queued
    to receivers living in the GUI thread)."""

    finished = Signal(str, object)
    failed = Signal(str, str)


class _PrepareTask(QRunnable):
    def __init__(
        self, case: CaseToRead, display_size: tuple[int, int], prepare: Prepare, relay: _Relay
    ) -> None:
        super().__init__()
        self._case = case
        self._display_size = display_size
        self._prepare = prepare
        self._relay = relay

    def run(self) -> None:
        try:
            prepared = self._prepare(self._case, display_size=self._display_size)
        except CesmError as error:  # the message names the file
            self._relay.failed.emit(self._case.case_id, str(error))
        except Exception as error:  # a worker must report, never die silently
            self._relay.failed.emit(self._case.case_id, _unexpected(self._case, error))
        else:
            self._relay.finished.emit(self._case.case_id, prepared)


def _unexpected(case: CaseToRead, error: Exception) -> str:
    return (
        f"case {case.case_id}: its images ({case.low_energy}, {case.recombined}) could not be "
        f"prepared: {type(error).__name__}: {error}"
    )


class CasePrefetcher(QObject):
    """Prepares cases in a worker thread and keeps the last ``cache_size`` of them.

    Args:
        display_size: (rows, columns) in screen pixels of one image view; the display level of
            each image is chosen for it (:meth:`CaseViewer.display_size` gives it).
        cache_size: prepared cases kept, 1 to :data:`MAX_CACHE_SIZE`.
        prepare: the preparing function (tests pass a wrapper to watch the thread it runs in).

    Raises:
        ValueError: ``cache_size`` out of range.
    """

    #: A requested case is ready: :meth:`get` returns it now.
    prepared = Signal(str)
    #: A requested case could not be prepared: (case_id, message naming the file).
    failed = Signal(str, str)

    def __init__(
        self,
        display_size: tuple[int, int],
        parent: QObject | None = None,
        *,
        cache_size: int = CACHE_SIZE,
        prepare: Prepare = prepare_case,
    ) -> None:
        if not 1 <= cache_size <= MAX_CACHE_SIZE:
            raise ValueError(f"cache_size must be 1 to {MAX_CACHE_SIZE}, not {cache_size}")
        super().__init__(parent)
        self._cache_size = cache_size
        return_freed_arrays_to_the_system()
        self._pool = QThreadPool(self)  # created first, so destroyed (and drained) first
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._store)
        self._relay.failed.connect(self._report)
        self._display_size = display_size
        self._prepare = prepare
        self._cache: OrderedDict[str, PreparedCase] = OrderedDict()
        self._pending: set[str] = set()

    def set_display_size(self, display_size: tuple[int, int]) -> None:
        """Prepare later requests for views of ``display_size``; the cache is kept."""
        self._display_size = display_size

    def request(self, case: CaseToRead) -> None:
        """Prepare ``case`` in the worker thread unless it is cached or already under way;
        :attr:`prepared` (or :attr:`failed`) follows from the event loop, also for a cached
        case. Cheap: call it for every upcoming case."""
        if case.case_id in self._cache:
            self._cache.move_to_end(case.case_id)
            # from the event loop, as for a case prepared now: never re-entering the caller
            QTimer.singleShot(0, self, lambda case_id=case.case_id: self.prepared.emit(case_id))
            return
        if case.case_id in self._pending:
            return
        self._pending.add(case.case_id)
        self._pool.start(_PrepareTask(case, self._display_size, self._prepare, self._relay))

    def get(self, case_id: str) -> PreparedCase | None:
        """The prepared case, or ``None`` while it is not (yet) prepared."""
        prepared = self._cache.get(case_id)
        if prepared is not None:
            self._cache.move_to_end(case_id)
        return prepared

    def is_pending(self, case_id: str) -> bool:
        """Whether ``case_id`` is being prepared now or waits for the worker."""
        return case_id in self._pending

    def cached_ids(self) -> list[str]:
        """The cached case ids, least recently used first."""
        return list(self._cache)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Drop queued requests, wait for the running one, empty the cache; False on timeout."""
        self._pool.clear()
        done = self._pool.waitForDone(timeout_ms)
        self._pending.clear()
        self._cache.clear()
        return done

    @Slot(str, object)
    def _store(self, case_id: str, prepared: PreparedCase) -> None:
        self._pending.discard(case_id)
        self._cache[case_id] = prepared
        self._cache.move_to_end(case_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        self.prepared.emit(case_id)

    @Slot(str, str)
    def _report(self, case_id: str, message: str) -> None:
        self._pending.discard(case_id)
        self.failed.emit(case_id, message)
