"""Speed of the AUC with DeLong CI at large n: ours, the old way, and R's pROC on the same data.

For each number of cases it times (median of ``--repeat`` calls, after one warm-up call):

* **ours**: :func:`studies.analysis.roc.auc_delong` (input checks, placements by class sorts and
  binary searches, covariance as a centred product, the clamped CI);
* **old way**: the implementation this project had before, kept here as a small reference:
  three mid-rankings (:func:`scipy.stats.rankdata`) for the placements and :func:`numpy.cov` for
  their variances, without the input checks;
* **pROC** (when ``Rscript`` with pROC is installed): ``roc(truth, score, levels = c(0, 1),
  direction = "<", quiet = TRUE)`` + ``ci.auc(curve, method = "delong")``. The cases go to R in a
  temporary CSV; R times only the computation (``proc.time()``, 1 ms resolution) over the same
  number of repeats, after one warm-up call, and prints its median.

and prints the ratios to pROC's time and the largest absolute difference of the AUC and the CI
bounds from pROC's (and from the old way's). Prints figures, asserts nothing: timings vary with
the machine and its load.

Data: 30 % malignant, scores ~ N(1.2 · truth, 1) on a grid of 1e-6 (as written to the CSV, so
both sides read the same numbers; the grid also makes some ties at large n).

Run: ``.venv/bin/python benchmarks/bench_delong.py [--sizes 1000 10000 100000 1000000]
[--repeat N]``. pROC: ``sudo scripts/install_benchmark_packages.sh`` (Debian: r-base-core,
r-cran-proc).
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm, rankdata

from studies.analysis.roc import auc_delong

INSTALL_HINT = (
    "install it with: sudo scripts/install_benchmark_packages.sh (r-base-core, r-cran-proc)"
)

R_SCRIPT = """\
args <- commandArgs(trailingOnly = TRUE)
cases <- read.csv(args[1])
repeats <- as.integer(args[2])
suppressPackageStartupMessages(library(pROC))
run <- function() {
  curve <- roc(cases$truth, cases$score, levels = c(0, 1), direction = "<", quiet = TRUE)
  ci.auc(curve, method = "delong")
}
result <- run()  # warm-up
elapsed <- numeric(repeats)
for (i in seq_len(repeats)) {
  start <- proc.time()[["elapsed"]]
  result <- run()
  elapsed[i] <- proc.time()[["elapsed"]] - start
}
# median seconds, then lower, AUC, upper
cat(sprintf("%.17g", c(median(elapsed), as.numeric(result))), sep = "\\n")
"""


@dataclass(frozen=True)
class Interval:
    """An AUC and its CI bounds, from whichever implementation."""

    auc: float
    low: float
    high: float

    def max_difference(self, other: Interval) -> tuple[float, float, float]:
        return (
            abs(self.auc - other.auc),
            abs(self.low - other.low),
            abs(self.high - other.high),
        )


def old_auc_delong(
    scores: NDArray[np.float64], truth: NDArray[np.int8], alpha: float = 0.05
) -> Interval:
    """The pre-change way: placements from three mid-rankings, variances by ``np.cov``."""
    diseased = truth == 1
    positives, negatives = scores[diseased], scores[~diseased]
    m, n = positives.size, negatives.size
    rank_all = rankdata(np.concatenate([positives, negatives]))
    v10 = (rank_all[:m] - rankdata(positives)) / n
    v01 = 1.0 - (rank_all[m:] - rankdata(negatives)) / m
    auc = float(v10.mean())
    se = math.sqrt(float(np.cov(v10)) / m + float(np.cov(v01)) / n)
    half_width = float(norm.ppf(1 - alpha / 2)) * se
    return Interval(auc, max(auc - half_width, 0.0), min(auc + half_width, 1.0))


def ours(scores: NDArray[np.float64], truth: NDArray[np.int8]) -> Interval:
    """The project's public AUC with DeLong CI, as :mod:`studies.analysis.roc` exposes it."""
    result = auc_delong(scores, truth)
    return Interval(result.estimate, result.ci_low, result.ci_high)


