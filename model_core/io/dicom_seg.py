"""Reading a lesion mask from a DICOM Segmentation (SEG) object.

All segments are combined (union): a case is one lesion, and a SEG that splits it into several
segments (e.g. "mass" and "calcifications") still outlines that lesion. This matches the
SimpleITK masks, where any non-zero label counts. FRACTIONAL segments (probability or
occupancy) count where they reach half of Maximum Fractional Value.

The frames are decoded with pydicom and combined here rather than through highdicom's
``segread``: highdicom 0.28.2 writes SEGs of projection images (mammograms have no slice
thickness) whose Pixel Measures Sequence lacks Slice Thickness, and then refuses to read them
back ("Sequence does not have the required attributes for a Pixel Measures Sequence"); other
tools write such SEGs too. A SEG referencing more than one source image (e.g. both CC and MLO)
is refused, because its frames cannot be told apart without the source images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import iter_pixels

from model_core.errors import ImageReadError
from model_core.io.dicom_file import SEGMENTATION_SOP_CLASSES, read_dicom_dataset, sop_class_name
from model_core.io.file_checks import check_pixel_count


def is_dicom_seg(dataset: Dataset) -> bool:
    """Whether the dataset is a Segmentation object."""
    return dataset.get("SOPClassUID") in SEGMENTATION_SOP_CLASSES


def _referenced_instances(dataset: Dataset) -> set[str]:
    instances: set[str] = set()
    for frame in dataset.get("PerFrameFunctionalGroupsSequence") or []:
        for derivation in frame.get("DerivationImageSequence") or []:
            for source in derivation.get("SourceImageSequence") or []:
                if "ReferencedSOPInstanceUID" in source:
                    instances.add(str(source.ReferencedSOPInstanceUID))
    return instances


def read_dicom_seg_mask(path: str | Path) -> np.ndarray:
    """The union of all segments of a DICOM SEG, as a bool array (rows, columns).

    Raises:
        ImageReadError: not a DICOM SEG, frames of more pixels than
            :data:`~model_core.io.file_checks.MAX_IMAGE_PIXELS` (checked before decoding),
            undecodable frames, or frames of several source images.
    """
    path = Path(path)
    dataset = read_dicom_dataset(path)
    if not is_dicom_seg(dataset):
        raise ImageReadError(
            f"{path}: a {sop_class_name(dataset)}, not a DICOM Segmentation; DICOM masks must "
            "be SEG objects"
        )
    sources = _referenced_instances(dataset)
    if len(sources) > 1:
        raise ImageReadError(
            f"{path}: the SEG outlines {len(sources)} different source images; expected one"
        )
    check_pixel_count(path, int(dataset.get("Rows") or 0), int(dataset.get("Columns") or 0))
    fractional = str(dataset.get("SegmentationType", "BINARY")).upper() == "FRACTIONAL"
    threshold = float(dataset.get("MaximumFractionalValue") or 255) / 2.0
    union: np.ndarray | None = None
    try:
        for frame in iter_pixels(dataset):  # one frame at a time: memory of one frame, not all
            inside = frame >= threshold if fractional else frame != 0
            union = inside if union is None else union | inside
    except Exception as error:  # decoders raise anything from ValueError to RuntimeError
        raise ImageReadError(f"{path}: cannot decode the segmentation frames ({error})") from error
    if union is None or union.ndim != 2:
        raise ImageReadError(f"{path}: the segmentation holds no 2-D frame")
    return union
