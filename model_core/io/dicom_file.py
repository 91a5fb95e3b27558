"""Opening a DICOM file with pydicom and turning its failures into :class:`ImageReadError`."""

from __future__ import annotations

from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import SegmentationStorage

from model_core.errors import ImageReadError
from model_core.io.file_checks import require_regular_file

#: SOP classes of DICOM Segmentation objects (the binary/fractional one, and the label map
#: class added in 2024 that highdicom also writes).
SEGMENTATION_SOP_CLASSES: frozenset[str] = frozenset(
    {SegmentationStorage, "1.2.840.10008.5.1.4.1.1.66.7"}
)


def read_dicom_dataset(path: Path, *, stop_before_pixels: bool = False) -> Dataset:
    """The dataset in ``path``; files without the preamble are read too (``force=True``).

    Raises:
        ImageReadError: the file is not a regular file (checked before opening it: a FIFO would
            block, a device never end), cannot be read or parsed as DICOM.
    """
    require_regular_file(path)
    try:
        dataset = pydicom.dcmread(path, force=True, stop_before_pixels=stop_before_pixels)
    except OSError as error:
        raise ImageReadError(f"{path}: cannot read the file ({error.strerror or error})") from error
    except Exception as error:  # pydicom raises many types (struct.error, ValueError, ...)
        raise ImageReadError(f"{path}: not a readable DICOM file ({error})") from error
    if "SOPClassUID" not in dataset and "PixelData" not in dataset:
        # force=True parses almost any bytes into a few nonsense elements.
        raise ImageReadError(f"{path}: not a DICOM file (no SOP Class UID, no Pixel Data)")
    return dataset


def sop_class_name(dataset: Dataset) -> str:
    """A readable name of the dataset's SOP class, for error messages."""
    uid = dataset.get("SOPClassUID")
    if uid is None:
        return "DICOM object of unknown class"
    return getattr(uid, "name", str(uid)) or str(uid)
