"""Checks made on an input file before its pixels are read: what it is, and how big it says it is.

**Regular files only.** Every file a reader opens (the image or mask itself, and the data file a
detached NRRD or MetaImage header names) must be a regular file, checked with ``os.stat`` before
it is opened: opening a FIFO blocks until some other process writes to it, and a device such as
``/dev/zero`` never ends (or, read for the declared size, yields zeros that look like an image).
Symbolic links are followed; what they point to is what must be regular.

**Data root.** A manifest from elsewhere may name files anywhere; under a data root
(docs/formats.md) a file that resolves outside that folder — through ``..``, an absolute path or
a symbolic link — is refused before it is opened (:func:`outside_data_root`). The rule covers
every file a reader would open: the image or mask a manifest names, and the data file its
detached NRRD or MetaImage header names in turn.

**Declared size.** A header states the image's rows and columns, and the readers allocate that
much before they decode a single pixel, so a 1 MB gzip file declaring 32 000 × 32 000 pixels
costs gigabytes of memory before any other check can run. :data:`MAX_IMAGE_PIXELS` bounds the
pixels of one 2-D image (or one frame of a DICOM Segmentation); it is checked on the header alone.
The largest mammography field, 24 × 30 cm, at the finest detector pitch in use, 0.05 mm, is
4 800 × 6 000 = 28.8 megapixels (3 328 × 4 096 at 0.07 mm is 13.6), so 100 megapixels is
generous, and at 8 bytes a pixel (the widest type read) it bounds one image to 800 MB.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from model_core.errors import ImageReadError

#: The most pixels (rows × columns) one image may declare; see the module docstring.
MAX_IMAGE_PIXELS = 100_000_000

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def require_regular_file(path: Path, role: str = "") -> int:
    """The size in bytes of ``path``, which must exist and be a regular file.

    Args:
        path: the file about to be opened.
        role: what the file is to the caller, for the message (e.g. ``"data file of
            image.nhdr"``); empty for the input file itself.

    Raises:
        ImageReadError: naming the file: it does not exist, cannot be examined, or is not a
            regular file (a folder, FIFO, device or socket).
    """
    where = f"{path}" + (f" ({role})" if role else "")
    try:
        status = os.stat(path)
    except FileNotFoundError as error:
        raise ImageReadError(f"{where}: no such file") from error
    except OSError as error:
        raise ImageReadError(
            f"{where}: cannot read the file ({error.strerror or error})"
        ) from error
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a plain file")
        raise ImageReadError(f"{where}: not a regular file ({kind}); expected an image file")
    return status.st_size


def outside_data_root(path: Path, data_root: Path | None, what: str = "the file") -> str | None:
    """Why ``path`` may not be opened under ``data_root``, or ``None`` (also without a root).

    Args:
        path: the file about to be opened, absolute.
        data_root: the folder files are confined to, already resolved (``os.path.realpath``).
        what: the file, as the message calls it.
    """
    if data_root is None:
        return None
    resolved = Path(os.path.realpath(path))
    if resolved == data_root or data_root in resolved.parents:
        return None
    shown = "" if resolved == path else f" (it resolves to {resolved})"
    return f"{what} is outside the data root {data_root}{shown}; it is not read"


def require_inside(path: Path, data_root: Path | None) -> None:
    """Refuse ``path`` when it lies outside ``data_root`` (see :func:`outside_data_root`).

    Raises:
        ImageReadError: naming the file, the root and where the file resolves to.
    """
    refusal = outside_data_root(Path(os.path.abspath(path)), data_root)
    if refusal is not None:
        raise ImageReadError(f"{path}: {refusal}")


def check_pixel_count(path: Path, rows: int, columns: int) -> None:
    """Refuse a header that declares more than :data:`MAX_IMAGE_PIXELS` pixels in one image.

    Raises:
        ImageReadError: naming the file, the declared size and the limit.
    """
    if rows * columns > MAX_IMAGE_PIXELS:
        raise ImageReadError(
            f"{path}: the header declares {rows} × {columns} pixels "
            f"({rows * columns / 1e6:.1f} megapixels), more than the limit of "
            f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels per image; refused before reading the pixels"
        )
