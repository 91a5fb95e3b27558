"""Writers of CESM test files (DICOM pairs, ITK-SNAP-style NIfTI masks, PNG) and manifests."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk  # noqa: N813
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DigitalMammographyXRayImageStorageForPresentation, generate_uid

ROWS, COLUMNS = 48, 64
#: Coarse pixels keep the images tiny while lesions stay above the paper's 5 mm.
SPACING_MM = 0.5
HEADER = ("case_id", "low_energy", "recombined", "mask", "label", "age", "bi_rads", "laterality")


def lesion(top: int = 10, left: int = 20, height: int = 12, width: int = 10) -> np.ndarray:
    """A rectangular lesion; 12 × 10 pixels at 0.5 mm is 7.8 mm across."""
    mask = np.zeros((ROWS, COLUMNS), dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask


def write_dicom(
    path: Path, pixels: np.ndarray | None = None, laterality: str = "L", **attributes: Any
) -> Path:
    """A 12-bit mammogram with Pixel Spacing 0.5 mm unless ``attributes`` say otherwise."""
    if pixels is None:
        pixels = (np.arange(ROWS * COLUMNS).reshape(ROWS, COLUMNS) % 4096).astype(np.uint16)
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.SOPClassUID = DigitalMammographyXRayImageStorageForPresentation
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.Modality = "MG"
    dataset.PixelSpacing = [SPACING_MM, SPACING_MM]
    dataset.ImageLaterality = laterality
    dataset.ViewPosition = "CC"
    dataset.set_pixel_data(pixels, "MONOCHROME2", 12)
    for keyword, value in attributes.items():
        if value is None:
            delattr(dataset, keyword)
        else:
            setattr(dataset, keyword, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save_as(path, enforce_file_format=True)
    return path


def write_mask(path: Path, mask: np.ndarray) -> Path:
    """A mask as ITK-SNAP saves one for a 2-D image: NIfTI, shape (1, rows, columns), label 1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(sitk.GetImageFromArray(mask.astype(np.uint8)[np.newaxis]), str(path))
    return path


def write_png(path: Path, pixels: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(sitk.GetImageFromArray(pixels), str(path))
    return path


def write_csv(path: Path, header: list[str] | tuple[str, ...], rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@dataclass
class Cohort:
    """Three valid cases in ``folder/images``; edit ``rows`` and call :meth:`write`."""

    folder: Path
    rows: list[dict[str, Any]] = field(default_factory=list)

    def write(self, name: str = "manifest.csv", header: tuple[str, ...] = HEADER) -> Path:
        return write_csv(
            self.folder / name, header, [[row.get(c, "") for c in header] for row in self.rows]
        )

    def images(self) -> Path:
        return self.folder / "images"
