"""Which reader a file needs: pydicom for DICOM, SimpleITK for the research formats.

The decision looks at the content first: a DICOM Part 10 file carries a 128-byte preamble and
the ``DICM`` magic, whatever its name (PACS exports often have no extension at all). Files
without the magic are DICOM only when named ``.dcm``/``.dicom`` (some exporters drop the
preamble). Everything else goes to SimpleITK if its extension is one of the formats docs/formats.md
lists; SimpleITK itself would also open DICOM, JPEG, BMP..., but through it we would lose the
DICOM display and geometry attributes, so those are refused with a clear message instead.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from model_core.errors import ImageReadError
from model_core.io.file_checks import require_regular_file

#: Extensions (lower case) read through SimpleITK, as docs/formats.md lists them.
ITK_EXTENSIONS: tuple[str, ...] = (
    ".nii",
    ".nii.gz",
    ".nrrd",
    ".nhdr",
    ".mha",
    ".mhd",
    ".png",
    ".tif",
    ".tiff",
)
DICOM_EXTENSIONS: tuple[str, ...] = (".dcm", ".dicom")

_DICOM_MAGIC_OFFSET = 128
_DICOM_MAGIC = b"DICM"


class FileFormat(Enum):
    """The reader family a file belongs to."""

    DICOM = "dicom"
    ITK = "itk"


def _has_dicom_magic(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(_DICOM_MAGIC_OFFSET + len(_DICOM_MAGIC))
    except OSError as error:
        raise ImageReadError(f"{path}: cannot read the file ({error.strerror or error})") from error
    return head[_DICOM_MAGIC_OFFSET:] == _DICOM_MAGIC


def _extension(path: Path) -> str:
    name = path.name.lower()
    return ".nii.gz" if name.endswith(".nii.gz") else path.suffix.lower()


def detect_format(path: str | Path) -> FileFormat:
    """The reader family for ``path``.

    Raises:
        ImageReadError: the file does not exist, is not a regular file (a folder, FIFO or
            device; checked before opening it), cannot be opened, or is in a format this project
            does not read.
    """
    path = Path(path)
    if "\x00" in str(path):
        raise ImageReadError(f"{str(path)!r}: the file name contains a NUL character")
    require_regular_file(path)
    if _has_dicom_magic(path):
        return FileFormat.DICOM
    extension = _extension(path)
    if extension in DICOM_EXTENSIONS:
        return FileFormat.DICOM
    if extension in ITK_EXTENSIONS:
        return FileFormat.ITK
    supported = ", ".join((*DICOM_EXTENSIONS, *ITK_EXTENSIONS))
    raise ImageReadError(
        f"{path}: unsupported format '{extension or '(no extension)'}' and no DICOM header; "
        f"expected DICOM or one of {supported}"
    )
