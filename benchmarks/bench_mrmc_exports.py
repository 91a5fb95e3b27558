"""Speed of the exports for other MRMC tools, next to the plain reads CSV as the peer.

Prints figures, asserts nothing (timings vary with the machine and its load). A study of
5 readers × 2 sessions × 500 cases (5000 reads, simulated) is written as the reads CSV
(``write_reads``: pandas' ``to_csv``, no checks), the iMRMC input file and RJafroc's workbook
(both checked first). No goal: an export runs once per study, not per case; the workbook's time
is openpyxl's XML serialisation (it uses the faster lxml where that is installed).

Run: ``.venv/bin/python benchmarks/bench_mrmc_exports.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from model_core.formats.imrmc import write_imrmc
from model_core.formats.reads import write_reads
from model_core.formats.rjafroc import write_rjafroc_workbook
from studies.simulation.reader_study import simulate_reader_study


def _median_seconds(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    study = simulate_reader_study(np.array([0, 1] * 250), n_readers=5, seed=1)
    reads = study.reads
    truth = dict(zip(reads.case_id, reads.truth, strict=True))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        rows = [
            ("reads CSV (peer, unchecked)", lambda: write_reads(reads, out / "reads.csv")),
            ("iMRMC input file", lambda: write_imrmc(reads, truth, out / "reads.imrmc")),
            ("RJafroc workbook", lambda: write_rjafroc_workbook(reads, truth, out / "r.xlsx")),
        ]
        print(f"SIMULATED reads: {len(reads)} (5 readers x 2 sessions x 500 cases)")
        for name, function in rows:
            print(f"{name:30s} median {_median_seconds(function, args.repeat) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
