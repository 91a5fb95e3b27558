"""The ``cohort`` fixture: three valid cases on disk and a manifest writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from manifest_files import Cohort, lesion, write_dicom, write_mask


@pytest.fixture
def cohort(tmp_path: Path) -> Cohort:
    cohort = Cohort(tmp_path)
    for number, (label, bi_rads) in enumerate(
        [("malignant", "4C"), ("benign", "3"), ("benign", "4A")], start=1
    ):
        case_id = f"C{number:03d}"
        write_dicom(tmp_path / "images" / f"{case_id}_le.dcm")
        write_dicom(tmp_path / "images" / f"{case_id}_re.dcm")
        write_mask(tmp_path / "images" / f"{case_id}_mask.nii.gz", lesion(top=5 * number))
        cohort.rows.append(
            {
                "case_id": case_id,
                "low_energy": f"images/{case_id}_le.dcm",
                "recombined": f"images/{case_id}_re.dcm",
                "mask": f"images/{case_id}_mask.nii.gz",
                "label": label,
                "age": 40 + number,
                "bi_rads": bi_rads,
                "laterality": "L",
            }
        )
    return cohort
