"""SimpleITK formats: array order, spacing order, singleton slices, and bad files."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk  # noqa: N813
from cesm_files import COLUMNS, ROWS, ramp, write_itk

from model_core.errors import ImageReadError
from model_core.io import read_image, read_mask

# ITK spacing is (x = column, y = row): 0.2 mm between columns, 0.1 mm between rows.
ITK_SPACING = (0.2, 0.1)


@pytest.mark.parametrize(
    ("name", "spacing"),
    [
        ("image.nii", (0.1, 0.2)),
        ("image.nii.gz", (0.1, 0.2)),
        ("image.nrrd", (0.1, 0.2)),
        ("image.mha", (0.1, 0.2)),
        ("image.tif", (0.1, 0.2)),
        ("image.png", None),
    ],
)
def test_formats_give_rows_columns_and_row_column_spacing(tmp_path, name, spacing):
    pixels = ramp(12)
    image = read_image(write_itk(tmp_path / name, pixels, ITK_SPACING))
    assert image.shape == (ROWS, COLUMNS)
    assert image.pixels.dtype == np.float32
    np.testing.assert_array_equal(image.pixels, pixels)
    if spacing is None:
        assert image.spacing_mm is None
    else:
        assert image.spacing_mm == pytest.approx(spacing, rel=1e-6)


def test_tiff_without_resolution_has_unknown_spacing(tmp_path):
    path = write_itk(tmp_path / "plain.tif", ramp(12))  # ITK default 1 x 1
    assert read_image(path).spacing_mm is None


@pytest.mark.parametrize("name", ["converted.nii.gz", "converted.nrrd", "converted.mha"])
def test_one_millimetre_pixels_are_unknown_spacing(tmp_path, name):
    """GDCM drops Pixel Spacing of MG DICOM: a converted NIfTI says 1 x 1 mm, which is not true."""
    path = write_itk(tmp_path / name, ramp(12), spacing=(1.0, 1.0))
    assert read_image(path).spacing_mm is None


def test_single_slice_volume_is_squeezed(tmp_path):
    pixels = ramp(12)
    image = read_image(write_itk(tmp_path / "itksnap.nii.gz", pixels[np.newaxis], ITK_SPACING))
    np.testing.assert_array_equal(image.pixels, pixels)
    assert image.spacing_mm == pytest.approx((0.1, 0.2), rel=1e-6)


def test_float_image_keeps_its_values(tmp_path):
    pixels = ramp(12).astype(np.float32) / 7.0 - 3.0
    image = read_image(write_itk(tmp_path / "float.mha", pixels, ITK_SPACING))
    np.testing.assert_array_equal(image.pixels, pixels)


def _volume(tmp_path):
    return write_itk(tmp_path / "volume.nii.gz", np.stack([ramp(12)] * 3), ITK_SPACING)


def _colour(tmp_path):
    path = tmp_path / "colour.png"
    rgb = sitk.GetImageFromArray(np.zeros((ROWS, COLUMNS, 3), np.uint8), isVector=True)
    sitk.WriteImage(rgb, str(path))
    return path


def _corrupt(tmp_path):
    path = tmp_path / "corrupt.nii"
    path.write_bytes(b"\x00garbage" * 50)
    return path


def _truncated(tmp_path):
    path = write_itk(tmp_path / "truncated.nrrd", ramp(12), ITK_SPACING)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _unsupported(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    return path


def _missing(tmp_path):
    return tmp_path / "does_not_exist.nii.gz"


def _directory(tmp_path):
    path = tmp_path / "folder.nii"
    path.mkdir()
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_volume, "3-D image of size (64, 48, 3)"),
        (_colour, "colour or vector image (3 components"),
        (_corrupt, "cannot read the image"),
        (_truncated, "cannot read the pixel data"),
        (_unsupported, "unsupported format '.jpg'"),
        (_missing, "no such file"),
        (_directory, "not a regular file"),
    ],
    ids=["3d-volume", "colour", "corrupt", "truncated", "unsupported", "missing", "directory"],
)
def test_bad_files_raise_image_read_error_naming_file_and_reason(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(ImageReadError) as caught:
        read_image(path)
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)


def test_nul_in_a_file_name_is_an_image_read_error():
    with pytest.raises(ImageReadError, match="NUL character"):
        read_image("images/a\x00.dcm")


# ---------------------------------------------------------------------------- the data root


def _detached_pair(folder, extension: str):
    """``folder/root/image.<extension>`` (a detached header written by SimpleITK) whose data
    file is moved to ``folder/elsewhere``, with the header naming it there."""
    root = folder / "root"
    root.mkdir()
    pixels = ramp(12)
    header = write_itk(root / f"image.{extension}", pixels, ITK_SPACING)
    data = folder / "elsewhere" / "image.raw"
    data.parent.mkdir()
    (root / "image.raw").rename(data)
    text = header.read_text(encoding="ascii")
    key = "data file: " if extension == "nhdr" else "ElementDataFile = "
    header.write_text(text.replace(f"{key}image.raw", f"{key}../elsewhere/image.raw"), "ascii")
    return root.resolve(), header, pixels


@pytest.mark.parametrize(("extension", "name"), [("nhdr", "NRRD"), ("mhd", "MetaImage")])
def test_a_detached_data_file_must_lie_inside_the_data_root(tmp_path, extension, name):
    root, header, pixels = _detached_pair(tmp_path, extension)
    np.testing.assert_array_equal(read_image(header).pixels, pixels)  # unconfined: read
    with pytest.raises(ImageReadError) as refused:
        read_image(header, confine_to=root)
    assert str(refused.value) == (
        f"{header}: the data file '../elsewhere/image.raw' that the {name} header names is "
        f"outside the data root {root} (it resolves to {tmp_path.resolve()}/elsewhere/"
        "image.raw); it is not read"
    )
    with pytest.raises(ImageReadError, match="is outside the data root"):
        read_mask(header, confine_to=root)
    assert read_image(header, confine_to=tmp_path.resolve()).shape == (ROWS, COLUMNS)


def test_the_file_itself_must_lie_inside_the_data_root(tmp_path):
    image = write_itk(tmp_path / "image.nrrd", ramp(12), ITK_SPACING)
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(ImageReadError, match=f"outside the data root {root.resolve()}"):
        read_image(image, confine_to=root.resolve())
