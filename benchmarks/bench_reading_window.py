"""The whole reading loop at the workstation: Enter → answer committed → next case drawn.

Prints figures, asserts nothing. Where ``bench_reading_loop.py`` times the image side alone,
this drives the real reading window with keys, so each figure includes the submission on the
engine thread (one store transaction, fsync'd on SQLite), the receipt back on the GUI thread,
the panel reset, the next case's images and heat map shown and a forced repaint.

* ``prefetch`` is the workstation as it is: the next case's images are prepared in the viewer's
  worker thread while the reader reads (a reader spends seconds per case; here 0.5 s);
* ``naive`` is the same window with nothing prepared ahead (the case's images are prepared only
  once it is due), measured in the same run.

An aided session (crossover session 2: images plus heat map) on a full-size synthetic cohort
(2294 × 1914 pixels) with SIMULATED model outputs (random 512 × 427 heat maps).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_reading_window.py [--cases 12]``
(generating the cohort takes a few seconds per case).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "unit" / "reader_app" / "reading")]
from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from reading_study import PINS, make_cohort, make_study, read_session_through_the_api  # noqa: E402

import reader_app.reading.window as reading_window  # noqa: E402
from reader_app.app import application, build_main_window  # noqa: E402
from reader_app.main_window import MainWindow  # noqa: E402
from studies.engine.reader_api import ReaderSession  # noqa: E402
from studies.store.database import open_store  # noqa: E402


def _until(condition) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def _keys(*keys: Qt.Key | str) -> None:
    for key in keys:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key)


def _reading_order(url: str) -> list[str]:
    """Session 2's order, read by the reader API (which also starts the session)."""
    with open_store(url) as store:
        reader = ReaderSession.login(store, "R1", PINS["R1"])
        first = reader.open(2)
        assert first is not None
        return [first.case_id, *(case.case_id for case in reader.upcoming(10_000))]


def _session(url: str, outbox: Path, ahead: int, prepared: list[float]) -> list[float]:
    reading_window.PREFETCH_AHEAD = ahead
    order = _reading_order(url)
    window: MainWindow = build_main_window(open_store(url), url, outbox_root=outbox)
    window.resize(1920, 1080)
    window.show()
    window.activateWindow()
    _until(lambda: QApplication.activeWindow() is window)
    window.login.reader_field.setFocus()
    _keys("R1", Qt.Key.Key_Return, PINS["R1"], Qt.Key.Key_Return)
    _until(lambda: window.reading is not None)  # session 2 is in progress: it opens at once
    reading = window.reading
    assert reading is not None
    times = []
    while True:
        _until(lambda: reading.state() in ("reading", "done"))
        if reading.state() == "done":
            break
        _until(lambda: reading.viewer.current_case() is not None and not reading.engine_busy())
        shown = time.perf_counter()
        QTest.qWait(500)  # the reader reads, at least half a second
        case = reading.current_case()
        assert case is not None
        following = order[order.index(case.case_id) + 1 :]
        if ahead and following:  # ... and the worker prepares the next case meanwhile
            _until(lambda next_id=following[0]: reading.images_ready(next_id))
            prepared.append(time.perf_counter() - shown)
        _keys("m", "5", "0", "]")
        started = time.perf_counter()
        _keys(Qt.Key.Key_Return)
        _until(
            lambda case=case: (
                reading.state() == "done"
                or (
                    reading.current_case() is not case
                    and reading.viewer.current_case() is not None
                    and reading.viewer.current_case().case_id == reading.current_case().case_id
                )
            )
        )
        if reading.state() != "done":
            window.repaint()
            times.append((time.perf_counter() - started) * 1000)
    window.close()
    return times


def _summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"  {name:<9} median {statistics.median(times):6.1f} ms, p95 {p95:6.1f} ms, "
        f"max {max(times):6.1f} ms over {len(times)} case switches"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=12)
    cases = parser.parse_args().cases
    application()
    with tempfile.TemporaryDirectory() as folder:
        cohort = make_cohort(Path(folder), cases, size="full", heatmap_shape=(512, 427))
        results = {}
        prepared: list[float] = []
        for name, ahead in (("prefetch", 1), ("naive", 0)):
            url = f"sqlite:///{Path(folder) / f'{name}.db'}"
            store = make_study(cohort, url)
            read_session_through_the_api(store, "R1", 1)
            store.close()
            results[name] = _session(url, Path(folder) / f"outbox-{name}", ahead, prepared)
        print(
            f"Enter → next aided case drawn (full size + heat map), load {os.getloadavg()[0]:.1f}"
        )
        for name, times in results.items():
            print(_summary(name, times))
        print(
            f"  the next case was ready {statistics.median(prepared):.2f} s (median) after the "
            "previous one was shown: a reader faster than that waits for the images"
        )


if __name__ == "__main__":
    main()
