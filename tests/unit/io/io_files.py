"""Test files for the image and mask readers, written with pydicom (no project code involved)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DigitalMammographyXRayImageStorageForPresentation, generate_uid

ROWS, COLUMNS = 48, 64


def ramp(bits: int = 12) -> np.ndarray:
    """A (48, 64) uint16 image whose values are all different and span most of ``bits``."""
    values = np.arange(ROWS * COLUMNS, dtype=np.int64) * 37 % (2**bits)
    return values.reshape(ROWS, COLUMNS).astype(np.uint16)


def mammogram_dataset(
    pixels: np.ndarray, photometric: str = "MONOCHROME2", bits: int = 12, **attributes: Any
) -> Dataset:
    """A minimal Digital Mammography (For Presentation) dataset holding ``pixels``."""
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.SOPClassUID = DigitalMammographyXRayImageStorageForPresentation
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.PatientID = "P001"
    dataset.PatientName = "Doe^Jane"
    dataset.PatientBirthDate = ""
    dataset.PatientSex = "F"
    dataset.StudyDate = "20240101"
    dataset.StudyTime = "120000"
    dataset.AccessionNumber = ""
    dataset.ReferringPhysicianName = ""
    dataset.StudyID = "1"
    dataset.SeriesNumber = 1
    dataset.InstanceNumber = 1
    dataset.Modality = "MG"
    dataset.set_pixel_data(pixels, photometric, bits)
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    return dataset
