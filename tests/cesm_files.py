"""Test data builders shared by the tests and the benchmarks: one module, no copies.

Images, masks and manifests are written with pydicom, SimpleITK and :mod:`csv` alone (no project
code), so a test of a reader never depends on a writer of ours. Each builder states its defaults;
callers that need other values pass them explicitly.

* pixel arrays: :func:`ramp`; lesion masks: :func:`lesion` (rectangle), :func:`disc_mask`,
  :func:`ellipse_mask`;
* DICOM: :func:`mammogram_dataset` and :func:`write_dicom` (a minimal Digital Mammography image),
  with :data:`PATIENT_AND_STUDY` for the reader tests and :func:`write_case_dicom` for the
  manifest tests' cases;
* SimpleITK formats: :func:`write_itk` (any format, optional spacing) and :func:`write_mask`
  (what ITK-SNAP saves for a 2-D image);
* manifests: :func:`write_csv` and :class:`Cohort` (three valid cases and their manifest).

Importing it:

* **tests** import it by bare name, ``from cesm_files import write_dicom``, like the helper modules
  next to them. ``tests/conftest.py`` makes that work: under pytest's default ``prepend`` import
  mode the folder of a ``conftest.py`` outside any package (here ``tests/``) is put at the front
  of ``sys.path`` before any test module is imported.
* **benchmarks** run as scripts (``python benchmarks/bench_validate.py`` from the repository
  root), where ``sys.path`` starts at ``benchmarks/``; each appends ``tests/`` to it in one
  commented line (appended, so it shadows no installed module) and imports the same bare name.
  ``tests`` stays a plain folder, not a package that could clash with another distribution's
  ``tests``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DigitalMammographyXRayImageStorageForPresentation, generate_uid

#: Shape of the small test images and masks.
ROWS, COLUMNS = 48, 64
#: Pixel Spacing of the manifest tests' images: coarse pixels keep the images tiny while lesions
#: stay above the paper's 5 mm.
SPACING_MM = 0.5
#: The manifest columns of :class:`Cohort`.
HEADER = ("case_id", "low_energy", "recombined", "mask", "label", "age", "bi_rads", "laterality")

#: Patient, General Study and General Series attributes of a real export (type 1 and 2). The
#: image reader tests write them, and highdicom needs them in the source image of a Segmentation.
PATIENT_AND_STUDY: dict[str, Any] = {
    "PatientID": "P001",
    "PatientName": "Doe^Jane",
    "PatientBirthDate": "",
    "PatientSex": "F",
    "StudyDate": "20240101",
    "StudyTime": "120000",
    "AccessionNumber": "",
    "ReferringPhysicianName": "",
    "StudyID": "1",
    "SeriesNumber": 1,
    "InstanceNumber": 1,
}


# ------------------------------------------------------------------------------ pixel arrays


def ramp(bits: int = 12, step: int = 37) -> np.ndarray:
    """A (48, 64) uint16 image: ``index * step`` modulo ``2**bits``, in row-major order.

    With the default step of 37 all values differ and span most of ``bits``; ``step=1`` counts
    0, 1, 2, … (the manifest tests' images).
    """
    values = np.arange(ROWS * COLUMNS, dtype=np.int64) * step % (2**bits)
    return values.reshape(ROWS, COLUMNS).astype(np.uint16)


def lesion(top: int = 10, left: int = 20, height: int = 12, width: int = 10) -> np.ndarray:
    """A rectangular (48, 64) lesion mask; 12 × 10 pixels at 0.5 mm is 7.8 mm across."""
    mask = np.zeros((ROWS, COLUMNS), dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask


def disc_mask(shape: tuple[int, int], centre: tuple[float, float], radius: float) -> np.ndarray:
    """Boolean disc, True where ``(row - centre_row)² + (column - centre_column)² <= radius²``.

    Squares are compared, never divided, so on integer centres and radii the boundary is exact.
    """
    rows, columns = np.ogrid[: shape[0], : shape[1]]
    return (rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius**2


def ellipse_mask(
    shape: tuple[int, int], centre: tuple[float, float], radii: tuple[float, float]
) -> np.ndarray:
    """Boolean ellipse, True inside; radii are (rows, columns). The preprocessing tests' lesion."""
    rows, cols = np.ogrid[: shape[0], : shape[1]]
    return ((rows - centre[0]) / radii[0]) ** 2 + ((cols - centre[1]) / radii[1]) ** 2 <= 1.0


# ------------------------------------------------------------------------------------- DICOM


def mammogram_dataset(
    pixels: np.ndarray, photometric: str = "MONOCHROME2", bits: int = 12, **attributes: Any
) -> Dataset:
    """A minimal Digital Mammography (For Presentation) dataset holding ``pixels``.

    SOP Class, new Study and Series Instance UIDs, Modality MG and the Image Pixel module; then
    ``attributes`` by keyword, after the pixel data so that they win (``NumberOfFrames=1`` on a
    single frame stays). ``None`` removes an attribute.
    """
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.SOPClassUID = DigitalMammographyXRayImageStorageForPresentation
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.Modality = "MG"
    dataset.set_pixel_data(pixels, photometric, bits)
    for keyword, value in attributes.items():
        if value is not None:
            setattr(dataset, keyword, value)
        elif keyword in dataset:
            delattr(dataset, keyword)
    return dataset


def write_dicom(
    path: Path,
    pixels: np.ndarray | None = None,
    *,
    photometric: str = "MONOCHROME2",
    bits: int = 12,
    compress: str | None = None,
    **attributes: Any,
) -> Path:
    """Write :func:`mammogram_dataset` (pixels :func:`ramp` of ``bits`` by default) to ``path``.

    ``compress`` takes a transfer syntax UID (pydicom encodes it); the file has the DICOM
    preamble and File Meta Information. Missing parent folders are made.
    """
    dataset = mammogram_dataset(
        ramp(bits) if pixels is None else pixels, photometric, bits, **attributes
    )
    if compress is not None:
        dataset.compress(compress)
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.save_as(path, enforce_file_format=True)
    return path


def write_case_dicom(
    path: Path, pixels: np.ndarray | None = None, laterality: str = "L", **attributes: Any
) -> Path:
    """A manifest case's image: 12 bits, :func:`ramp` with ``step=1``, Pixel Spacing
    :data:`SPACING_MM`, a CC view of the ``laterality`` breast, unless ``attributes`` say
    otherwise (``PixelSpacing=None`` leaves the spacing out)."""
    defaults = {
        "PixelSpacing": [SPACING_MM, SPACING_MM],
        "ImageLaterality": laterality,
        "ViewPosition": "CC",
    }
    return write_dicom(
        path, ramp(step=1) if pixels is None else pixels, **{**defaults, **attributes}
    )


# --------------------------------------------------------------------- SimpleITK formats


def write_itk(path: Path, array: np.ndarray, spacing: tuple[float, float] | None = None) -> Path:
    """Write ``array`` with SimpleITK in the format its extension names (NIfTI, NRRD, PNG, …).

    ``spacing`` is in ITK order, (x = column, y = row), in mm; a 3-D array gets 1.0 between its
    slices. Without it ITK writes its default of 1 × 1. Missing parent folders are made.
    """
    image = sitk.GetImageFromArray(array)
    if spacing is not None:
        image.SetSpacing(spacing if array.ndim == 2 else (*spacing, 1.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    sitk.WriteImage(image, str(path))
    return path


def write_mask(path: Path, mask: np.ndarray) -> Path:
    """A mask as ITK-SNAP saves one for a 2-D image: NIfTI, shape (1, rows, columns), label 1."""
    return write_itk(path, mask.astype(np.uint8)[np.newaxis])


# ---------------------------------------------------------------------------- manifests


def write_csv(path: Path, header: list[str] | tuple[str, ...], rows: list[list[Any]]) -> Path:
    """A CSV file as :mod:`csv` writes it (UTF-8, CRLF line ends): ``header``, then ``rows``."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@dataclass
class Cohort:
    """Cases in ``folder/images`` and their manifest rows; edit ``rows`` and call :meth:`write`."""

    folder: Path
    rows: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of_three_valid_cases(cls, folder: Path) -> Cohort:
        """C001 malignant (BI-RADS 4C), C002 and C003 benign (3, 4A): DICOM pairs from
        :func:`write_case_dicom`, NIfTI masks of a :func:`lesion` 5 rows lower per case, age
        41 to 43, left breast. The manifest itself is written by :meth:`write`."""
        cohort = cls(folder)
        for number, (label, bi_rads) in enumerate(
            [("malignant", "4C"), ("benign", "3"), ("benign", "4A")], start=1
        ):
            case_id = f"C{number:03d}"
            write_case_dicom(cohort.images() / f"{case_id}_le.dcm")
            write_case_dicom(cohort.images() / f"{case_id}_re.dcm")
            write_mask(cohort.images() / f"{case_id}_mask.nii.gz", lesion(top=5 * number))
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

    def write(self, name: str = "manifest.csv", header: tuple[str, ...] = HEADER) -> Path:
        """Write ``rows`` under ``header`` (missing cells empty) to ``folder/name``."""
        return write_csv(
            self.folder / name, header, [[row.get(c, "") for c in header] for row in self.rows]
        )

    def images(self) -> Path:
        return self.folder / "images"
