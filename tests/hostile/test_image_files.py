"""Hostile image and mask files: each class of bad input is refused by the readers, naming the
file, and valid files of every format still read exactly as SimpleITK decodes them.

Classes: pixel data cut short or damaged; NaN and ±Inf (which SimpleITK's NIfTI reader turns
into 0); headers declaring more pixels than any mammogram; masks whose values are not labels;
paths that are not regular files (a FIFO blocks, a device never ends).
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)
from hostile_files import (
    COLUMNS,
    ROWS,
    cut,
    damage,
    dicom_mammogram,
    dicom_seg_header,
    gzip_members,
    lesion,
    nifti1,
    png_header_only,
    ramp,
    tiff_header_only,
    write_itk,
)

from model_core.errors import ImageReadError
from model_core.io import read_image, read_mask
from model_core.io.file_checks import MAX_IMAGE_PIXELS
from model_core.io.itk_image import read_itk_array

#: (file name, compressed): every format and compression SimpleITK writes for these formats.
FORMATS = [
    ("image.nii", False),
    ("image.nii.gz", True),
    ("image.nrrd", False),
    ("image.nrrd", True),
    ("image.mha", False),
    ("image.mha", True),
    ("image.png", True),
    ("image.tif", False),
]
FORMAT_IDS = ["nii", "nii.gz", "nrrd", "nrrd-gzip", "mha", "mha-zlib", "png", "tif"]


def _refused(read, path: Path, *fragments: str) -> str:
    with pytest.raises(ImageReadError) as caught:
        read(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    return message


# ------------------------------------------------------------- 1. cut short, damaged


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9])
@pytest.mark.parametrize(("name", "compress"), FORMATS, ids=FORMAT_IDS)
def test_a_cut_short_image_is_refused(tmp_path, name, compress, fraction):
    """SimpleITK reads a cut NIfTI with zeros for the missing part; no format may pass."""
    path = cut(write_itk(tmp_path / name, ramp(), compress=compress), fraction)
    message = _refused(read_image, path)
    if not name.endswith((".png", ".tif")):  # PNG and TIFF: the decoder's own message
        assert "the file is incomplete" in message


@pytest.mark.parametrize(
    ("name", "compress"),
    [(n, c) for n, c in FORMATS if not n.endswith((".png", ".tif"))],
    ids=[i for i in FORMAT_IDS if i not in ("png", "tif")],
)
def test_a_file_missing_only_its_last_byte_is_refused(tmp_path, name, compress):
    """The last byte is a pixel's (raw) or the stream checksum's (compressed): SimpleITK's NRRD
    reader stops before a gzip trailer and would not notice. (PNG and TIFF files may end with
    metadata after the pixels; their decoders refuse a cut in the pixels, tested above.)"""
    path = write_itk(tmp_path / name, ramp(), compress=compress)
    path.write_bytes(path.read_bytes()[:-1])
    _refused(read_image, path, "the file is incomplete")


@pytest.mark.parametrize("fraction", [0.5, 0.6])
def test_a_cut_short_nifti_mask_is_refused(tmp_path, fraction):
    """The sweep's case: a mask.nii.gz cut in half validated with 0 errors, lesion half gone."""
    mask = np.zeros((300, 400), dtype=np.uint8)
    mask[50:250, 100:300] = 1  # lesion in both halves of the file
    path = cut(write_itk(tmp_path / "mask.nii.gz", mask[np.newaxis], compress=True), fraction)
    _refused(read_mask, path, "the file is incomplete", "cut-short file is not read")


def test_a_nifti_gzip_stream_cut_after_the_last_pixel_is_refused(tmp_path):
    """Every pixel byte is there, but the stream's end and checksum are not: not all there."""
    raw = nifti1(ramp("float32"))
    whole = gzip.compress(raw)
    path = tmp_path / "image.nii.gz"
    path.write_bytes(whole[:-8])  # the 8-byte gzip trailer (CRC-32, length) is missing
    _refused(read_image, path, "the file is incomplete", "end before the end of their stream")


def test_a_complete_gzip_of_a_cut_nifti_is_refused(tmp_path):
    """A well-formed gzip stream whose content is short: the header's size decides."""
    raw = nifti1(ramp("float32"))
    path = tmp_path / "image.nii.gz"
    path.write_bytes(gzip.compress(raw[: len(raw) - 100]))
    _refused(read_image, path, "the file is incomplete", f"of the {ROWS * COLUMNS * 4} bytes")


