"""How long ``validate_manifest`` takes on a full-size cohort, per case.

Writes its own cohort to a temporary folder: N cases of 2294 × 1914 16-bit DICOM pairs (the
Hologic Selenia Dimensions CESM matrix, 12 bits stored) and ITK-SNAP-style NIfTI masks
(numpy shape (1, rows, cols), uint8, label 1), then validates the manifest and prints seconds
per case, with the cost of each step measured on its own. The page cache is warm after writing;
on a cold disk add the time to read ~17.6 MB per case.

    .venv/bin/python benchmarks/bench_validate.py [--cases 100] [--syntax explicit|rle|j2k]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pydicom.uid import JPEG2000Lossless, RLELossless

from model_core.io import read_image, read_mask
from model_core.lesion_geometry import largest_component, max_feret_diameter_mm
from model_core.manifest import validate_manifest

# The test data builders are shared with the tests (tests/cesm_files.py, see its docstring); a
# script's sys.path starts at benchmarks/, so the tests folder is added (last: it shadows nothing).
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))
from cesm_files import disc_mask, write_csv, write_dicom, write_mask

ROWS, COLUMNS = 2294, 1914
SPACING_MM = 0.1
SYNTAXES = {"explicit": None, "rle": RLELossless, "j2k": JPEG2000Lossless}


def _write_dicom(path: Path, pixels: np.ndarray, syntax: str | None) -> None:
    """A 12-bit left CC view with Imager Pixel Spacing, no magnification and a full window."""
    write_dicom(
        path,
        pixels,
        compress=syntax,
        ImagerPixelSpacing=[SPACING_MM, SPACING_MM],
        EstimatedRadiographicMagnificationFactor=1.0,
        ImageLaterality="L",
        ViewPosition="CC",
        WindowCenter=2048,
        WindowWidth=4096,
    )


def write_cohort(folder: Path, cases: int, syntax: str | None, seed: int = 0) -> Path:
    """N cases in ``folder`` and their manifest; returns the manifest path."""
    rng = np.random.default_rng(seed)
    background = (1500 + 800 * np.sin(np.arange(COLUMNS) / 300.0)).astype(np.uint16)
    lines = []
    for number in range(1, cases + 1):
        case_id = f"B{number:03d}"
        for kind in ("le", "re"):
            noise = rng.integers(0, 200, size=(ROWS, COLUMNS), dtype=np.uint16)
            _write_dicom(folder / f"{case_id}_{kind}.dcm", background + noise, syntax)
        radius = rng.uniform(20, 200)  # 4 to 40 mm lesions at 0.1 mm
        centre = rng.uniform(400, 1500, size=2)
        write_mask(folder / f"{case_id}_mask.nii.gz", disc_mask((ROWS, COLUMNS), centre, radius))
        label = "malignant" if number % 2 else "benign"
        lines.append(
            [case_id, f"{case_id}_le.dcm", f"{case_id}_re.dcm", f"{case_id}_mask.nii.gz", label]
        )
    header = ["case_id", "low_energy", "recombined", "mask", "label"]
    return write_csv(folder / "manifest.csv", header, lines)


def _median_seconds(function, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--syntax", choices=sorted(SYNTAXES), default="explicit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as name:
        folder = Path(name)
        start = time.perf_counter()
        manifest = write_cohort(folder, args.cases, SYNTAXES[args.syntax])
        written = time.perf_counter() - start
        megabytes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(
            f"cohort: {args.cases} cases of {ROWS}×{COLUMNS} 16-bit DICOM pairs ({args.syntax}) "
            f"+ NIfTI masks, {megabytes:.0f} MB, written in {written:.1f} s"
        )

        start = time.perf_counter()
        report = validate_manifest(manifest)
        elapsed = time.perf_counter() - start
        print(f"validate_manifest: {elapsed:.2f} s total, {elapsed / args.cases:.3f} s per case")
        print(f"  report: {report.summary()}")

        image, mask_path = folder / "B001_le.dcm", folder / "B001_mask.nii.gz"
        mask = read_mask(mask_path)
        largest, _ = largest_component(mask)
        steps = {
            "read_image (one DICOM)": lambda: read_image(image),
            "read_mask (NIfTI)": lambda: read_mask(mask_path),
            "largest_component": lambda: largest_component(mask),
            "max_feret_diameter_mm": lambda: max_feret_diameter_mm(largest, (0.1, 0.1)),
        }
        for label, function in steps.items():
            print(f"  {label:<24} {_median_seconds(function) * 1000:7.1f} ms (median of 5)")


if __name__ == "__main__":
    main()
