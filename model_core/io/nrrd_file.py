"""NRRD (.nrrd, .nhdr): where the pixel data lie, found before SimpleITK opens the file.

SimpleITK's NRRD reader (teem's NrrdIO, in ITK 5.4) refuses raw and gzip data that end early,
but it opens the data file a detached header names while it reads the *header*
(``ReadImageInformation``), so a FIFO named there blocks forever and ``/dev/zero`` is read as an
image of zeros; and it decodes a damaged gzip stream into wrong pixels without a word.

:func:`locate_nrrd_pixels` reads the header fields that locate the data (NRRD format
definition, teem.sourceforge.net/nrrd/format.html, §3 and §5): ``data file`` (one file, relative
to the header's folder; the multi-file forms ``LIST`` and ``<format> <min> <max> <step>`` are
refused, a 2-D image being one file), ``encoding``, ``line skip`` (lines of the file before the
data), ``byte skip`` (bytes before the pixels; for gzip, of the decoded data, as teem reads it;
-1: the pixels are the last bytes) and ``endian``. Field names are matched as teem matches them,
without regard to case, with or without the space (``data file`` or ``datafile``). The data
file is checked to be a regular file, and to lie inside the data root when there is one
(:mod:`~model_core.io.file_checks`), before SimpleITK opens it;
:func:`~model_core.io.pixel_data.check_stored_pixels` checks the data once SimpleITK has read
them. Only these fields are read: SimpleITK's own parsing gives the size and pixel type.
"""

from __future__ import annotations

from pathlib import Path

from model_core.errors import ImageReadError
from model_core.io.pixel_data import Encoding, StoredPixels, detached_data_file, header_number

#: Headers longer than this are refused (real ones are a few kilobytes).
MAX_HEADER_BYTES = 1 << 20

_ENCODINGS: dict[str, Encoding] = {
    "raw": "raw",
    "gz": "gzip",
    "gzip": "gzip",
    "txt": "text",
    "text": "text",
    "ascii": "text",
    "hex": "text",
}


def locate_nrrd_pixels(path: Path, confine_to: Path | None = None) -> StoredPixels:
    """Where the NRRD header ``path`` says its pixel data lie; its data file checked regular
    and, with ``confine_to`` (a resolved folder), inside that folder.

    Raises:
        ImageReadError: naming the file: the header cannot be read or is malformed in those
            fields, names several data files, an encoding SimpleITK does not read, or a data
            file outside ``confine_to``, missing or not a regular file.
    """
    fields, data_start = _read_fields(path)
    encoding = _ENCODINGS.get(fields.get("encoding", "").lower())
    if encoding is None:
        raise ImageReadError(
            f"{path}: NRRD encoding {fields.get('encoding', '(missing)')!r} is not read; "
            f"expected one of {', '.join(_ENCODINGS)}"
        )
    data_file = fields.get("datafile")
    if data_file is None:
        if data_start is None:
            raise ImageReadError(f"{path}: NRRD header without data: no blank line, no data file")
        file = path
    else:
        file, data_start = detached_data_file(path, data_file, "NRRD", confine_to), 0
    lines = header_number(path, "NRRD line skip", fields.get("lineskip", "0"), lowest=0)
    offset = _skip_lines(file, data_start, lines)
    skip = header_number(path, "NRRD byte skip", fields.get("byteskip", "0"), lowest=-1)
    return StoredPixels(
        header=path,
        file=file,
        offset=offset,
        encoding=encoding,
        skip=skip,
        big_endian=fields.get("endian", "little").lower() == "big",
    )


def _read_fields(path: Path) -> tuple[dict[str, str], int | None]:
    """The header's fields (names lower case, without spaces) and where inline data start."""
    try:
        with path.open("rb") as stream:
            text = stream.read(MAX_HEADER_BYTES + 1)
    except OSError as error:
        raise ImageReadError(f"{path}: cannot read the file ({error.strerror or error})") from error
    if not text.startswith(b"NRRD"):
        raise ImageReadError(f"{path}: not a NRRD header (no NRRD magic)")
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        newline = text.find(b"\n", position)
        if newline < 0:
            if len(text) > MAX_HEADER_BYTES:
                raise ImageReadError(f"{path}: NRRD header longer than {MAX_HEADER_BYTES} bytes")
            newline = len(text)
        line = text[position:newline].rstrip(b"\r").decode("latin-1")
        position = newline + 1
        if not line:
            return fields, position  # the blank line ending an attached header
        if line.startswith("#") or ": " not in line or ":=" in line.split(": ", 1)[0]:
            continue  # comments, the magic line and key:=value pairs
        name, value = line.split(": ", 1)
        name = name.replace(" ", "").lower()
        fields[name] = value.strip()
        if name == "datafile" and value.upper().split()[:1] == ["LIST"]:
            break  # the lines that follow are file names
    if len(text) > MAX_HEADER_BYTES and "datafile" not in fields:
        raise ImageReadError(f"{path}: NRRD header longer than {MAX_HEADER_BYTES} bytes")
    return fields, None


def _skip_lines(file: Path, start: int, lines: int) -> int:
    """The offset after ``lines`` lines of ``file`` from ``start`` (NRRD ``line skip``)."""
    position = start
    try:
        with file.open("rb") as stream:
            stream.seek(start)
            while lines > 0:
                chunk = stream.read(1 << 16)
                if not chunk:
                    raise ImageReadError(f"{file}: ends within the {lines} lines to skip")
                index = -1
                while lines > 0 and (index := chunk.find(b"\n", index + 1)) >= 0:
                    lines -= 1
                    if lines == 0:
                        return position + index + 1
                position += len(chunk)
    except OSError as error:
        raise ImageReadError(f"{file}: cannot read the file ({error.strerror or error})") from error
    return position
