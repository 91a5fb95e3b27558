"""Reading the dataset's 8-bit JPEG images with Pillow, refusing damaged ones.

The project's image readers (:mod:`model_core.io`) do not read JPEG: a cut-short JPEG decodes
silently into grey rows in most libraries. Here Pillow is used with its default of raising on
truncated data (``ImageFile.LOAD_TRUNCATED_IMAGES`` stays ``False``), the declared size is
checked against :data:`~model_core.io.file_checks.MAX_IMAGE_PIXELS` before decoding, and only
regular files are opened. The import then writes the pixels losslessly as PNG, which the
manifest's readers accept.

Grey levels: the dataset's JPEGs are grey-scale (mode ``L``). A grey picture saved as a colour
JPEG decodes to three channels that differ by JPEG rounding only; such an image (channels within
:data:`GREY_TOLERANCE` of each other) is read as its luma, which equals the grey level to within
that rounding. An image whose channels differ more is not a grey-scale mammogram and is refused
rather than converted with a guessed weighting.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from model_core.errors import ImageReadError
from model_core.io.file_checks import check_pixel_count, require_regular_file

#: Largest difference between the colour channels of a grey picture saved as a colour JPEG.
GREY_TOLERANCE = 2
#: What Pillow raises on a file that is not, or no longer, a readable image.
_DECODING_ERRORS = (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError)


def jpeg_size(path: Path) -> tuple[int, int]:
    """(rows, columns) from the JPEG's header, without decoding the pixels.

    Raises:
        ImageReadError: naming the file: missing, not a regular file, not a JPEG image, or
            larger than the pixel limit.
    """
    require_regular_file(path)
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                raise ImageReadError(f"{path}: a {image.format} image, not a JPEG")
            columns, rows = image.size
    except ImageReadError:
        raise
    except _DECODING_ERRORS as error:
        raise ImageReadError(f"{path}: not a readable JPEG image ({error})") from None
    check_pixel_count(path, rows, columns)
    return rows, columns


def read_jpeg(path: Path) -> NDArray[np.uint8]:
    """The image's grey levels, (rows, columns) uint8.

    Raises:
        ImageReadError: naming the file: as :func:`jpeg_size`, or the pixel data is cut short
            or damaged, or the image is in colour.
    """
    rows, columns = jpeg_size(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                mode = image.mode
                pixels = np.asarray(image)
                luma = np.asarray(image.convert("L")) if mode == "RGB" else pixels
    except (*_DECODING_ERRORS, Image.DecompressionBombWarning) as error:
        raise ImageReadError(f"{path}: the JPEG data is damaged or cut short ({error})") from None
    if mode == "L":
        return np.ascontiguousarray(pixels, dtype=np.uint8)
    if mode == "RGB":
        channels = pixels.astype(np.int16)
        spread = int((channels.max(axis=2) - channels.min(axis=2)).max())
        if spread <= GREY_TOLERANCE:
            return np.ascontiguousarray(luma, dtype=np.uint8)
        raise ImageReadError(
            f"{path}: a colour image ({rows} × {columns} pixels, channels up to {spread} grey "
            "levels apart); a grey-scale mammogram was expected"
        )
    raise ImageReadError(f"{path}: a JPEG in mode {mode}; a grey-scale mammogram was expected")
