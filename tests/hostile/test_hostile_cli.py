"""The hostile files through ``cesm-reader validate`` and ``preprocess``, as a user runs them.

Each test writes a one-case manifest whose files are valid but for one, runs the command in a
child process, and checks the exit status (validate: 1 when the manifest has errors; preprocess:
2 on an input error, README "Command line"), the message naming the file, and that nothing was
written.
"""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hostile_files import cut, nifti1, snapshot, write_itk, write_manifest

SHAPE = (300, 400)
LESION = (slice(50, 250), slice(100, 300))  # rows 50-249: in both halves of the mask file


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A folder with a valid case: low_energy, recombined (float32 gzip NIfTI) and mask."""
    rng = np.random.default_rng(11)
    rows, columns = np.mgrid[: SHAPE[0], : SHAPE[1]].astype(np.float32)
    low = (800.0 + 2.0 * columns + rng.normal(0, 5, SHAPE)).astype(np.float32)
    high = (100.0 + 1.5 * rows + rng.normal(0, 5, SHAPE)).astype(np.float32)
    mask = np.zeros(SHAPE, dtype=np.uint8)
    mask[LESION] = 1
    write_itk(tmp_path / "low_energy.nii.gz", low, compress=True)
    write_itk(tmp_path / "recombined.nii.gz", high, compress=True)
    write_itk(tmp_path / "mask.nii.gz", mask[np.newaxis], compress=True)  # as ITK-SNAP saves
    write_manifest(
        tmp_path, low="low_energy.nii.gz", recombined="recombined.nii.gz", mask="mask.nii.gz"
    )
    return tmp_path


def _validate_refuses(cesm_reader, folder: Path, column: str, file: Path, reason: str) -> None:
    before = snapshot(folder)
    result = cesm_reader("validate", folder / "manifest.csv")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"line 2, case C1, column {column} ({file}): " in result.stdout
    assert reason in result.stdout
    assert "Traceback" not in result.stderr
    assert snapshot(folder) == before


def _preprocess_refuses(cesm_reader, folder: Path, file: Path, reason: str) -> None:
    out = folder / "out" / "input.png"
    before = snapshot(folder)
    result = cesm_reader(
        "preprocess", folder / "manifest.csv", "--case", "C1", "--backbone", "xception",
        "--out", out,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert str(file) in result.stderr
    assert reason in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(folder) == before  # no output, no temporary file, no folder
    assert not out.exists()


def test_the_valid_case_passes(case, cesm_reader):
    """The baseline the hostile tests change one file of."""
    assert cesm_reader("validate", case / "manifest.csv").returncode == 0
    out = case / "input.png"
    result = cesm_reader(
        "preprocess", case / "manifest.csv", "--case", "C1", "--backbone", "xception",
        "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.is_file()


@pytest.mark.parametrize("fraction", [0.5, 0.6])
def test_a_cut_short_mask_is_an_error(case, cesm_reader, fraction):
    """The sweep found a mask.nii.gz cut in half: 0 errors, preprocess exit 0, 1 512 of 9 143
    lesion pixels."""
    mask = cut(case / "mask.nii.gz", fraction)
    _validate_refuses(cesm_reader, case, "mask", mask, "the file is incomplete")
    _preprocess_refuses(cesm_reader, case, mask, "the file is incomplete")


def test_a_cut_short_low_energy_image_is_an_error(case, cesm_reader):
    """The sweep found a low_energy.nii.gz cut to 60 % read with its last rows black."""
    image = cut(case / "low_energy.nii.gz", 0.6)
    _validate_refuses(cesm_reader, case, "low_energy", image, "the file is incomplete")
    _preprocess_refuses(cesm_reader, case, image, "the file is incomplete")


def _with_nan(case: Path, row: int, column: int, column_name: str = "low_energy") -> Path:
    path = case / f"{column_name}.nii.gz"
    rng = np.random.default_rng(11)
    pixels = (800.0 + rng.normal(0, 5, SHAPE)).astype(np.float32)
    pixels[row, column] = np.nan
    path.write_bytes(gzip.compress(nifti1(pixels)))
    return path


@pytest.mark.parametrize("column", ["low_energy", "recombined"])
def test_nan_inside_the_crop_of_a_nifti_is_a_preprocessing_error(case, cesm_reader, column):
    """SimpleITK read it as 0, so the documented "NaN inside the crop is an error" never fired.
    The message names the image that holds it."""
    image = _with_nan(case, 150, 200, column)  # inside the lesion
    reason = f"case 'C1' ({image}): {column}: 1 NaN or infinite pixel value(s)"
    _preprocess_refuses(cesm_reader, case, image, reason)


def test_nan_outside_the_crop_of_a_nifti_is_ignored_as_documented(case, cesm_reader):
    _with_nan(case, 0, 0)  # far from the lesion's crop (rows 0:300, columns 50:350)
    out = case / "input.png"
    result = cesm_reader(
        "preprocess", case / "manifest.csv", "--case", "C1", "--backbone", "xception",
        "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.is_file()


def _oversized_mask(case: Path) -> Path:
    """A gzip NIfTI mask whose header declares 32 000 × 32 000 pixels, over a few bytes."""
    header = nifti1(np.zeros((1, 1), np.uint8), dim=(3, 32000, 32000, 1))[:-1]
    path = case / "mask.nii.gz"
    path.write_bytes(gzip.compress(header + bytes(4096)))
    return path


def _peak_mib(result: subprocess.CompletedProcess[str]) -> float:
    return int(result.stderr.split("peak-rss-kib ")[1].split()[0]) / 1024


def test_an_oversized_mask_is_refused_before_its_pixels_are_allocated(case, cesm_reader):
    """The sweep's 1 MB mask declaring 32 000 × 32 000 pixels cost 2.1 GB before the shape
    error; the header alone now decides, and the command stays at its usual footprint (measured
    on the valid case first, in the same environment: the interpreter's own footprint varies)."""
    usual = _peak_mib(cesm_reader("validate", case / "manifest.csv", peak_memory=True))
    mask = _oversized_mask(case)
    reason = "the header declares 32000 × 32000 pixels (1024.0 megapixels), more than the limit"
    _validate_refuses(cesm_reader, case, "mask", mask, reason)
    result = cesm_reader("validate", case / "manifest.csv", peak_memory=True)
    assert result.returncode == 1
    peak = _peak_mib(result)
    # allocating the declared 32000² uint8 pixels alone would add 977 MiB
    assert peak < usual + 300, f"validate peaked at {peak:.0f} MiB, {usual:.0f} MiB usually"
    _preprocess_refuses(cesm_reader, case, mask, reason)


def test_a_mask_with_background_minus_one_is_an_error(case, cesm_reader):
    """Every pixel of such a mask counted as lesion."""
    values = np.full(SHAPE, -1, dtype=np.int16)
    values[LESION] = 1
    mask = write_itk(case / "mask.nii.gz", values, compress=True)
    reason = "not a valid mask: 80000 pixel(s) hold negative values, e.g. -1 at row 0, column 0"
    _validate_refuses(cesm_reader, case, "mask", mask, reason)
    _preprocess_refuses(cesm_reader, case, mask, reason)


def test_a_fifo_as_the_mask_is_an_error_not_a_hang(case, cesm_reader):
    mask = case / "mask.nii.gz"
    mask.unlink()
    os.mkfifo(mask)
    _validate_refuses(cesm_reader, case, "mask", mask, "not a regular file (a FIFO (named pipe))")
    _preprocess_refuses(cesm_reader, case, mask, "not a regular file (a FIFO (named pipe))")