@pytest.mark.parametrize(
    ("name", "compress", "reason"),
    [
        ("image.nii.gz", True, "the compressed pixel data are damaged"),
        ("image.nrrd", True, "the compressed pixel data are damaged"),
        ("image.mha", True, "the compressed pixel data are damaged"),
        ("image.png", True, "cannot read the pixel data"),
    ],
    ids=["nii.gz", "nrrd-gzip", "mha-zlib", "png"],
)
def test_damaged_compressed_pixel_data_are_refused(tmp_path, name, compress, reason):
    """SimpleITK decodes damaged NIfTI and NRRD gzip data into wrong pixels, and returns its
    buffer unfilled for damaged MetaImage data; the stream's checksum is checked instead."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 4096, (300, 400)).astype(np.uint16)  # compresses little
    path = damage(write_itk(tmp_path / name, pixels, compress=compress), at=0.5)
    _refused(read_image, path, reason)


@pytest.mark.parametrize(
    ("header", "data", "compress"),
    [("image.mhd", "image.raw", False), ("image.mhd", "image.zraw", True)],
    ids=["mhd-raw", "mhd-zraw"],
)
def test_a_cut_detached_meta_image_data_file_is_refused_naming_it(tmp_path, header, data, compress):
    path = write_itk(tmp_path / header, ramp(), compress=compress)
    cut(tmp_path / data, 0.5)
    _refused(read_image, path, f"data file {tmp_path / data}", "the file is incomplete")


def test_a_cut_detached_nrrd_data_file_is_refused_naming_it(tmp_path):
    path = write_itk(tmp_path / "image.nhdr", ramp(), compress=True)
    cut(tmp_path / "image.raw.gz", 0.5)
    _refused(read_image, path, f"data file {tmp_path / 'image.raw.gz'}", "incomplete")


# ------------------------------------------------ 1. valid files still read as before


def _writable(name: str, dtype: str) -> bool:
    if name.endswith(".png"):
        return dtype in ("uint8", "uint16")  # PNG holds unsigned integers only
    return not (name.endswith(".tif") and dtype == "float64")  # SimpleITK writes no such TIFF


@pytest.mark.parametrize(
    ("name", "compress", "dtype"),
    [
        (name, compress, dtype)
        for name, compress in FORMATS
        for dtype in ("uint8", "uint16", "int16", "float32", "float64")
        if _writable(name, dtype)
    ],
)
def test_valid_files_read_exactly_as_simpleitk_decodes_them(tmp_path, name, compress, dtype):
    pixels = ramp(dtype)
    path = write_itk(tmp_path / name, pixels, compress=compress)
    array, _ = read_itk_array(path)
    np.testing.assert_array_equal(array, sitk.GetArrayFromImage(sitk.ReadImage(str(path))))
    np.testing.assert_array_equal(array, pixels)
    assert array.dtype == pixels.dtype


@pytest.mark.parametrize("name", ["image.nhdr", "image.mhd"], ids=["nhdr", "mhd"])
@pytest.mark.parametrize("compress", [False, True], ids=["raw", "compressed"])
def test_valid_detached_headers_read(tmp_path, name, compress):
    pixels = ramp("int16")
    array, _ = read_itk_array(write_itk(tmp_path / name, pixels, compress=compress))
    np.testing.assert_array_equal(array, pixels)


@pytest.mark.parametrize(
    ("label", "content"),
    [
        ("big-endian", lambda a: nifti1(a, endian=">")),
        ("gzip, big-endian", lambda a: gzip.compress(nifti1(a, endian=">"))),
        ("two gzip members", lambda a: gzip_members(nifti1(a)[:200], nifti1(a)[200:])),
        ("bytes after the gzip stream", lambda a: gzip.compress(nifti1(a)) + b"\x00" * 512),
        ("not gzip despite the name", nifti1),
        ("vox_offset 400", lambda a: nifti1(a, vox_offset=400.0)),
        ("single-slice volume", lambda a: nifti1(a, dim=(3, COLUMNS, ROWS, 1))),
    ],
)
def test_valid_nifti_variants_read(tmp_path, label, content):
    """Layouts nifticlib reads (and zlib's gzread) are read, checked, with the same values."""
    pixels = ramp("float32")
    path = tmp_path / "image.nii.gz"
    path.write_bytes(content(pixels))
    array, _ = read_itk_array(path)
    np.testing.assert_array_equal(array, pixels)


def test_scaled_nifti_reads_scaled(tmp_path):
    """scl_slope / scl_inter apply as SimpleITK applies them (the stored type is then not the
    returned one, so the check decodes the stream)."""
    stored = ramp("uint16")
    path = tmp_path / "scaled.nii.gz"
    path.write_bytes(gzip.compress(nifti1(stored, slope=0.5, intercept=-10.0)))
    array, _ = read_itk_array(path)
    np.testing.assert_allclose(array, stored * 0.5 - 10.0)


@pytest.mark.parametrize(
    ("header", "data"),
    [
        (
            "NRRD0004\ntype: uint16\ndimension: 2\nsizes: 64 48\nendian: little\n"
            "encoding: gzip\nbyte skip: 6\nline skip: 1\n\n",
            "line skip, byte skip",
        ),
        (
            "NRRD0004\ntype: uint16\ndimension: 2\nsizes: 64 48\nendian: big\n"
            "encoding: raw\nbyte skip: -1\n\n",
            "big-endian, data at the end",
        ),
    ],
    ids=["gzip-skips", "raw-at-end"],
)
def test_nrrd_skips_and_byte_order_are_followed(tmp_path, header, data):
    pixels = ramp("uint16")
    if "gzip" in header:
        payload = b"junk line\n" + gzip.compress(b"SKIPME" + pixels.astype("<u2").tobytes())
    else:
        payload = b"leading bytes" + pixels.astype(">u2").tobytes()
    path = tmp_path / "image.nrrd"
    path.write_bytes(header.encode() + payload)
    array, _ = read_itk_array(path)
    np.testing.assert_array_equal(array, pixels)


# ---------------------------------------------------------------- 2. NaN and ±Inf


def _with_non_finite(dtype: str = "float32") -> np.ndarray:
    pixels = ramp(dtype)
    pixels[0, 0], pixels[20, 30], pixels[-1, -1] = np.nan, np.inf, -np.inf
    return pixels


def test_simpleitk_turns_nifti_nan_into_zero(tmp_path):
    """Why nifti_file restores them: SimpleITK 2.5 (ITK 5.4's nifticlib) reads the file's NaN
    and ±Inf as 0; the bytes on disk hold them. (If this fails after an upgrade, the restore is
    no longer needed; the reading tests below pass either way.)"""
    path = tmp_path / "image.nii"
    path.write_bytes(nifti1(_with_non_finite()))
    on_disk = np.frombuffer(path.read_bytes(), "<f4", offset=352).reshape(ROWS, COLUMNS)
    assert np.isnan(on_disk[0, 0]) and np.isinf(on_disk[20, 30])
    decoded = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
    assert decoded[0, 0] == 0 and decoded[20, 30] == 0 and decoded[-1, -1] == 0


@pytest.mark.parametrize(
    ("label", "content"),
    [
        ("nii", nifti1),
        ("nii.gz", lambda a: gzip.compress(nifti1(a))),
        ("big-endian", lambda a: gzip.compress(nifti1(a, endian=">"))),
        ("float64", lambda a: nifti1(a.astype(np.float64))),
    ],
)
def test_non_finite_nifti_values_are_read_as_stored(tmp_path, label, content):
    pixels = _with_non_finite()
    path = tmp_path / "image.nii.gz"
    path.write_bytes(content(pixels))
    array, _ = read_itk_array(path)
    np.testing.assert_array_equal(array, pixels)  # NaN == NaN here; ±Inf in place


def test_non_finite_values_of_a_scaled_nifti_stay_non_finite(tmp_path):
    pixels = _with_non_finite()
    path = tmp_path / "image.nii"
    path.write_bytes(nifti1(pixels, slope=-2.0, intercept=1.0))
    array, _ = read_itk_array(path)
    np.testing.assert_array_equal(array, pixels * -2.0 + 1.0)  # inf → -inf, -inf → inf


@pytest.mark.parametrize(
    ("name", "compress"),
    [(n, c) for n, c in FORMATS if not n.endswith(".png")],
    ids=[i for i in FORMAT_IDS if i != "png"],
)
def test_every_float_format_keeps_non_finite_values(tmp_path, name, compress):
    """One rule for every format: what the file holds reaches the preprocessing's checks."""
    pixels = _with_non_finite()
    image = read_image(write_itk(tmp_path / name, pixels, compress=compress))
    np.testing.assert_array_equal(image.pixels, pixels)


def test_nan_in_a_nifti_mask_is_background(tmp_path):
    values = lesion().astype(np.float32)
    values[0, 0] = np.nan
    values[15, 25] = np.nan  # inside the lesion: background, as in every other format
    path = tmp_path / "mask.nii.gz"
    path.write_bytes(gzip.compress(nifti1(values)))
    expected = lesion()
    expected[15, 25] = False
    np.testing.assert_array_equal(read_mask(path), expected)


# -------------------------------------------------------------- 3. declared size


def _oversized_nifti(path: Path) -> Path:
    """A gzip NIfTI whose header declares 32 000 × 32 000 uint8 pixels over 1 000 bytes."""
    header = nifti1(np.zeros((1, 1), np.uint8), dim=(3, 32000, 32000, 1))[:-1]
    path.write_bytes(gzip.compress(header + bytes(1000)))
    return path


def _oversized_nrrd(path: Path) -> Path:
    path.write_bytes(b"NRRD0004\ntype: uint8\ndimension: 2\nsizes: 32000 32000\nencoding: raw\n\n")
    return path


def _oversized_mha(path: Path) -> Path:
    path.write_bytes(
        b"ObjectType = Image\nNDims = 2\nDimSize = 32000 32000\nElementType = MET_UCHAR\n"
        b"ElementDataFile = LOCAL\n"
    )
    return path


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("mask.nii.gz", _oversized_nifti),
        ("mask.nrrd", _oversized_nrrd),
        ("mask.mha", _oversized_mha),
        ("mask.png", lambda p: p.write_bytes(png_header_only(32000, 32000)) and p),
        ("mask.tif", lambda p: p.write_bytes(tiff_header_only(32000, 32000)) and p),
    ],
    ids=["nii.gz", "nrrd", "mha", "png", "tif"],
)
def test_a_header_declaring_too_many_pixels_is_refused_before_reading(tmp_path, name, make):
    path = make(tmp_path / name)
    started = time.perf_counter()
    message = _refused(read_mask, path, "32000 × 32000 pixels", "1024.0 megapixels")
    assert f"limit of {MAX_IMAGE_PIXELS // 1_000_000} megapixels" in message
    assert time.perf_counter() - started < 2.0  # before: seconds, and 2.1 GB of memory


