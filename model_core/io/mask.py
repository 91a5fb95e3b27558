"""Reading a lesion mask from NIfTI / NRRD / MetaImage / PNG / TIFF or a DICOM SEG.

Any non-zero value is lesion: ITK-SNAP paints label 1 by default, other tools use 255 or a
lesion-specific label, and a case holds one lesion (DESIGN §3.1), so which label does not
matter. NaN values (float masks written by resampling tools) count as background.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model_core.errors import CaseError
from model_core.io.dicom_seg import read_dicom_seg_mask
from model_core.io.file_format import FileFormat, detect_format
from model_core.io.itk_image import read_itk_array


def read_mask(path: str | Path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The lesion mask in ``path`` as a bool array (rows, columns).

    Args:
        path: the mask file.
        shape: the (rows, columns) of the image the mask belongs to; when given, a mask of
            another shape is refused.

    Raises:
        ImageReadError: the file is missing, unreadable, of an unsupported format, or not 2-D.
        CaseError: ``shape`` is given and the mask's shape differs.
    """
    path = Path(path)
    if detect_format(path) is FileFormat.DICOM:
        mask = read_dicom_seg_mask(path)
    else:
        values, _ = read_itk_array(path)
        mask = values != 0
        if np.issubdtype(values.dtype, np.floating):
            mask &= ~np.isnan(values)
    if shape is not None and tuple(mask.shape) != tuple(shape):
        hint = " (rows and columns swapped?)" if tuple(mask.shape) == tuple(shape)[::-1] else ""
        raise CaseError(
            f"{path}: mask shape {tuple(mask.shape)} differs from the image shape "
            f"{tuple(shape)} (rows, columns){hint}"
        )
    return mask
