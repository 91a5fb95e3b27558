"""Reading 2-D images and masks through SimpleITK (NIfTI, NRRD, MetaImage, PNG, TIFF).

Array order: SimpleITK's ``GetArrayFromImage`` returns numpy order (rows, columns) =
(y, x), while ``GetSpacing()`` is in ITK order (x = column, y = row); the spacing is swapped
to the project's (row, column). The voxel grid is used as stored: direction cosines are not
applied, because ITK-SNAP and the other tools that draw masks write them in the image's own
voxel grid, which is what makes them line up pixel for pixel with the image.

A 3-D file with a single slice (ITK-SNAP saves a mask drawn on a 2-D image as a NIfTI volume
of numpy shape (1, rows, columns)) is squeezed to 2-D; any other 3-D file is refused.

Spacing: NIfTI/NRRD/MetaImage store it. PNG has no physical spacing (its optional pHYs chunk
is a print resolution), so PNG images report ``None``. TIFF resolution tags are honoured.
A spacing of exactly 1 × 1 mm, in any format, is reported as ``None``: it is ITK's default
when a file has none (a TIFF without resolution tags), and what a NIfTI converted from a
mammography DICOM through GDCM carries (GDCM ignores Pixel Spacing in MG objects). A 1 mm pixel
is implausible for a mammogram, and an invented spacing would silently turn the 5 mm crop
margin into 5 pixels; as unknown, it is taken from the manifest's ``pixel_spacing_mm`` column
or reported by validation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)

from model_core.case import CesmImage
from model_core.errors import ImageReadError

_NO_SPACING_EXTENSIONS = (".png",)


def _reason(error: RuntimeError) -> str:
    """The last line of a SimpleITK exception, which is the human-readable part."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[-1] if lines else "unknown error"
    return reason.removeprefix("sitk::ERROR:").strip()


def read_itk_array(path: str | Path) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The 2-D pixel array (rows, columns), in the file's own type, and its (row, col) spacing.

    Raises:
        ImageReadError: unreadable or corrupt file, a colour (multi-component) image, or not
            2-D (nor 3-D with a single slice).
    """
    path = Path(path)
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    try:
        reader.ReadImageInformation()
    except RuntimeError as error:
        raise ImageReadError(f"{path}: cannot read the image ({_reason(error)})") from error
    size = reader.GetSize()
    if reader.GetNumberOfComponents() != 1:
        raise ImageReadError(
            f"{path}: colour or vector image ({reader.GetNumberOfComponents()} components "
            "per pixel); expected greyscale"
        )
    if not (len(size) == 2 or (len(size) == 3 and size[2] == 1)):
        raise ImageReadError(
            f"{path}: {len(size)}-D image of size {tuple(size)} (x, y, ...); expected one 2-D "
            "image (or 3-D with a single slice)"
        )
    try:
        image = reader.Execute()
        array = sitk.GetArrayFromImage(image)
    except RuntimeError as error:
        raise ImageReadError(f"{path}: cannot read the pixel data ({_reason(error)})") from error
    if array.ndim == 3:
        array = array[0]
    return array, _spacing(path, image.GetSpacing())


def _spacing(path: Path, itk_spacing: tuple[float, ...]) -> tuple[float, float] | None:
    name = path.name.lower()
    if name.endswith(_NO_SPACING_EXTENSIONS):
        return None
    row, column = float(itk_spacing[1]), float(itk_spacing[0])
    if np.allclose((row, column), 1.0, rtol=1e-6):
        return None  # ITK's default, or lost in a conversion: see the module docstring
    if not (np.isfinite([row, column]).all() and row > 0 and column > 0):
        raise ImageReadError(f"{path}: invalid pixel spacing {itk_spacing} in the file header")
    return (row, column)


def read_itk_image(path: str | Path) -> CesmImage:
    """One greyscale image through SimpleITK, as float32 (rows, columns).

    Raises:
        ImageReadError: see :func:`read_itk_array`.
    """
    array, spacing = read_itk_array(path)
    return CesmImage(
        pixels=np.asarray(array, dtype=np.float32),
        spacing_mm=spacing,
        source=str(Path(path)),
    )
