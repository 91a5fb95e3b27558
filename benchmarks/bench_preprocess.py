"""Time the paper's preprocessing on full-size CESM cases; prints milliseconds per case.

Synthetic full-field images (float32, as read from DICOM) with a round lesion of several
diameters, at the detector sizes of two common CESM systems. The whole pipeline is timed
(crop box on the full mask, normalisation, equalisation, resize, stacking), plus the crop box
alone, since scanning the full-size mask is the only step whose cost grows with the image.

Run: ``.venv/bin/python benchmarks/bench_preprocess.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from model_core.preprocessing import BACKBONE_INPUT_SIZE, lesion_crop_box, preprocess_arrays

# The test data builders are shared with the tests (tests/cesm_files.py, see its docstring); a
# script's sys.path starts at benchmarks/, so the tests folder is added (last: it shadows nothing).
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))
from cesm_files import disc_mask

#: (name, rows, columns, spacing in mm) of full-field detectors.
DETECTORS = (
    ("4096x3328 @ 0.07 mm", 4096, 3328, 0.07),
    ("2294x1914 @ 0.1 mm", 2294, 1914, 0.1),
)
LESION_DIAMETERS_MM = (10.0, 20.0, 50.0)


def _case(rows: int, cols: int, spacing: float, diameter_mm: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    low_energy = rng.normal(2000.0, 300.0, (rows, cols)).astype(np.float32)
    recombined = rng.normal(500.0, 80.0, (rows, cols)).astype(np.float32)
    mask = disc_mask((rows, cols), (rows / 2, cols / 3), diameter_mm / 2 / spacing)
    return low_energy, recombined, mask


def _median_ms(function, repeats: int) -> tuple[float, float]:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    print(f"median (min) of {args.repeats} runs, milliseconds per case")
    header = f"{'detector':<22}{'lesion':>8}{'crop box':>14}"
    header += "".join(f"{name:>18}" for name in BACKBONE_INPUT_SIZE)
    print(header)
    for name, rows, cols, spacing in DETECTORS:
        for diameter in LESION_DIAMETERS_MM:
            low_energy, recombined, mask = _case(rows, cols, spacing, diameter)
            median, best = _median_ms(
                lambda m=mask, s=spacing: lesion_crop_box(m, (s, s)), args.repeats
            )
            line = f"{name:<22}{diameter:>6.0f}mm{median:>8.1f} ({best:.1f})"
            for backbone in BACKBONE_INPUT_SIZE:
                median, best = _median_ms(
                    lambda b=backbone, le=low_energy, re=recombined, m=mask, s=spacing: (
                        preprocess_arrays(le, re, m, (s, s), backbone=b)
                    ),
                    args.repeats,
                )
                line += f"{median:>11.1f} ({best:>4.1f})"
            print(line)


if __name__ == "__main__":
    main()
