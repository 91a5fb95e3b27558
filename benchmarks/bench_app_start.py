"""Cold start of the reading workstation: process start → the login screen painted.

Prints figures, asserts nothing. The budget is 1.5 s on the project's two-core machine. Each run
is a fresh interpreter (``python -c``) that opens a small study store, builds the window and
waits for its first paint; the parent measures from just before it starts the process to the
line the child prints after that paint, so interpreter start-up is included.

* ``lazy`` is the application as it starts (:func:`reader_app.app.main`'s path): Qt, the store
  and the reader API only; the image views are imported after the login screen is up.
* ``eager`` imports the reading window (pyqtgraph, the viewer) before showing the login screen,
  the naive way, measured in the same run for comparison.

Also printed: whether TensorFlow, matplotlib, pandas or scipy were imported on the way (they
must not be).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_app_start.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "unit" / "reader_app" / "reading")]
from reading_study import make_cohort, make_study  # noqa: E402

CHILD = """
import sys
EAGER = {eager}
from PySide6.QtCore import QTimer
from reader_app.app import application, build_main_window
from studies.store.database import open_store
if EAGER:
    import reader_app.reading.window
app = application()
store = open_store({url!r})
window = build_main_window(store, {url!r})
window.resize(1200, 800)
window.show()
def painted():
    heavy = [m for m in ("tensorflow", "matplotlib", "pandas", "scipy") if m in sys.modules]
    print("shown", ",".join(heavy) or "-", flush=True)
    app.quit()
QTimer.singleShot(0, painted)
app.exec()
"""


def _start_once(url: str, *, eager: bool) -> tuple[float, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(eager=eager, url=url)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline().split()
    elapsed = time.perf_counter() - started
    child.wait()
    if not line or line[0] != "shown":
        raise RuntimeError("the workstation did not start")
    return elapsed, line[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        cohort = make_cohort(Path(folder), cases=2)
        url = f"sqlite:///{Path(folder) / 'study.db'}"
        make_study(cohort, url).close()
        _start_once(url, eager=False)  # warm the disk cache: cold start means a new process
        print(f"cold start to the login screen, {runs} runs each (load {os.getloadavg()[0]:.1f})")
        for eager in (False, True):
            times, heavy = [], set()
            for _ in range(runs):
                elapsed, imported = _start_once(url, eager=eager)
                times.append(elapsed)
                heavy.add(imported)
            name = "eager (naive)" if eager else "lazy (the app)"
            print(
                f"  {name:<15} median {statistics.median(times):.2f} s, "
                f"min {min(times):.2f} s, max {max(times):.2f} s; "
                f"heavy modules imported: {', '.join(sorted(heavy))}"
            )


if __name__ == "__main__":
    main()
