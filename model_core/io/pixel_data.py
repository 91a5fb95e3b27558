"""Where an image file's stored pixel data lie, and the check that all of them are there, intact.

SimpleITK's readers do not all refuse pixel data that are cut short or damaged. Measured with
SimpleITK 2.5.7 (ITK 5.4) on files cut at 50 %, 90 % and 99.9 %, or with 64 bytes zeroed:

=============================  ==============================  ===================================
format                         cut short                       damaged compressed data
=============================  ==============================  ===================================
NIfTI (.nii, .nii.gz)          missing part read as zeros      read as wrong values
NRRD, MetaImage (raw)          refused                         (raw data carry no checksum)
NRRD (gzip encoding)           refused                         read as wrong values
MetaImage (compressed)         refused                         "Uncompress failed" printed, and
                                                               the buffer returned as it was
PNG                            refused                         refused (chunk CRCs)
TIFF                           refused                         not detectable (no checksum)
=============================  ==============================  ===================================

So for NIfTI, NRRD and MetaImage, once SimpleITK has read the pixels,
:func:`check_stored_pixels` compares them with what the file holds:

* **raw data**: the file must hold the header's offset plus rows × columns × bytes per pixel;
  its size is enough (``stat``), nothing is read.
* **compressed data** (gzip, or zlib for MetaImage): the stream's trailer carries a checksum of
  everything it decodes to (gzip: CRC-32 and length; zlib: Adler-32). When the checksum of the
  pixels SimpleITK returned, in the file's byte order and after the bytes that precede them in
  the stream, equals the trailer's, they are exactly the stored pixels: one pass over memory,
  no second decompression. Otherwise (a cut or damaged stream, but also several gzip members,
  bytes after the stream, or NIfTI values SimpleITK changed), the stream is decoded to its end
  with zlib, which refuses a stream that ends before its end marker or fails its checksum, and
  the stored values are returned to the caller.
* **text encodings** (NRRD ascii/hex, MetaImage ``BinaryData = False``): the decoders refuse a
  short file themselves.

A gzip stream may be followed by further gzip members (read on) or by other bytes (ignored), and a
"gzip" stream that does not start with the gzip magic is read as raw: that is what zlib's
``gzread``, used by the NIfTI and NRRD readers, does. A stream that decodes to more than twice
the bytes its header declares (plus 1 MiB) is refused rather than decoded on.
"""

from __future__ import annotations

import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from model_core.errors import ImageReadError
from model_core.io.file_checks import outside_data_root, require_regular_file

#: How the pixel data are stored: as they are, in a gzip or zlib stream, or as text.
Encoding = Literal["raw", "gzip", "zlib", "text"]

GZIP_MAGIC = b"\x1f\x8b"
_GZIP_WBITS = 16 + zlib.MAX_WBITS  # gzip wrapper, checks CRC-32 and length
_ZLIB_WBITS = 32 + zlib.MAX_WBITS  # zlib or gzip wrapper, detected from the header
_CHUNK = 1 << 16  # compressed bytes read at a time
_STEP = 1 << 20  # decoded bytes per step at most
_MIB = 1 << 20


@dataclass(frozen=True)
class StoredPixels:
    """Where a header says the pixel data lie.

    Attributes:
        header: the image file given to the reader (named in messages).
        file: the file holding the data: ``header`` itself, or a detached data file.
        offset: where the raw data, or the compressed stream, starts in ``file``.
        encoding: how the data are stored.
        skip: bytes before the pixels inside the data (for compressed data, inside what the
            stream decodes to: the NIfTI header, NRRD ``byte skip``); -1 when the pixels are
            the last bytes (NRRD ``byte skip: -1``, MetaImage ``HeaderSize = -1``).
        length: the compressed stream's length in bytes (MetaImage ``CompressedDataSize``), or
            ``None`` when it runs to the end of ``file``.
        big_endian: byte order of multi-byte pixels.
    """

    header: Path
    file: Path
    offset: int
    encoding: Encoding
    skip: int = 0
    length: int | None = None
    big_endian: bool = False

    @property
    def where(self) -> str:
        """The file for messages: the header, and the data file when it is another one."""
        if self.file == self.header:
            return str(self.header)
        return f"{self.header}: data file {self.file}"


