"""Speed and memory of the reading loop's image side: next case fully drawn, cold start, memory.

Prints figures, asserts nothing. The targets (issue 10): submit → next case fully drawn (two
full-size 2294 × 1914 images plus the heat-map overlay) in a median ≤ 16 ms (one 60 Hz frame)
and a 95th percentile ≤ 33 ms over 50 cases; cold start ≤ 1.5 s; resident memory after a
100-case session ≤ 400 MB and not growing case by case.

* ``show next case``: the workstation's way. Each case is prepared in the prefetcher's worker
  thread while the previous one is on screen (untimed: a reader spends seconds per case, and the
  next case is asked for once the current one is drawn, so that its preparation does not compete
  with that first paint for the CPU); the timed step is :meth:`CaseViewer.show_case` + heat map
  on + every pending event processed + a forced synchronous repaint of the views.
* ``GUI thread's CPU time``: the same steps in CPU time of the GUI thread (where offscreen Qt
  paints), which waiting for a busy CPU does not inflate: close to the wall time of an idle
  machine.
* ``naive``: the same step with ``setImage`` of both decoded full-resolution images (decoded
  beforehand, untimed) and the heat map stretched over them, in the same run and window.
* ``prepare``: the worker's time per case (decode, orient, pyramid, windows, outline, heat
  map), which the prefetch hides behind the reading.
* ``cold start``: a fresh interpreter from spawn to a shown window: the reading app's login
  window when ``reader_app.app`` exists (``--app-probe`` names the code to run), else the
  import of ``reader_app.viewer`` and a shown :class:`CaseViewer`.
* ``memory``: resident set size (``/proc/self/status`` VmRSS) after each of 100 cases shown
  through the prefetcher (the cohort twice), and its slope over the last 50.

Run (offscreen, or under ``xvfb-run -a``), from the repository root:
``.venv/bin/python benchmarks/bench_reading_loop.py [--cohort DIR] [--cases 50]``; without
``--cohort`` a full-size synthetic cohort is generated in a temporary folder first (~30 s).
The heat maps are SIMULATED (smooth blobs at 512 × 427, the store's resolution).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

from model_core.io import read_image
from reader_app.viewer.case_viewer import CaseViewer
from reader_app.viewer.prefetch import CasePrefetcher
from reader_app.viewer.prepared_case import PreparedCase, prepare_case
from studies.engine.reader_api import CaseToRead, ModelOutput

WINDOW_SIZE = (1800, 1000)


def synthetic_cohort(folder: Path, cases: int) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cesm_cli",
            "synth",
            "--out",
            str(folder),
            "--cases",
            str(cases),
            "--seed",
            "11",
            "--size",
            "full",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder


def simulated_heatmap(rng: np.random.Generator, shape: tuple[int, int] = (512, 427)) -> np.ndarray:
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]] / np.array(shape)[:, None, None]
    centre = rng.uniform(0.3, 0.7, size=2)
    blob = np.exp(-(((y - centre[0]) / 0.08) ** 2 + ((x - centre[1]) / 0.08) ** 2))
    return blob.astype(np.float16)


def cases_of(cohort: Path, limit: int) -> list[CaseToRead]:
    rng = np.random.default_rng(0)
    with (cohort / "manifest.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))[:limit]
    return [
        CaseToRead(
            session_index=1,
            position=i,
            total=len(rows),
            case_id=row["case_id"],
            stage="aided",
            practice=False,
            low_energy=cohort / row["low_energy"],
            recombined=cohort / row["recombined"],
            mask=cohort / row["mask"],
            laterality=row["laterality"],
            view=row["view"],
            clinical={},
            model=ModelOutput(0.5, simulated_heatmap(rng), {}),
        )
        for i, row in enumerate(rows)
    ]


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def drawn(app: QApplication, viewer: CaseViewer) -> None:
    """Process every pending event, then paint the views now (not at the next vsync)."""
    app.processEvents()
    for view in viewer.panels[0].view.scene().views():
        view.viewport().repaint()


def wait_for(app: QApplication, prefetcher: CasePrefetcher, case_id: str) -> None:
    while prefetcher.get(case_id) is None:
        app.processEvents()
        time.sleep(0.002)


def percentiles(times: list[float]) -> str:
    ms = np.array(times) * 1000
    median, p95 = np.median(ms), np.percentile(ms, 95)
    return f"median {median:6.1f} ms   p95 {p95:6.1f} ms   max {ms.max():6.1f} ms"


def bench_show(app: QApplication, viewer: CaseViewer, cases: list[CaseToRead]) -> None:
    prepare_times: list[float] = []

    def timed_prepare(case: CaseToRead, *, display_size: tuple[int, int]) -> PreparedCase:
        start = time.perf_counter()
        prepared = prepare_case(case, display_size=display_size)
        prepare_times.append(time.perf_counter() - start)
        return prepared

    prefetcher = CasePrefetcher(viewer.display_size(), prepare=timed_prepare)
    show_times: list[float] = []
    show_cpu: list[float] = []
    call_times: list[float] = []
    prefetcher.request(cases[0])
    for i, case in enumerate(cases):
        wait_for(app, prefetcher, case.case_id)  # the reader reads the previous case meanwhile
        prepared = prefetcher.get(case.case_id)
        assert prepared is not None
        start, cpu = time.perf_counter(), time.thread_time()
        viewer.show_case(prepared)
        viewer.set_heatmap_visible(True)
        called = time.perf_counter()
        drawn(app, viewer)
        show_times.append(time.perf_counter() - start)
        show_cpu.append(time.thread_time() - cpu)
        call_times.append(called - start)
        if i + 1 < len(cases):  # asked for once this case is on screen, as the reading window does
            prefetcher.request(cases[i + 1])
    prefetcher.shutdown()
    print(f"show next case (prefetched)   {percentiles(show_times)}   ({len(cases)} cases)")
    print(f"  GUI thread's CPU time       {percentiles(show_cpu)}   (what an idle machine shows)")
    print(f"  of which the calls          {percentiles(call_times)}   (the rest is Qt painting)")
    print(f"  prepare in the worker       {percentiles(prepare_times)}   (hidden by the prefetch)")


def bench_naive(app: QApplication, viewer: CaseViewer, cases: list[CaseToRead]) -> None:
    """setImage of both decoded full-resolution images and the heat map, on the same views."""
    times: list[float] = []
    cpu_times: list[float] = []
    for case in cases:
        low_energy, recombined = read_image(case.low_energy), read_image(case.recombined)
        assert case.model is not None and case.model.heatmap is not None
        heatmap = np.asarray(case.model.heatmap, dtype=np.float32)
        rows, columns = low_energy.shape
        start, cpu = time.perf_counter(), time.thread_time()
        for panel, image in zip(viewer.panels, (low_energy, recombined), strict=True):
            lo, hi = np.percentile(image.pixels[::16, ::16], [1, 99.5])
            panel.image.setImage(image.pixels, autoLevels=False, levels=(lo, hi))
            panel.image.setRect(QRectF(0, 0, columns, rows))
            panel.heatmap.setImage(heatmap, autoLevels=False, levels=(0, 1), lut=_JET)
            panel.heatmap.setRect(QRectF(0, 0, columns, rows))
            panel.heatmap.show()
            panel.view.setRange(QRectF(0, 0, columns, rows), padding=0.01)
        drawn(app, viewer)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.thread_time() - cpu)
    print(f"naive full-resolution setImage {percentiles(times)}   ({len(cases)} cases)")
    print(f"  GUI thread's CPU time       {percentiles(cpu_times)}")


def bench_memory(app: QApplication, viewer: CaseViewer, cases: list[CaseToRead]) -> None:
    prefetcher = CasePrefetcher(viewer.display_size())
    session = (cases * (100 // len(cases) + 1))[:100]
    rss: list[float] = []
    prefetcher.request(session[0])
    for i, case in enumerate(session):
        if i + 1 < len(session):
            prefetcher.request(session[i + 1])  # the cache holds this case and the next
        wait_for(app, prefetcher, case.case_id)
        prepared = prefetcher.get(case.case_id)
        assert prepared is not None
        viewer.show_case(prepared)
        viewer.set_heatmap_visible(True)
        viewer.zoom_to_lesion()  # and a finer pyramid level, as a reader zooming in
        drawn(app, viewer)
        viewer._update_levels()
        drawn(app, viewer)
        rss.append(rss_mb())
    prefetcher.shutdown()
    slope = np.polyfit(np.arange(50), rss[-50:], 1)[0]
    print(
        f"resident memory               after 10 cases {rss[9]:.0f} MB, after 50 {rss[49]:.0f} MB, "
        f"after 100 {rss[99]:.0f} MB; last 50 cases: {slope:+.2f} MB per case"
    )


def bench_cold_start(app_probe: str | None) -> None:
    root = Path(__file__).resolve().parents[1]
    if app_probe is None:
        what = "import reader_app.viewer + CaseViewer shown"
        app_probe = (
            "from PySide6.QtWidgets import QApplication\n"
            "from reader_app.viewer.case_viewer import CaseViewer\n"
            "app = QApplication([]); viewer = CaseViewer(); viewer.show(); app.processEvents()\n"
        )
    else:
        what = "reader_app.app login window shown"
    code = app_probe + "print('shown', flush=True)\n"
    env = {**os.environ, "PYTHONPATH": str(root)}
    times = []
    for _ in range(5):
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, env=env, text=True
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        elapsed = time.perf_counter() - start
        process.kill()
        process.wait()
        if line.strip() == "shown":
            times.append(elapsed)
    if times:
        print(f"cold start ({what})   median {statistics.median(times):.2f} s of {len(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", type=Path, help="a full-size `cesm-reader synth` output")
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--app-probe", help="Python code that shows the app's first window")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as temporary:
        cohort = args.cohort or synthetic_cohort(Path(temporary) / "cohort", args.cases)
        cases = cases_of(cohort, args.cases)
        viewer = CaseViewer()
        viewer.resize(*WINDOW_SIZE)
        viewer.show()
        app.processEvents()
        baseline = rss_mb()
        print(
            f"{len(cases)} full-size cases (2294 x 1914), window {WINDOW_SIZE[0]} x "
            f"{WINDOW_SIZE[1]}, views {viewer.display_size()} (rows, columns), "
            f"platform {app.platformName()}, {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} (timings are inflated when it exceeds the CPUs)"
        )
        bench_show(app, viewer, cases)
        bench_naive(app, viewer, cases)
        print(
            f"resident memory before any case (Qt, pyqtgraph, image readers, reader API) "
            f"{baseline:.0f} MB"
        )
        bench_memory(app, viewer, cases)
    bench_cold_start(args.app_probe)


_JET = None  # set in __main__ once Qt is up (the overlay's own colour table)

if __name__ == "__main__":
    from reader_app.viewer.heatmap_colours import colour_table

    _JET = colour_table()
    main()
