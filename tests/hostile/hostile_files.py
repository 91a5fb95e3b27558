"""Builders of valid and hostile image files, written with SimpleITK, pydicom, gzip and struct.

No project code is involved in writing them, so a reader bug cannot hide in a matching writer
bug. Headers that SimpleITK will not write (a NIfTI header declaring 32 000 × 32 000 pixels over a
few bytes, NaN written as NaN) are built byte by byte from the format definitions.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    DigitalMammographyXRayImageStorageForPresentation,
    SegmentationStorage,
    generate_uid,
)

ROWS, COLUMNS = 48, 64
#: ITK order (x = column, y = row); 0.1 mm is a plausible mammography pixel.
SPACING = (0.1, 0.1)


def ramp(dtype: str = "uint16") -> np.ndarray:
    """A (48, 64) image of varied values (all different for types wider than 8 bits), never 0."""
    modulus = 255 if np.dtype(dtype).itemsize == 1 else 4093
    values = np.arange(1, ROWS * COLUMNS + 1, dtype=np.int64) * 37 % modulus + 1
    array = values.reshape(ROWS, COLUMNS).astype(dtype)
    if np.dtype(dtype).kind == "f":
        array = array / 7.0 - 3.5  # fractional and negative values too, never 0
    return array


def lesion(top: int = 10, left: int = 20, height: int = 12, width: int = 9) -> np.ndarray:
    """A bool (48, 64) mask with one rectangular lesion."""
    mask = np.zeros((ROWS, COLUMNS), dtype=bool)
    mask[top : top + height, left : left + width] = True
    return mask


def write_itk(path: Path, array: np.ndarray, *, compress: bool = False) -> Path:
    """``array`` written by SimpleITK in the format of ``path``'s extension."""
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(SPACING if array.ndim == 2 else (*SPACING, 1.0))
    sitk.WriteImage(image, str(path), compress)
    return path


def nifti1(
    array: np.ndarray,
    *,
    endian: str = "<",
    dim: tuple[int, ...] | None = None,
    vox_offset: float = 352.0,
    slope: float = 0.0,
    intercept: float = 0.0,
    magic: bytes = b"n+1\x00",
) -> bytes:
    """A single-file NIfTI-1 holding ``array`` (2-D, numpy order) as it is, NaN included.

    Offsets from nifti1.h: sizeof_hdr 0, dim 40, datatype 70, bitpix 72, pixdim 76,
    vox_offset 108, scl_slope 112, scl_inter 116, magic 344; then the 4-byte extension flag.
    """
    codes = {"uint8": 2, "int16": 4, "int32": 8, "float32": 16, "float64": 64, "uint16": 512}
    header = bytearray(348)
    struct.pack_into(f"{endian}i", header, 0, 348)
    dims = dim or (2, array.shape[1], array.shape[0])
    struct.pack_into(f"{endian}8h", header, 40, *dims, *([1] * (8 - len(dims))))
    struct.pack_into(f"{endian}hh", header, 70, codes[array.dtype.name], array.itemsize * 8)
    struct.pack_into(f"{endian}8f", header, 76, 1.0, *SPACING, 1, 1, 1, 1, 1)
    struct.pack_into(f"{endian}3f", header, 108, vox_offset, slope, intercept)
    struct.pack_into(f"{endian}2h", header, 252, 0, 0)  # qform_code, sform_code: none
    header[344:348] = magic
    padding = bytes(max(0, int(vox_offset) - 352))
    data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder(endian)).tobytes()
    return bytes(header) + b"\x00" * 4 + padding + data


def gzip_members(*parts: bytes) -> bytes:
    """Each part as its own gzip member, concatenated (as bgzip and ``cat a.gz b.gz`` make)."""
    out = b""
    for part in parts:
        compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        out += compressor.compress(part) + compressor.flush()
    return out


def cut(path: Path, fraction: float) -> Path:
    """Keep only the first ``fraction`` of the file's bytes (a copy interrupted)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def damage(path: Path, at: float = 0.5, size: int = 64) -> Path:
    """Zero ``size`` bytes from ``at`` of the file (a bad sector; the length is unchanged)."""
    data = bytearray(path.read_bytes())
    start = int(len(data) * at)
    data[start : start + size] = bytes(len(data[start : start + size]))
    path.write_bytes(bytes(data))
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares ``width`` × ``height`` 8-bit grey pixels, over one row of
    image data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(bytes(1 + width))  # filter byte and one row
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def tiff_header_only(width: int, height: int) -> bytes:
    """A little-endian TIFF whose one IFD declares ``width`` × ``height`` 8-bit grey pixels,
    with a strip that is not there."""
    entries = [  # tag, type (3 SHORT, 4 LONG), count, value
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 12 * 9 + 4),
        (277, 3, 1, 1),
        (278, 4, 1, height),
        (279, 4, 1, width * height),
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def dicom_mammogram(path: Path, pixels: np.ndarray, **attributes: object) -> Path:
    """A Digital Mammography (For Presentation) file holding ``pixels``; ``attributes`` are set
    afterwards (e.g. ``Rows=32000`` to declare more than the pixel data hold)."""
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.SOPClassUID = DigitalMammographyXRayImageStorageForPresentation
    dataset.SOPInstanceUID = generate_uid()
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.Modality = "MG"
    dataset.ImagerPixelSpacing = [0.1, 0.1]
    dataset.set_pixel_data(pixels, "MONOCHROME2", 12)
    for keyword, value in attributes.items():
        setattr(dataset, keyword, value)
    dataset.save_as(path, enforce_file_format=True)
    return path


def dicom_seg_header(path: Path, rows: int, columns: int, frames: int = 1) -> Path:
    """A DICOM Segmentation whose header declares ``frames`` frames of ``rows`` × ``columns``
    bit-packed pixels, over 8 bytes of pixel data."""
    dataset = Dataset()
    dataset.file_meta = FileMetaDataset()
    dataset.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    dataset.SOPClassUID = SegmentationStorage
    dataset.SOPInstanceUID = generate_uid()
    dataset.Modality = "SEG"
    dataset.SegmentationType = "BINARY"
    dataset.Rows, dataset.Columns, dataset.NumberOfFrames = rows, columns, frames
    dataset.SamplesPerPixel, dataset.PhotometricInterpretation = 1, "MONOCHROME2"
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 1, 1, 0
    dataset.PixelRepresentation = 0
    dataset.PixelData = bytes(8)
    dataset.save_as(path, enforce_file_format=True)
    return path


def write_manifest(folder: Path, *, low: str, recombined: str, mask: str) -> Path:
    """A one-case manifest (case C1) with the columns the README documents."""
    path = folder / "manifest.csv"
    path.write_text(
        "case_id,low_energy,recombined,mask,label,pixel_spacing_mm\n"
        f"C1,{low},{recombined},{mask},benign,\n",
        encoding="utf-8",
    )
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` with a hash of its bytes: 'nothing written' is equality."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "not a file"
        )
        for path in sorted(folder.rglob("*"))
    }
