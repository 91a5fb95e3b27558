"""Speed of the reader-study analysis: full analysis, DeLong on large n, report rendering.

Prints figures, asserts nothing (timings vary with the machine and its load). Goals on the
project's 2-core reference machine:

* full analysis of 5 readers × 2 sessions × 500 cases, without bootstrap: < 2 s
  (loading and validating the CSVs + every estimator + ``results.json``);
* DeLong AUC with CI on n = 100 000 scores: < 0.5 s;
* report (figures + HTML) — reported separately, no goal.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studies.analysis.inputs import load_inputs
from studies.analysis.pipeline import AnalysisSettings, run_analysis
from studies.analysis.report import write_report
from studies.analysis.roc import auc_delong
from studies.analysis.tables import build_tables, write_tables
from studies.simulation.reader_study import write_simulated_study

SUBGROUPS = ("bi_rads", "diameter_cm", "center")


def _time(function: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median and minimum wall time of ``repeat`` calls, and the last call's value."""
    times = []
    value = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), value


def _report(name: str, median: float, best: float, goal: float | None) -> None:
    verdict = ""
    if goal is not None:
        verdict = f"  (goal < {goal:.1f} s: {'met' if median < goal else 'MISSED'})"
    print(f"{name:<58} median {median:7.3f} s   min {best:7.3f} s{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        files = write_simulated_study(folder, n_cases=500, n_readers=5, seed=0)
        settings = AnalysisSettings(subgroup_columns=SUBGROUPS)

        def full_analysis() -> object:
            inputs = load_inputs(
                files.reads, files.manifest, files.model_scores, subgroup_columns=SUBGROUPS
            )
            result = run_analysis(inputs, settings)
            result.to_json()
            return inputs, result

        full_analysis()  # warm-up: first-call imports (scikit-learn) are not the analysis
        median, best, (inputs, result) = _time(full_analysis, args.repeat)
        _report("full analysis, 5 readers × 2 sessions × 500 cases", median, best, 2.0)
        median, best, _ = _time(
            lambda: load_inputs(
                files.reads, files.manifest, files.model_scores, subgroup_columns=SUBGROUPS
            ),
            args.repeat,
        )
        _report("  of which loading + validating the CSVs", median, best, None)
        median, best, _ = _time(lambda: run_analysis(inputs, settings), args.repeat)
        _report("  of which the estimators", median, best, None)

        out = Path(folder) / "out"
        out.mkdir()
        median, best, _ = _time(lambda: write_tables(build_tables(result), out), args.repeat)
        _report("CSV tables", median, best, None)
        write_report(result, inputs, out)  # warm-up: matplotlib's font cache
        median, best, _ = _time(lambda: write_report(result, inputs, out), max(args.repeat // 2, 1))
        _report("report.html (4 figures + tables)", median, best, None)
        median, best, _ = _time(
            lambda: write_report(result, inputs, out, pdf=True), max(args.repeat // 2, 1)
        )
        _report("report.html + report.pdf (WeasyPrint)", median, best, None)
        size = (out / "report.html").stat().st_size
        print(f"{'report.html size':<58} {size / 1024:7.0f} KiB")

    rng = np.random.default_rng(0)
    n = 100_000
    truth = (rng.random(n) < 0.3).astype(int)
    scores = rng.normal(truth * 1.2, 1.0)
    auc_delong(scores[:1000], truth[:1000])  # warm-up
    median, best, auc = _time(lambda: auc_delong(scores, truth), args.repeat)
    _report(f"DeLong AUC + CI, n = {n:,} (AUC {auc.estimate:.3f})", median, best, 0.5)


if __name__ == "__main__":
    main()