def check_stored_pixels(
    stored: StoredPixels,
    pixels: np.ndarray,
    dtype: np.dtype | None = None,
    *,
    values: bool = False,
) -> np.ndarray | None:
    """Check that the file holds all the pixel data SimpleITK returned as ``pixels``, intact.

    Args:
        stored: where the header says the data lie.
        pixels: what SimpleITK read, in file order (numpy's C order of its array).
        dtype: the stored pixel type when it differs from ``pixels.dtype`` (NIfTI with
            ``scl_slope``); its byte order is taken from ``stored``.
        values: also return the stored values of raw data (as a read-only memory map).

    Returns:
        The stored values as a flat array of the stored type, when the stream had to be decoded
        or ``values`` asks for them; ``None`` when ``pixels`` are byte for byte the stored data
        (a checksum matched), or for raw or text data when ``values`` is false.

    Raises:
        ImageReadError: naming the file: the data file is not a regular file, the data are
            shorter than the header declares, or the compressed stream is cut short or damaged.
    """
    stored_type = np.dtype(pixels.dtype if dtype is None else dtype)
    return _check(stored, pixels.shape, stored_type, pixels, values)


def check_declared_pixels(stored: StoredPixels, shape: tuple[int, ...], dtype: np.dtype) -> None:
    """Check, without the pixels, that the file holds the data its header declares.

    For a clear reason when SimpleITK fails to read the pixels: raw data are checked by size,
    compressed data are decoded to their end.

    Raises:
        ImageReadError: as :func:`check_stored_pixels`.
    """
    _check(stored, shape, np.dtype(dtype), None, False)


def _check(
    stored: StoredPixels,
    shape: tuple[int, ...],
    dtype: np.dtype,
    pixels: np.ndarray | None,
    values: bool,
) -> np.ndarray | None:
    dtype = dtype.newbyteorder(">" if stored.big_endian else "<")
    count = math.prod(shape)
    needed = count * dtype.itemsize
    role = "" if stored.file == stored.header else f"data file of {stored.header}"
    size = require_regular_file(stored.file, role)
    end = size if stored.length is None else min(size, stored.offset + stored.length)
    encoding = stored.encoding
    if encoding == "gzip" and _head(stored.file, stored.offset, 2) != GZIP_MAGIC:
        encoding = "raw"  # zlib's gzread reads data without the gzip magic as they are
    if encoding == "text":
        return None
    if encoding == "raw":
        start = size - needed if stored.skip < 0 else stored.offset + stored.skip
        if start < stored.offset or size - start < needed:
            _refuse_short(stored, shape, dtype, max(0, size - max(start, stored.offset)), needed)
        if not values:
            return None
        return np.memmap(stored.file, dtype=dtype, mode="r", offset=start, shape=(count,))
    wbits = _GZIP_WBITS if encoding == "gzip" else _ZLIB_WBITS
    if _same_type(pixels, dtype) and stored.skip >= 0:
        prefix = b""
        if stored.skip:
            head = _decode(stored, wbits, end, keep=stored.skip, limit=stored.skip, to_end=False)
            prefix = head[0]
        if _trailer_matches(stored, end, encoding, prefix, np.ascontiguousarray(pixels, dtype)):
            return None
    limit = 2 * (max(stored.skip, 0) + needed) + _MIB
    keep = limit if stored.skip < 0 else stored.skip + needed
    declared = max(stored.skip, 0) + needed
    decoded, total = _decode(
        stored, wbits, end, keep=keep, limit=limit, to_end=True, declared=declared
    )
    start = total - needed if stored.skip < 0 else stored.skip
    if start < 0 or total - start < needed:
        _refuse_short(stored, shape, dtype, max(0, total - max(start, 0)), needed)
    return np.frombuffer(decoded, dtype=dtype, count=count, offset=start)


