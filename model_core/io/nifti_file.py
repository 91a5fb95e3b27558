"""NIfTI-1 (.nii, .nii.gz): what SimpleITK's reader leaves unchecked, and the values it changes.

ITK's NIfTI reader (nifticlib, vendored in ITK 5.4, which SimpleITK 2.5 wraps) is silent twice:

1. Pixel data the file does not hold (a file cut short, a broken gzip stream) are read as
   zeros: a mask cut in half loses the lesion pixels of its lower half, an image cut at 60 %
   comes back with its last rows black.
2. Every NaN and ±Inf of a float image is replaced by 0 on reading (``nifti_read_buffer``; fixed
   in ITK 6, InsightSoftwareConsortium/ITK#6683), so a NaN inside the lesion crop looks like a
   real 0 and the preprocessing's "NaN inside the crop is an error" can never fire. NRRD,
   MetaImage and TIFF keep them.

:func:`checked_nifti_pixels` takes what SimpleITK read and checks it against the file
(:func:`~model_core.io.pixel_data.check_stored_pixels`: its size for ``.nii``, the gzip
checksum for ``.nii.gz``), then puts back the non-finite values SimpleITK replaced, scaled as it
scales the others, so that a NIfTI reaches the same checks as any other format.

For that, the few header fields that locate the pixels are read here, because SimpleITK does
not expose the stored type nor the data offset (offsets from ``nifti1.h``): ``sizeof_hdr`` (0,
int32, 348; its byte order is the file's), ``dim`` (40, int16[8]), ``datatype`` (70, int16),
``vox_offset`` (108, float32), ``scl_slope`` and ``scl_inter`` (112, 116, float32) and
``magic`` (344, ``n+1\\0`` for a single ``.nii`` file). Like nifticlib, the pixels are read
from ``max(int(vox_offset), 348)``, and ``scl_slope`` applies when it is finite and not 0.
Files that are not single-file NIfTI-1 are refused: an Analyze 7.5 header or the ``ni1``
magic (pixels in a separate ``.img`` file) say nothing reliable about where this file's pixels
lie; NIfTI-2 is not read by ITK 5.4 at all, which refuses it before this module is reached.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model_core.errors import ImageReadError
from model_core.io.pixel_data import StoredPixels, check_stored_pixels, read_file_head

_HEADER_SIZE = 348
_SINGLE_FILE_MAGIC = b"n+1\x00"

#: NIfTI-1 ``datatype`` codes of the scalar types, as numpy types (byte order added per file).
_DATATYPES: dict[int, str] = {
    2: "u1",
    4: "i2",
    8: "i4",
    16: "f4",
    64: "f8",
    256: "i1",
    512: "u2",
    768: "u4",
    1024: "i8",
    1280: "u8",
}


@dataclass(frozen=True)
class NiftiLayout:
    """Where and how a NIfTI-1 file stores its pixels.

    Attributes:
        dtype: the stored pixel type, in the file's byte order.
        voxels: the number of pixels the header declares (product of its dimensions).
        offset: where the pixels start in the file (decompressed, for ``.nii.gz``).
        slope: ``scl_slope``, when SimpleITK applies it (finite and not 0), else ``None``.
        intercept: ``scl_inter``, with ``slope``.
    """

    dtype: np.dtype
    voxels: int
    offset: int
    slope: float | None
    intercept: float


def read_nifti_layout(path: Path) -> NiftiLayout:
    """The layout of the pixels of the NIfTI-1 file ``path``, from its header.

    Raises:
        ImageReadError: naming the file: not a single-file NIfTI-1 header, or a datatype,
            dimension or offset SimpleITK could not have read as one greyscale image.
    """
    head = read_file_head(path, _HEADER_SIZE)
    if len(head) < _HEADER_SIZE:
        raise ImageReadError(
            f"{path}: the file is incomplete: {len(head)} bytes, shorter than a NIfTI-1 header "
            f"({_HEADER_SIZE} bytes)"
        )
    order = next((o for o in "<>" if struct.unpack_from(f"{o}i", head)[0] == _HEADER_SIZE), None)
    magic = head[344:348]
    if order is None or magic != _SINGLE_FILE_MAGIC:
        raise ImageReadError(
            f"{path}: not a single-file NIfTI-1 header (magic {magic!r}, expected "
            f"{_SINGLE_FILE_MAGIC!r}); Analyze 7.5 and two-file (.hdr/.img) NIfTI are not read"
        )
    dim = struct.unpack_from(f"{order}8h", head, 40)
    datatype = struct.unpack_from(f"{order}h", head, 70)[0]
    vox_offset, slope, intercept = struct.unpack_from(f"{order}3f", head, 108)
    if datatype not in _DATATYPES:
        raise ImageReadError(f"{path}: NIfTI datatype {datatype} is not a greyscale pixel type")
    if not 1 <= dim[0] <= 7 or any(n < 1 for n in dim[1 : dim[0] + 1]):
        raise ImageReadError(f"{path}: invalid NIfTI dimensions {list(dim)}")
    if not math.isfinite(vox_offset):
        raise ImageReadError(f"{path}: invalid NIfTI vox_offset {vox_offset}")
    scaled = math.isfinite(slope) and slope != 0.0
    return NiftiLayout(
        dtype=np.dtype(_DATATYPES[datatype]).newbyteorder("<" if order == "<" else ">"),
        voxels=math.prod(dim[1 : dim[0] + 1]),
        offset=max(int(vox_offset), _HEADER_SIZE),
        slope=slope if scaled else None,
        intercept=intercept if scaled else 0.0,
    )


def checked_nifti_pixels(path: Path, pixels: np.ndarray) -> np.ndarray:
    """``pixels``, as SimpleITK read them from ``path``, checked against the file, with the
    NaN and ±Inf values SimpleITK replaced by 0 put back.

    Args:
        path: the NIfTI-1 file.
        pixels: SimpleITK's array of it (any shape; numpy order is the file's voxel order).

    Raises:
        ImageReadError: naming the file: see :func:`read_nifti_layout`; the header and
            SimpleITK disagree on the number of pixels; the file holds fewer pixel bytes than
            its header declares, or its gzip stream is cut short or damaged.
    """
    layout = read_nifti_layout(path)
    if pixels.size != layout.voxels:
        raise ImageReadError(
            f"{path}: the header declares {layout.voxels} pixels, SimpleITK read {pixels.size}"
        )
    # A file without the gzip magic is read as it is, whatever its name, as nifticlib does.
    stored = StoredPixels(
        header=path,
        file=path,
        offset=0,
        encoding="gzip",
        skip=layout.offset,
        big_endian=layout.dtype.str[0] == ">",
    )
    is_float = layout.dtype.kind == "f"
    values = check_stored_pixels(stored, pixels, layout.dtype, values=is_float)
    if values is None or not is_float:
        return pixels
    non_finite = ~np.isfinite(values)
    if not non_finite.any():
        return pixels
    restored = np.array(pixels, copy=True, order="C")
    replaced = values[non_finite].astype(np.float64)
    if layout.slope is not None:
        replaced = replaced * layout.slope + layout.intercept
    restored.reshape(-1)[non_finite] = replaced
    return restored
