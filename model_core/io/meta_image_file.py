"""MetaImage (.mha, .mhd): where the pixel data lie, found before SimpleITK opens the file.

SimpleITK's MetaImage reader (ITK's MetaIO, in ITK 5.4) refuses data that end early, but it
reads whatever ``ElementDataFile`` names: a FIFO blocks it forever, ``/dev/zero`` is read as an
image of zeros; and when compressed data do not decode it prints "Uncompress failed" and returns
its pixel buffer as it was, which is not the image.

:func:`locate_meta_image_pixels` reads the header fields that locate the data (MetaIO
documentation, itk.org/Wiki/ITK/MetaIO/Documentation): ``ElementDataFile`` (the last field:
``LOCAL`` for data that follow it in the same file, else one file relative to the header's
folder; the multi-file forms ``LIST`` and ``<format> <min> <max> <step>`` are refused, a 2-D
image being one file), ``CompressedData`` and ``CompressedDataSize`` (a zlib stream and its
length), ``HeaderSize`` (where raw data start in their file; -1: the pixels are its last bytes),
``BinaryData`` (``False``: text) and ``BinaryDataByteOrderMSB`` / ``ElementByteOrderMSB``. Keys
are matched without regard to case. The data file is checked to be a regular file, and to lie
inside the data root when there is one (:mod:`~model_core.io.file_checks`), before SimpleITK
opens it; :func:`~model_core.io.pixel_data.check_stored_pixels` checks the data once SimpleITK
has read them. Only these fields are read: SimpleITK's own parsing gives the size and pixel type.
"""

from __future__ import annotations

from pathlib import Path

from model_core.errors import ImageReadError
from model_core.io.pixel_data import StoredPixels, detached_data_file, header_number

#: Headers longer than this are refused (real ones are well under a kilobyte).
MAX_HEADER_BYTES = 1 << 20

_TRUE = ("true", "t", "1")


def locate_meta_image_pixels(path: Path, confine_to: Path | None = None) -> StoredPixels:
    """Where the MetaImage header ``path`` says its pixel data lie; its data file checked regular
    and, with ``confine_to`` (a resolved folder), inside that folder.

    Raises:
        ImageReadError: naming the file: the header cannot be read, has no ``ElementDataFile``,
            names several data files, or a data file outside ``confine_to``, missing or not a
            regular file; ``HeaderSize`` or ``CompressedDataSize`` is not a whole number.
    """
    fields, header_end = _read_fields(path)
    data_file = fields["elementdatafile"]
    if data_file.lower() == "local":
        file, start = path, header_end
    else:
        file, start = detached_data_file(path, data_file, "MetaImage", confine_to), 0
    big_endian = any(
        fields.get(key, "").lower() in _TRUE
        for key in ("binarydatabyteordermsb", "elementbyteordermsb")
    )
    if fields.get("binarydata", "true").lower() not in _TRUE:
        return StoredPixels(header=path, file=file, offset=start, encoding="text")
    if fields.get("compresseddata", "false").lower() in _TRUE:
        length = fields.get("compresseddatasize")
        return StoredPixels(
            header=path,
            file=file,
            offset=start,
            encoding="zlib",
            length=None if length is None else header_number(path, "CompressedDataSize", length, 0),
            big_endian=big_endian,
        )
    header_size = header_number(path, "HeaderSize", fields.get("headersize", "0"), lowest=-1)
    if header_size > 0:  # MetaIO seeks to HeaderSize from the start of the data's file
        return StoredPixels(path, file, 0, "raw", skip=header_size, big_endian=big_endian)
    return StoredPixels(path, file, start, "raw", skip=header_size, big_endian=big_endian)


def _read_fields(path: Path) -> tuple[dict[str, str], int]:
    """The header's fields up to ``ElementDataFile`` (keys lower case) and where it ends."""
    try:
        with path.open("rb") as stream:
            text = stream.read(MAX_HEADER_BYTES)
    except OSError as error:
        raise ImageReadError(f"{path}: cannot read the file ({error.strerror or error})") from error
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        newline = text.find(b"\n", position)
        end = len(text) if newline < 0 else newline + 1
        line = text[position:end].decode("latin-1").strip()
        position = end
        if "=" not in line:
            continue
        key, value = (part.strip() for part in line.split("=", 1))
        fields[key.lower()] = value
        if key.lower() == "elementdatafile":
            return fields, position
    raise ImageReadError(
        f"{path}: MetaImage header without ElementDataFile in its first {MAX_HEADER_BYTES} bytes"
    )
