"""CasePrefetcher: prepares in a worker thread, keeps a bounded cache, reports bad files."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from viewer_cases import write_case

from reader_app.viewer.prefetch import CasePrefetcher
from reader_app.viewer.prepared_case import PreparedCase, prepare_case

SIZE = (200, 200)


@pytest.fixture
def make_prefetcher(qtbot):  # type: ignore[no-untyped-def]
    made: list[CasePrefetcher] = []

    def make(**options: object) -> CasePrefetcher:
        prefetcher = CasePrefetcher(SIZE, **options)  # type: ignore[arg-type]
        made.append(prefetcher)
        return prefetcher

    yield make
    for prefetcher in made:
        prefetcher.shutdown()


def test_cases_are_prepared_in_a_worker_thread(qtbot, make_prefetcher, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    threads: list[int] = []

    def watched(case, *, display_size):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return prepare_case(case, display_size=display_size)

    prefetcher = make_prefetcher(prepare=watched)
    case = write_case(tmp_path)
    with qtbot.waitSignal(prefetcher.prepared, timeout=10_000) as signal:
        prefetcher.request(case)
        assert prefetcher.is_pending(case.case_id)
    assert signal.args == [case.case_id]
    assert threads and threads[0] != threading.get_ident()
    prepared = prefetcher.get(case.case_id)
    assert isinstance(prepared, PreparedCase) and prepared.case_id == case.case_id
    assert not prefetcher.is_pending(case.case_id)


def test_a_cached_case_is_not_prepared_again(qtbot, make_prefetcher, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    def counted(case, *, display_size):  # type: ignore[no-untyped-def]
        calls.append(case.case_id)
        return prepare_case(case, display_size=display_size)

    prefetcher = make_prefetcher(prepare=counted)
    case = write_case(tmp_path)
    with qtbot.waitSignal(prefetcher.prepared, timeout=10_000):
        prefetcher.request(case)
        prefetcher.request(case)  # pending: not queued twice
    answers: list[str] = []
    prefetcher.prepared.connect(answers.append)
    with qtbot.waitSignal(prefetcher.prepared, timeout=1_000) as again:
        prefetcher.request(case)  # cached: answered from the event loop, not from request()
        assert answers == []
    assert again.args == [case.case_id]
    assert calls == [case.case_id]


@pytest.mark.parametrize("cache_size", [2, 3])
def test_the_cache_is_bounded_and_drops_the_oldest(  # type: ignore[no-untyped-def]
    qtbot, make_prefetcher, tmp_path: Path, cache_size: int
) -> None:
    prefetcher = make_prefetcher(cache_size=cache_size)
    cases = [write_case(tmp_path, case_id=f"C{i}") for i in range(cache_size + 2)]
    for case in cases:
        with qtbot.waitSignal(prefetcher.prepared, timeout=10_000):
            prefetcher.request(case)
    kept = [case.case_id for case in cases[-cache_size:]]
    assert prefetcher.cached_ids() == kept
    assert prefetcher.get(cases[0].case_id) is None and prefetcher.get(cases[1].case_id) is None
    # a get makes a case the most recently used: the next one pushes out another
    prefetcher.get(kept[0])
    assert prefetcher.cached_ids()[-1] == kept[0]


def test_cache_size_is_checked() -> None:
    with pytest.raises(ValueError, match="cache_size"):
        CasePrefetcher(SIZE, cache_size=4)


def test_a_missing_image_is_reported_naming_the_file(
    qtbot, make_prefetcher, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    prefetcher = make_prefetcher()
    case = write_case(tmp_path)
    case.recombined.unlink()
    with qtbot.waitSignal(prefetcher.failed, timeout=10_000) as signal:
        prefetcher.request(case)
    case_id, message = signal.args
    assert case_id == case.case_id and str(case.recombined) in message
    assert prefetcher.get(case.case_id) is None and not prefetcher.is_pending(case.case_id)


def test_a_corrupt_mask_is_reported_and_the_next_case_still_comes(  # type: ignore[no-untyped-def]
    qtbot, make_prefetcher, tmp_path: Path
) -> None:
    prefetcher = make_prefetcher()
    bad = write_case(tmp_path, case_id="BAD")
    assert bad.mask is not None
    bad.mask.write_bytes(b"not a NIfTI file at all")
    good = write_case(tmp_path, case_id="GOOD")
    with qtbot.waitSignal(prefetcher.failed, timeout=10_000) as failed:
        prefetcher.request(bad)
    assert failed.args[0] == "BAD" and str(bad.mask) in failed.args[1]
    with qtbot.waitSignal(prefetcher.prepared, timeout=10_000) as prepared:
        prefetcher.request(good)
    assert prepared.args == ["GOOD"]


def test_an_unexpected_error_is_reported_not_raised(qtbot, make_prefetcher, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def broken(case, *, display_size):  # type: ignore[no-untyped-def]
        raise MemoryError("no room")

    prefetcher = make_prefetcher(prepare=broken)
    case = write_case(tmp_path)
    with qtbot.waitSignal(prefetcher.failed, timeout=10_000) as signal:
        prefetcher.request(case)
    assert str(case.low_energy) in signal.args[1] and "MemoryError: no room" in signal.args[1]