def test_a_dicom_declaring_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = dicom_mammogram(tmp_path / "image.dcm", ramp(), Rows=32000, Columns=32000)
    _refused(read_image, path, "32000 × 32000 pixels", "megapixels per image")


def test_a_dicom_seg_declaring_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = dicom_seg_header(tmp_path / "seg.dcm", rows=40000, columns=40000)
    _refused(read_mask, path, "40000 × 40000 pixels", "megapixels per image")


def test_the_limit_itself_is_allowed(tmp_path):
    """At exactly the limit the size check passes; this header-only file then fails on its
    missing data, which shows the limit was not the reason."""
    side = int(MAX_IMAGE_PIXELS**0.5)
    path = tmp_path / "limit.nrrd"
    path.write_bytes(
        f"NRRD0004\ntype: uint8\ndimension: 2\nsizes: {side} {side}\nencoding: raw\n\n".encode()
    )
    message = _refused(read_mask, path, "the file is incomplete")
    assert "megapixels" not in message


# ------------------------------------------------------------------- 4. mask values


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("binary.nii.gz", lesion().astype(np.uint8)),
        ("labels255.png", lesion().astype(np.uint8) * 255),
        ("label7.nrrd", lesion().astype(np.uint16) * 7),
        ("signed.mha", lesion().astype(np.int16) * 2),
        ("float.nii.gz", lesion().astype(np.float32)),
        ("float255.tif", lesion().astype(np.float32) * 255),
    ],
)
def test_valid_masks_keep_reading(tmp_path, name, values):
    mask = read_mask(write_itk(tmp_path / name, values), shape=(ROWS, COLUMNS))
    np.testing.assert_array_equal(mask, lesion())