def cases(n: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int64]]:
    """(scores, truth, scores in millionths): the scores are exactly the CSV's decimals."""
    rng = np.random.default_rng(seed)
    truth = (rng.random(n) < 0.3).astype(np.int8)
    micro = np.rint(rng.normal(truth * 1.2, 1.0) * 1e6).astype(np.int64)
    return micro / 1e6, truth, micro


def median_time(function: Callable[[], Interval], repeat: int) -> tuple[float, Interval]:
    """Median wall time of ``repeat`` calls after one warm-up call, and the last value."""
    value = function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def proc_available() -> str | None:
    """None if Rscript and pROC are there, else why not."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript not found"
    check = subprocess.run(
        [rscript, "-e", 'quit(status = !requireNamespace("pROC", quietly = TRUE))'],
        capture_output=True,
        check=False,
    )
    return None if check.returncode == 0 else "R package pROC not found"


def _decimal(micro: int) -> str:
    """A number of millionths as an exact decimal, e.g. -1500000 -> ``-1.500000``."""
    sign = "-" if micro < 0 else ""
    whole, fraction = divmod(abs(micro), 1_000_000)
    return f"{sign}{whole}.{fraction:06d}"


def time_proc(
    micro: NDArray[np.int64], truth: NDArray[np.int8], repeat: int
) -> tuple[float, Interval]:
    """pROC's median seconds and its (AUC, CI) on the same cases, written to a temporary CSV."""
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "cases.csv"
        script = Path(folder) / "time_proc.R"
        lines = [
            f"{label},{_decimal(value)}"
            for label, value in zip(truth.tolist(), micro.tolist(), strict=True)
        ]
        csv.write_text("truth,score\n" + "\n".join(lines) + "\n")
        script.write_text(R_SCRIPT)
        done = subprocess.run(
            ["Rscript", str(script), str(csv), str(repeat)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"Rscript failed (exit {done.returncode}):\n{done.stderr}")
    seconds, low, auc, high = (float(line) for line in done.stdout.split())
    return seconds, Interval(auc, low, high)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    missing = proc_available()
    if missing is not None:
        print(f"pROC comparison skipped: {missing}; {INSTALL_HINT}")
    header = f"{'n':>9}  {'ours ms':>9}  {'old ms':>9}  {'old/ours':>8}"
    if missing is None:
        header += f"  {'pROC ms':>9}  {'ours/pROC':>9}  {'old/pROC':>8}"
        header += "  max |diff| vs pROC (AUC, low, high)"
    print(header)
    for n in args.sizes:
        scores, truth, micro = cases(n, args.seed)
        ours_s, ours_value = median_time(lambda s=scores, t=truth: ours(s, t), args.repeat)
        old_s, old_value = median_time(lambda s=scores, t=truth: old_auc_delong(s, t), args.repeat)
        line = f"{n:>9,}  {ours_s * 1e3:9.2f}  {old_s * 1e3:9.2f}  {old_s / ours_s:8.1f}"
        if missing is None:
            proc_s, proc_value = time_proc(micro, truth, args.repeat)
            differences = ", ".join(f"{d:.1e}" for d in ours_value.max_difference(proc_value))
            ratio = ours_s / proc_s if proc_s > 0 else math.inf
            old_ratio = old_s / proc_s if proc_s > 0 else math.inf
            line += f"  {proc_s * 1e3:9.2f}  {ratio:9.2f}  {old_ratio:8.2f}  {differences}"
        print(line)
        old_differences = ", ".join(f"{d:.1e}" for d in ours_value.max_difference(old_value))
        print(f"{'':>9}  AUC {ours_value.auc:.6f}; max |diff| ours vs old way: {old_differences}")
    if missing is None:
        print("pROC's times come from R's proc.time() (1 ms resolution): rough below ~10 ms.")


if __name__ == "__main__":
    main()
