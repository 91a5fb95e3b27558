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

Before SimpleITK opens anything, the file must be a regular file, and SimpleITK must recognise
it as one of the formats listed here (it would also open JPEG, BMP, DICOM...: see
:mod:`model_core.io.file_format`); the data file of a detached NRRD or MetaImage header is
located and checked to be a regular file too. Under a data root (``confine_to``), the file and
that data file must both lie inside it (:mod:`~model_core.io.file_checks`). The header's size is
checked against :data:`~model_core.io.file_checks.MAX_IMAGE_PIXELS` before the pixels are read,
and after reading, the pixels are checked against the file: its format module does this
(:mod:`~model_core.io.nifti_file`, :mod:`~model_core.io.nrrd_file`,
:mod:`~model_core.io.meta_image_file`, through :mod:`~model_core.io.pixel_data`); PNG and TIFF
decoders refuse a cut-short file themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)

from model_core.case import CesmImage
from model_core.errors import ImageReadError
from model_core.io.file_checks import check_pixel_count, require_inside, require_regular_file
from model_core.io.meta_image_file import locate_meta_image_pixels
from model_core.io.nifti_file import checked_nifti_pixels
from model_core.io.nrrd_file import locate_nrrd_pixels
from model_core.io.pixel_data import (
    StoredPixels,
    check_declared_pixels,
    check_stored_pixels,
    gzip_damage,
)

_NO_SPACING_EXTENSIONS = (".png",)

#: SimpleITK's readers (ImageIO names) of the formats read here, and the format's name.
_IMAGE_IOS: dict[str, str] = {
    "NiftiImageIO": "NIfTI",
    "NrrdImageIO": "NRRD",
    "MetaImageIO": "MetaImage",
    "PNGImageIO": "PNG",
    "TIFFImageIO": "TIFF",
}


def _reason(error: RuntimeError) -> str:
    """The last line of a SimpleITK exception, which is the human-readable part."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    reason = lines[-1] if lines else "unknown error"
    return reason.removeprefix("sitk::ERROR:").strip()


def read_itk_array(
    path: str | Path, *, confine_to: Path | None = None
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The 2-D pixel array (rows, columns), in the file's own type, and its (row, col) spacing.

    ``confine_to`` (a resolved folder) is the data root: the file, and the data file a detached
    header names, must lie inside it.

    Raises:
        ImageReadError: outside ``confine_to``, not a regular file, unreadable, corrupt, cut
            short or too large (see the module docstring), a colour (multi-component) image, or
            not 2-D (nor 3-D with a single slice).
    """
    path = Path(path)
    require_inside(path, confine_to)
    require_regular_file(path)
    image_io = _image_io(path)
    stored = _locate_stored_pixels(path, image_io, confine_to)
    reader = sitk.ImageFileReader()
    reader.SetFileName(str(path))
    reader.SetImageIO(image_io)
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
    check_pixel_count(path, rows=int(size[1]), columns=int(size[0]))
    try:
        image = reader.Execute()
        array = sitk.GetArrayFromImage(image)
    except RuntimeError as error:
        reason = _reason(error)
        if stored is not None:  # SimpleITK's reason can be obscure ("Reason: Success")
            reason = _missing_data(stored, tuple(reversed(size)), reader) or reason
        raise ImageReadError(f"{path}: cannot read the pixel data ({reason})") from error
    if image_io == "NiftiImageIO":
        array = checked_nifti_pixels(path, array)
    elif stored is not None:
        _check_against_file(stored, array)
    if array.ndim == 3:
        array = array[0]
    return array, _spacing(path, image.GetSpacing())


def _image_io(path: Path) -> str:
    """The SimpleITK reader that recognises the file's content; one of :data:`_IMAGE_IOS`."""
    try:
        image_io = sitk.ImageFileReader.GetImageIOFromFileName(str(path))
    except RuntimeError as error:
        raise ImageReadError(f"{path}: cannot read the image ({_reason(error)})") from error
    if not image_io:
        reason = gzip_damage(path) or "SimpleITK recognises no image format in it"
        raise ImageReadError(f"{path}: cannot read the image ({reason})")
    if image_io not in _IMAGE_IOS:
        raise ImageReadError(
            f"{path}: cannot read the image: SimpleITK reads it as {image_io}, not as one of "
            f"the formats read here ({', '.join(_IMAGE_IOS.values())})"
        )
    return image_io


def _missing_data(
    stored: StoredPixels, shape: tuple[int, ...], reader: sitk.ImageFileReader
) -> str | None:
    """What the file lacks of the data its header declares, if it lacks any."""
    dtype = sitk.GetArrayViewFromImage(sitk.Image([1, 1], reader.GetPixelID())).dtype
    try:
        check_declared_pixels(stored, shape, dtype)
    except ImageReadError as error:
        return str(error).removeprefix(f"{stored.header}: ")
    return None


def _locate_stored_pixels(
    path: Path, image_io: str, confine_to: Path | None
) -> StoredPixels | None:
    """For NRRD and MetaImage, where the pixel data lie (their data file checked regular and
    inside ``confine_to``)."""
    if image_io == "NrrdImageIO":
        return locate_nrrd_pixels(path, confine_to)
    if image_io == "MetaImageIO":
        return locate_meta_image_pixels(path, confine_to)
    return None


def _check_against_file(stored: StoredPixels, array: np.ndarray) -> None:
    """The data are all there; where the stream had to be decoded, SimpleITK read the same."""
    values = check_stored_pixels(stored, array)
    if values is not None and not np.array_equal(
        values, array.reshape(-1), equal_nan=array.dtype.kind == "f"
    ):
        raise ImageReadError(
            f"{stored.where}: SimpleITK decoded other pixel values than the file's intact "
            "compressed data hold; not read"
        )


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


def read_itk_image(path: str | Path, *, confine_to: Path | None = None) -> CesmImage:
    """One greyscale image through SimpleITK, as float32 (rows, columns).

    Raises:
        ImageReadError: see :func:`read_itk_array`.
    """
    array, spacing = read_itk_array(path, confine_to=confine_to)
    return CesmImage(
        pixels=np.asarray(array, dtype=np.float32),
        spacing_mm=spacing,
        source=str(Path(path)),
    )