def _minus_one_background(dtype: str) -> np.ndarray:
    values = np.full((ROWS, COLUMNS), -1, dtype=dtype)
    values[lesion()] = 1
    return values


@pytest.mark.parametrize(
    ("name", "values", "reason"),
    [
        ("background.nii.gz", _minus_one_background("int16"), "hold negative values, e.g. -1"),
        ("background.nrrd", _minus_one_background("float32"), "hold negative values, e.g. -1"),
        ("int8_255.nii.gz", lesion().astype(np.int8) * -1, "hold negative values"),
        ("resampled.mha", lesion().astype(np.float32) * 0.5, "hold fractional values"),
        ("infinite.nii.gz", np.where(lesion(), np.float32(np.inf), np.float32(0)), "infinite"),
    ],
    ids=["minus-one-int16", "minus-one-float", "int8-255", "fractional", "infinite"],
)
def test_masks_whose_values_are_not_labels_are_refused(tmp_path, name, values, reason):
    """A background of -1 would make every pixel lesion; fractions need a threshold."""
    path = write_itk(tmp_path / name, values)
    _refused(read_mask, path, "not a valid mask", reason, "0 for background")


# ----------------------------------------------------------- 5. not regular files


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def _device(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.symlink_to("/dev/zero")
    return path


@pytest.mark.parametrize(
    ("function", "make", "name", "kind"),
    [
        ("model_core.io.read_image", _fifo, "image.nii.gz", "a FIFO (named pipe)"),
        ("model_core.io.read_mask", _fifo, "mask.nii.gz", "a FIFO (named pipe)"),
        ("model_core.io.read_image", _fifo, "image.dcm", "a FIFO (named pipe)"),
        ("model_core.io.read_image", _device, "image.nii", "a character device"),
        ("model_core.io.read_image", _device, "image.dcm", "a character device"),
        ("model_core.io.itk_image.read_itk_array", _fifo, "image.mha", "a FIFO (named pipe)"),
        ("model_core.io.dicom_file.read_dicom_dataset", _fifo, "x.dcm", "a FIFO (named pipe)"),
        ("model_core.io.dicom_seg.read_dicom_seg_mask", _device, "x.dcm", "a character device"),
    ],
)
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(
    tmp_path, call_in_child, function, make, name, kind
):
    path = make(tmp_path, name)
    outcome = call_in_child(function, path, timeout=60)  # a hang fails here, not forever
    assert outcome.stdout.startswith("ImageReadError: ")
    assert f"{path}: not a regular file ({kind})" in outcome.stdout


def _detached(tmp_path: Path, header: str, data: Path) -> Path:
    """A detached header (NRRD or MetaImage) for a 48 × 64 uint8 image in ``data``."""
    path = tmp_path / header
    if header.endswith(".nhdr"):
        path.write_text(
            f"NRRD0004\ntype: uint8\ndimension: 2\nsizes: 64 48\nencoding: raw\ndata file: {data}\n"
        )
    else:
        path.write_text(
            "ObjectType = Image\nNDims = 2\nDimSize = 64 48\nElementType = MET_UCHAR\n"
            f"ElementDataFile = {data}\n"
        )
    return path


@pytest.mark.parametrize("header", ["image.nhdr", "image.mhd"])
@pytest.mark.parametrize("data", ["fifo", "/dev/zero"])
def test_a_detached_data_file_that_is_not_regular_is_refused(tmp_path, call_in_child, header, data):
    """SimpleITK opens a .nhdr's data file while reading the header: a FIFO there blocked
    forever, and /dev/zero read as an image of zeros."""
    if data == "fifo":
        os.mkfifo(tmp_path / "fifo")
    path = _detached(tmp_path, header, Path(data))
    outcome = call_in_child("model_core.io.read_image", path, timeout=60)
    assert outcome.stdout.startswith("ImageReadError: ")
    target = tmp_path / data if data == "fifo" else Path(data)
    assert f"{target} (data file of {path}): not a regular file" in outcome.stdout


@pytest.mark.parametrize("header", ["image.nhdr", "image.mhd"])
@pytest.mark.parametrize("data", ["LIST", "slice%03d.raw 1 3 1"])
def test_several_data_files_are_refused(tmp_path, header, data):
    path = _detached(tmp_path, header, Path(data))
    _refused(read_image, path, "names several data files")


def test_a_folder_is_refused(tmp_path):
    path = tmp_path / "image.nii.gz"
    path.mkdir()
    _refused(read_image, path, "not a regular file (a folder)")