def _same_type(pixels: np.ndarray | None, dtype: np.dtype) -> bool:
    if pixels is None:
        return False
    return pixels.dtype.kind == dtype.kind and pixels.dtype.itemsize == dtype.itemsize


def detached_data_file(
    header: Path, value: str, format_name: str, confine_to: Path | None = None
) -> Path:
    """The one data file a detached header names (relative to the header's folder), checked to
    lie inside ``confine_to`` (a resolved folder, when given) and to be a regular file, before
    anything opens it.

    Raises:
        ImageReadError: the header names several files (``LIST``, or a ``<format> <min> <max>
            <step>`` pattern, as NRRD and MetaImage allow), or a file outside ``confine_to``,
            missing or not a regular file.
    """
    words = value.split()
    if not words or words[0].upper() == "LIST" or ("%" in words[0] and len(words) >= 4):
        raise ImageReadError(
            f"{header}: the {format_name} header names several data files ({value!r}); "
            "expected one data file for one 2-D image"
        )
    file = Path(value)
    file = file if file.is_absolute() else header.parent / file
    what = f"the data file {value!r} that the {format_name} header names"
    as_named = Path(os.path.abspath(header.parent), value)  # "resolves to" shows where '..' led
    refusal = outside_data_root(as_named, confine_to, what)
    if refusal is not None:
        raise ImageReadError(f"{header}: {refusal}")
    require_regular_file(file, f"data file of {header}")
    return file


def header_number(header: Path, field: str, text: str, lowest: int) -> int:
    """The whole number ``text`` of a header field, at least ``lowest``.

    Raises:
        ImageReadError: naming the file and the field.
    """
    try:
        number = int(text)
    except ValueError:
        number = lowest - 1
    if number < lowest:
        raise ImageReadError(f"{header}: {field} {text!r} is not a whole number >= {lowest}")
    return number


