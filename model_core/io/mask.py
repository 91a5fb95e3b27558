"""Reading a lesion mask from NIfTI / NRRD / MetaImage / PNG / TIFF or a DICOM SEG.

A valid mask holds 0 for background and positive whole numbers for the lesion. Any positive
label is lesion: ITK-SNAP paints label 1 by default, other tools use 255 or a lesion-specific
label, and a case holds one lesion (docs/formats.md), so which label does not matter. NaN values
(float masks written by resampling tools) count as background.

Refused, naming the file: negative values (a mask whose background is -1, or 255 written into a
signed 8-bit type, would make every background pixel lesion), infinite values, and fractional
values (a resampled or probability mask: which threshold makes lesion is not the reader's to
guess; threshold it first). A float mask of whole numbers (0.0 and 1.0) is valid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model_core.errors import CaseError, ImageReadError
from model_core.io.dicom_seg import read_dicom_seg_mask
from model_core.io.file_checks import require_inside
from model_core.io.file_format import FileFormat, detect_format
from model_core.io.itk_image import read_itk_array


def read_mask(
    path: str | Path,
    shape: tuple[int, int] | None = None,
    *,
    confine_to: Path | None = None,
) -> np.ndarray:
    """The lesion mask in ``path`` as a bool array (rows, columns).

    Args:
        path: the mask file.
        shape: the (rows, columns) of the image the mask belongs to; when given, a mask of
            another shape is refused.
        confine_to: the data root (a resolved folder): the mask, and the data file a detached
            NRRD or MetaImage header names, must lie inside it.

    Raises:
        ImageReadError: the file is outside ``confine_to``, missing, unreadable, of an
            unsupported format, not 2-D, or not a valid mask (negative, infinite or fractional
            values; see the module docstring).
        CaseError: ``shape`` is given and the mask's shape differs.
    """
    path = Path(path)
    require_inside(path, confine_to)
    if detect_format(path) is FileFormat.DICOM:
        mask = read_dicom_seg_mask(path)
    else:
        values, _ = read_itk_array(path, confine_to=confine_to)
        mask = _lesion(values, path)
    if shape is not None and tuple(mask.shape) != tuple(shape):
        hint = " (rows and columns swapped?)" if tuple(mask.shape) == tuple(shape)[::-1] else ""
        raise CaseError(
            f"{path}: mask shape {tuple(mask.shape)} differs from the image shape "
            f"{tuple(shape)} (rows, columns){hint}"
        )
    return mask


def _lesion(values: np.ndarray, path: Path) -> np.ndarray:
    """Where ``values`` hold a lesion label (> 0); refuses values that are not labels."""
    if values.dtype.kind == "f":
        infinite = np.isinf(values)
        _refuse(path, infinite, values, "are infinite")
        _refuse(path, values < 0, values, "hold negative values")
        fractional = np.isfinite(values) & (values != np.floor(values))
        _refuse(
            path, fractional, values, "hold fractional values (a resampled or probability map?)"
        )
        return values > 0  # NaN compares false: background
    if values.dtype.kind == "i":
        _refuse(path, values < 0, values, "hold negative values")
    return values != 0


def _refuse(path: Path, bad: np.ndarray, values: np.ndarray, what: str) -> None:
    count = int(np.count_nonzero(bad))
    if count == 0:
        return
    row, column = (int(index) for index in np.unravel_index(np.argmax(bad), bad.shape))
    raise ImageReadError(
        f"{path}: not a valid mask: {count} pixel(s) {what}, e.g. {values[row, column]:g} at row "
        f"{row}, column {column}; a mask holds 0 for background and positive whole numbers "
        "(1, 255, any label) for the lesion"
    )
