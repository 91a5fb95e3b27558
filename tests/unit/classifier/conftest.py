"""An easy labelled cohort on disk for the training tests (NIfTI images, milliseconds to write).

Malignant lesions enhance brightly on the recombined image, benign ones barely, so that even a
one-epoch model has something to learn; two cases share each patient, so that grouped splits
can be checked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cesm_files import disc_mask, write_csv, write_itk, write_mask

HEADER = ("case_id", "patient_id", "low_energy", "recombined", "mask", "label", "split")
SHAPE = (48, 56)


def write_easy_cohort(folder: Path, cases: int = 12, seed: int = 0, split: str = "train") -> Path:
    """``cases`` cases (alternately malignant and benign) and ``folder/manifest.csv``."""
    rng = np.random.default_rng(seed)
    rows = []
    for number in range(cases):
        case_id = f"E{number:03d}"
        malignant = number % 2 == 0
        centre = (rng.uniform(16, 32), rng.uniform(16, 40))
        mask = disc_mask(SHAPE, centre, radius=float(rng.uniform(5, 8)))
        low = rng.normal(1000, 30, SHAPE).astype(np.float32)
        high = rng.normal(100, 10, SHAPE).astype(np.float32)
        high[mask.astype(bool)] += 400 if malignant else 40
        write_itk(folder / "images" / f"{case_id}_le.nii.gz", low, spacing=(0.5, 0.5))
        write_itk(folder / "images" / f"{case_id}_re.nii.gz", high, spacing=(0.5, 0.5))
        write_mask(folder / "images" / f"{case_id}_mask.nii.gz", mask)
        rows.append(
            [
                case_id,
                f"P{number // 4:02d}",  # four cases, two of each label, per patient
                f"images/{case_id}_le.nii.gz",
                f"images/{case_id}_re.nii.gz",
                f"images/{case_id}_mask.nii.gz",
                "malignant" if malignant else "benign",
                split,
            ]
        )
    return write_csv(folder / "manifest.csv", HEADER, rows)


@pytest.fixture(scope="module")
def easy_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manifest of a 16-case easy cohort (four patients)."""
    return write_easy_cohort(tmp_path_factory.mktemp("easy"), cases=16)