def read_file_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of ``path`` (or fewer), decompressed when it is a gzip file.

    Raises:
        ImageReadError: the file cannot be read, or its gzip stream is damaged in those bytes.
    """
    if _head(path, 0, 2) != GZIP_MAGIC:
        return _head(path, 0, size)
    stored = StoredPixels(header=path, file=path, offset=0, encoding="gzip")
    end = require_regular_file(path)
    return _decode(stored, _GZIP_WBITS, end, keep=size, limit=size, to_end=False)[0]


def gzip_damage(path: Path) -> str | None:
    """Why the gzip stream of ``path`` does not decode, judged on its first MiB; ``None`` when it
    does, or when ``path`` is not gzip. (For a clear message when no reader recognises a file:
    SimpleITK's NIfTI reader reads ahead, so damage early in a stream hides the header.)"""
    try:
        read_file_head(path, _MIB)
    except ImageReadError as error:
        return str(error).removeprefix(f"{path}: ")
    return None


def _head(path: Path, offset: int, size: int) -> bytes:
    try:
        with path.open("rb") as stream:
            stream.seek(offset)
            return stream.read(size)
    except OSError as error:
        raise ImageReadError(f"{path}: cannot read the file ({error.strerror or error})") from error


def _refuse_short(
    stored: StoredPixels, shape: tuple[int, ...], dtype: np.dtype, present: int, needed: int
) -> None:
    size = " × ".join(str(n) for n in shape)
    raise ImageReadError(
        f"{stored.where}: the file is incomplete: it holds {present} of the {needed} bytes of "
        f"pixel data its header declares ({size} pixels of {dtype.name}); a cut-short file "
        "is not read"
    )


def _trailer_matches(
    stored: StoredPixels, end: int, encoding: Encoding, prefix: bytes, pixels: np.ndarray
) -> bool:
    """Whether the stream's trailer checksum is that of ``prefix`` followed by ``pixels``."""
    data = np.ascontiguousarray(pixels).data  # the bytes in memory order, without a copy
    if encoding == "gzip":
        trailer = _head(stored.file, end - 8, 8) if end - stored.offset >= 18 else b""
        if len(trailer) != 8:
            return False
        crc, length = int.from_bytes(trailer[:4], "little"), int.from_bytes(trailer[4:], "little")
        total = len(prefix) + pixels.nbytes
        return zlib.crc32(data, zlib.crc32(prefix)) == crc and total % 2**32 == length
    if _head(stored.file, stored.offset, 2) == GZIP_MAGIC:
        return _trailer_matches(stored, end, "gzip", prefix, pixels)
    trailer = _head(stored.file, end - 4, 4) if end - stored.offset >= 6 else b""
    checksum = zlib.adler32(data, zlib.adler32(prefix))
    return len(trailer) == 4 and checksum == int.from_bytes(trailer, "big")


def _decode(
    stored: StoredPixels,
    wbits: int,
    end: int,
    *,
    keep: int,
    limit: int,
    to_end: bool,
    declared: int = 0,
) -> tuple[bytes, int]:
    """The first ``keep`` decoded bytes and the decoded length of the stream at ``stored.offset``.

    With ``to_end``, the stream is decoded to its end (every gzip member), which checks its end
    marker and checksum; without, decoding stops once ``keep`` bytes are there. ``declared``
    (what the header declares the stream holds) is for the message of a cut-short stream.
    """
    kept = bytearray()
    total = 0
    try:
        with stored.file.open("rb") as stream:
            stream.seek(stored.offset)
            remaining = end - stored.offset

            def read() -> bytes:
                nonlocal remaining
                chunk = stream.read(max(0, min(_CHUNK, remaining)))
                remaining -= len(chunk)
                return chunk

            decoder = zlib.decompressobj(wbits)
            pending = read()
            while pending or not decoder.eof:
                # Bounded output per step: a highly compressed chunk may decode to megabytes.
                step = keep - len(kept) if not to_end else _STEP
                piece = decoder.decompress(pending, max(step, 1))
                total += len(piece)
                if len(kept) < keep:
                    kept += piece[: keep - len(kept)]
                if not to_end and len(kept) >= keep:
                    return bytes(kept), total
                if total > limit:
                    raise ImageReadError(
                        f"{stored.where}: the compressed pixel data decode to more than "
                        f"{limit} bytes, far more than the header declares; refused"
                    )
                if decoder.eof:
                    rest = decoder.unused_data
                    while wbits == _GZIP_WBITS and len(rest) < 2 and (more := read()):
                        rest += more
                    if wbits != _GZIP_WBITS or rest[:2] != GZIP_MAGIC:
                        return bytes(kept), total  # bytes after the stream: ignored, as gzread
                    decoder = zlib.decompressobj(wbits)  # the next gzip member
                    pending = rest
                elif decoder.unconsumed_tail or piece:
                    pending = decoder.unconsumed_tail  # more to decode from what was read
                else:
                    pending = read()  # the decoder needs input
                    if not pending:
                        break  # the file ends inside the stream
    except OSError as error:
        raise ImageReadError(
            f"{stored.where}: cannot read the file ({error.strerror or error})"
        ) from error
    except zlib.error as error:
        raise ImageReadError(
            f"{stored.where}: the compressed pixel data are damaged ({error}); a damaged file "
            "is not read"
        ) from error
    if not to_end:
        return bytes(kept), total
    raise ImageReadError(
        f"{stored.where}: the file is incomplete: its compressed pixel data end before the end "
        f"of their stream, after {total} of the {declared} bytes its header declares; a "
        "cut-short file is not read"
    )
