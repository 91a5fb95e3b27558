"""Reading CESM images and lesion masks into the project's in-memory types.

:func:`read_image` gives a :class:`~model_core.case.CesmImage` in modality units with display
windows and geometry; :func:`read_mask` gives a bool lesion mask. DICOM goes through pydicom
(compressed transfer syntaxes through pylibjpeg), everything else through SimpleITK; the format
is chosen from the file's content, then its extension (:mod:`model_core.io.file_format`).
Every failure caused by the file is an :class:`~model_core.errors.ImageReadError` naming it.
"""

from __future__ import annotations

from pathlib import Path

from model_core.case import CesmImage
from model_core.io.dicom_image import read_dicom_image
from model_core.io.file_checks import require_inside
from model_core.io.file_format import FileFormat, detect_format
from model_core.io.itk_image import read_itk_image
from model_core.io.mask import read_mask


def read_image(path: str | Path, *, confine_to: Path | None = None) -> CesmImage:
    """One 2-D CESM image from DICOM or a SimpleITK format, chosen by content then extension.

    ``confine_to`` is the data root (a resolved folder, docs/formats.md): the file, and the data
    file a detached NRRD or MetaImage header names, must lie inside it, or nothing is opened.

    Raises:
        ImageReadError: outside ``confine_to``, missing, unreadable or corrupt file, unsupported
            format, multi-frame, colour, or not 2-D. The message names the file and the reason.
    """
    require_inside(Path(path), confine_to)
    if detect_format(path) is FileFormat.DICOM:
        return read_dicom_image(path)
    return read_itk_image(path, confine_to=confine_to)


__all__ = ["FileFormat", "detect_format", "read_image", "read_mask"]
