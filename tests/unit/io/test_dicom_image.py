"""DICOM image reading: every grayscale-pipeline feature round-trips from a file we write."""

from __future__ import annotations

import copy

import numpy as np
import pydicom
import pytest
from cesm_files import COLUMNS, ROWS, mammogram_dataset, ramp
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_windowing
from pydicom.sequence import Sequence
from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

from model_core.case import DisplayWindow
from model_core.errors import ImageReadError
from model_core.io import read_image


def test_plain_image_keeps_stored_values_as_float32(write_dicom):
    path = write_dicom(ramp(12))
    image = read_image(path)
    assert image.pixels.dtype == np.float32
    assert image.shape == (ROWS, COLUMNS)
    np.testing.assert_array_equal(image.pixels, ramp(12))
    assert image.source == str(path)


def test_rescale_slope_and_intercept_give_modality_values(write_dicom):
    stored = ramp(12)
    image = read_image(write_dicom(stored, RescaleSlope=2.5, RescaleIntercept=-100))
    np.testing.assert_allclose(image.pixels, stored * 2.5 - 100)


def test_modality_lut_sequence_is_applied(write_dicom):
    stored = ramp(8).astype(np.uint16)
    lut = Dataset()
    lut.LUTDescriptor = [256, 0, 16]
    lut.add_new("LUTData", "US", [value * value for value in range(256)])  # not linear
    lut.ModalityLUTType = "US"
    image = read_image(write_dicom(stored, bits=8, ModalityLUTSequence=Sequence([lut])))
    np.testing.assert_array_equal(image.pixels, stored.astype(np.float64) ** 2)


@pytest.mark.parametrize(
    ("photometric", "shape", "inverted"),
    [
        ("MONOCHROME2", None, False),
        ("MONOCHROME2", "IDENTITY", False),
        ("MONOCHROME1", None, True),
        ("MONOCHROME2", "INVERSE", True),
        # DX/MG IODs pair MONOCHROME1 with INVERSE: one inversion, not two (PS3.3 C.8.11.6.1.2)
        ("MONOCHROME1", "INVERSE", True),
    ],
)
def test_inversion_makes_larger_brighter(write_dicom, photometric, shape, inverted):
    stored = ramp(12)
    extra = {"PresentationLUTShape": shape} if shape else {}
    image = read_image(write_dicom(stored, photometric=photometric, **extra))
    expected = 4095 - stored.astype(np.float64) if inverted else stored
    np.testing.assert_array_equal(image.pixels, expected)


def test_inversion_mirrors_inside_the_nominal_rescaled_range(write_dicom):
    stored = ramp(12)
    image = read_image(
        write_dicom(stored, photometric="MONOCHROME1", RescaleSlope=2, RescaleIntercept=-1000)
    )
    # nominal modality range: [-1000, 4095 * 2 - 1000]; mirrored: low + high - value
    expected = (-1000 + 4095 * 2 - 1000) - (stored * 2.0 - 1000)
    np.testing.assert_allclose(image.pixels, expected)


def test_multi_valued_windows_with_explanations(write_dicom):
    image = read_image(
        write_dicom(
            WindowCenter=[2000, 1500],
            WindowWidth=[4000, 600],
            WindowCenterWidthExplanation=["NORMAL", "HARDER"],
        )
    )
    assert image.windows == (
        DisplayWindow(2000.0, 4000.0, "LINEAR", "NORMAL"),
        DisplayWindow(1500.0, 600.0, "LINEAR", "HARDER"),
    )


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_voi_lut_function_is_recorded(write_dicom, function):
    image = read_image(write_dicom(WindowCenter=1800, WindowWidth=900, VOILUTFunction=function))
    assert image.windows == (DisplayWindow(1800.0, 900.0, function, ""),)


def test_windows_the_standard_forbids_are_left_out(write_dicom):
    image = read_image(write_dicom(WindowCenter=[100, 200], WindowWidth=[0, 50]))
    assert [(w.center, w.width) for w in image.windows] == [(200.0, 50.0)]


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
@pytest.mark.parametrize("photometric", ["MONOCHROME1", "MONOCHROME2"])
def test_window_shows_the_same_picture_as_pydicom_after_inversion(
    write_dicom, function, photometric
):
    """pydicom's windowing of the file, inverted for MONOCHROME1, is the oracle."""
    path = write_dicom(
        photometric=photometric,
        RescaleSlope=1.5,
        RescaleIntercept=-200,
        WindowCenter=2100,
        WindowWidth=1201,
        VOILUTFunction=function,
    )
    dataset = pydicom.dcmread(path)
    original = apply_windowing(apply_modality_lut(dataset.pixel_array, dataset), dataset)
    y_min, y_max = -200.0, 4095 * 1.5 - 200
    expected = (y_min + y_max) - original if photometric == "MONOCHROME1" else original

    image = read_image(path)
    (window,) = image.windows
    ours = copy.deepcopy(dataset)
    ours.WindowCenter, ours.WindowWidth = window.center, window.width
    shown = apply_windowing(image.pixels.astype(np.float64), ours)
    np.testing.assert_allclose(shown, expected, atol=1e-6 * (y_max - y_min))


def _voi_lut_item(first: int, outputs: list[int], explanation: str = "") -> Dataset:
    item = Dataset()
    item.LUTDescriptor = [len(outputs), first, 16]
    item.add_new("LUTData", "US", outputs)
    if explanation:
        item.LUTExplanation = explanation
    return item


def test_voi_lut_sequence_becomes_a_window_over_its_rise(write_dicom):
    # flat at 0 for 40 entries, a straight rise over 100 entries, flat at the top for 60
    rise = [round(65535 * (k + 1) / 100) for k in range(100)]
    outputs = [0] * 40 + rise + [65535] * 60
    first = 1000
    image = read_image(
        write_dicom(VOILUTSequence=Sequence([_voi_lut_item(first, outputs, "FILM")]))
    )
    (window,) = image.windows
    assert window.function == "LINEAR_EXACT"
    assert window.explanation == "FILM"
    # LINEAR_EXACT maps c - w/2 to the bottom and c + w/2 to the top: the LUT's flat parts
    inputs = np.arange(first, first + len(outputs))
    shown = np.clip((inputs - (window.center - window.width / 2)) / window.width, 0, 1) * 65535
    np.testing.assert_allclose(shown, outputs, atol=1.0)


def test_voi_lut_window_follows_a_monochrome1_inversion(write_dicom):
    outputs = [round(65535 * k / 99) for k in range(100)]
    image = read_image(
        write_dicom(
            photometric="MONOCHROME1", VOILUTSequence=Sequence([_voi_lut_item(500, outputs)])
        )
    )
    (window,) = image.windows
    # the LUT rises over inputs 500..599; mirrored in 0..4095 that is 3496..3595
    assert window.center - window.width / 2 == pytest.approx(4095 - 599)
    assert window.center + window.width / 2 == pytest.approx(4095 - 500)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (
            {
                "ImagerPixelSpacing": [0.1, 0.12],
                "EstimatedRadiographicMagnificationFactor": 1.25,
                "PixelSpacing": [0.3, 0.3],
            },
            (0.08, 0.096),
        ),
        ({"ImagerPixelSpacing": [0.1, 0.12], "PixelSpacing": [0.07, 0.09]}, (0.07, 0.09)),
        ({"PixelSpacing": [0.05, 0.06]}, (0.05, 0.06)),
        ({"ImagerPixelSpacing": [0.1, 0.12]}, (0.1, 0.12)),
        ({}, None),
    ],
    ids=["imager-over-magnification", "pixel-spacing", "pixel-only", "imager-only", "none"],
)
def test_pixel_spacing_precedence(write_dicom, attributes, expected):
    spacing = read_image(write_dicom(**attributes)).spacing_mm
    if expected is None:
        assert spacing is None
    else:
        assert spacing == pytest.approx(expected)


@pytest.mark.parametrize(
    ("attributes", "laterality", "view"),
    [
        ({"ImageLaterality": "R", "Laterality": "L", "ViewPosition": "MLO"}, "R", "MLO"),
        ({"Laterality": "L", "ViewPosition": "CC"}, "L", "CC"),
        ({"ImageLaterality": "B"}, None, None),
        (
            {
                "ImageLaterality": "L",
                "ViewCodeSequence": Sequence(
                    [Dataset.from_json({"00080104": {"vr": "LO", "Value": ["cranio-caudal"]}})]
                ),
            },
            "L",
            "CC",
        ),
    ],
    ids=["image-laterality-first", "laterality-fallback", "both-breasts", "view-code"],
)
def test_laterality_and_view(write_dicom, attributes, laterality, view):
    image = read_image(write_dicom(**attributes))
    assert (image.laterality, image.view) == (laterality, view)


def test_image_type_is_kept(write_dicom):
    image = read_image(write_dicom(ImageType=["ORIGINAL", "PRIMARY", "", "RECOMBINED"]))
    assert image.image_type == ("ORIGINAL", "PRIMARY", "", "RECOMBINED")


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless, JPEGLSLossless])
def test_compressed_transfer_syntaxes_decode_losslessly(write_dicom, syntax):
    stored = ramp(12)
    path = write_dicom(stored, compress=syntax, PixelSpacing=[0.1, 0.1])
    assert pydicom.dcmread(path).file_meta.TransferSyntaxUID == syntax
    np.testing.assert_array_equal(read_image(path).pixels, stored)


def test_file_without_preamble_is_read_by_extension(write_dicom, tmp_path):
    path = write_dicom(ramp(12))
    stripped = tmp_path / "no_preamble.dcm"
    stripped.write_bytes(path.read_bytes()[132:])  # drop preamble and DICM magic
    np.testing.assert_array_equal(read_image(stripped).pixels, ramp(12))


def test_file_without_extension_is_recognised_by_its_magic(write_dicom, tmp_path):
    path = write_dicom(ramp(12), name="IM000001")
    np.testing.assert_array_equal(read_image(path).pixels, ramp(12))


# ------------------------------------------------------------------------------- bad input


def _truncated(write_dicom, tmp_path):
    path = write_dicom(ramp(12))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    return path


def _multi_frame(write_dicom, tmp_path):
    return write_dicom(np.stack([ramp(12), ramp(12)]))


def _colour(write_dicom, tmp_path):
    return write_dicom(np.zeros((ROWS, COLUMNS, 3), np.uint8), photometric="RGB", bits=8)


def _no_pixels(write_dicom, tmp_path):
    path = write_dicom(ramp(12))
    dataset = pydicom.dcmread(path)
    del dataset.PixelData
    dataset.save_as(path)
    return path


def _garbage(write_dicom, tmp_path):
    path = tmp_path / "garbage.dcm"
    path.write_bytes(b"this is not DICOM at all" * 20)
    return path


def _empty(write_dicom, tmp_path):
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    return path


def _bad_spacing(write_dicom, tmp_path):
    return write_dicom(PixelSpacing=[0.1, 0])


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_truncated, "cannot decode the pixel data"),
        (_multi_frame, "multi-frame DICOM (2 frames)"),
        (_colour, "colour or unsupported image"),
        (_no_pixels, "no pixel data"),
        (_garbage, "not a DICOM file"),
        (_empty, "not a"),
        (_bad_spacing, "PixelSpacing"),
    ],
    ids=["truncated", "multi-frame", "colour", "no-pixels", "garbage", "empty", "bad-spacing"],
)
def test_bad_dicom_raises_image_read_error_naming_file_and_reason(
    write_dicom, tmp_path, make, reason
):
    path = make(write_dicom, tmp_path)
    with pytest.raises(ImageReadError) as caught:
        read_image(path)
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)


def test_dataset_fixture_is_a_valid_mammogram():
    """Guard for the fixture: the factory must produce what the tests above assume."""
    dataset = mammogram_dataset(ramp(12))
    assert (dataset.Rows, dataset.Columns, dataset.BitsStored) == (ROWS, COLUMNS, 12)
    assert dataset.PixelRepresentation == 0


def test_malformed_window_values_are_left_out(write_dicom):
    path = write_dicom(WindowCenter=[777, 300], WindowWidth=[200, 400])
    data = path.read_bytes()
    assert data.count(b"777.0\\300") == 1
    path.write_bytes(data.replace(b"777.0", b"xyz.0"))  # not a Decimal String
    image = read_image(path)
    assert [(w.center, w.width) for w in image.windows] == [(300.0, 400.0)]


def _replace_value(path, tag_and_vr: bytes, old: bytes, new: bytes) -> None:
    """Overwrite one element's value in the file with bytes pydicom would refuse to write."""
    data = path.read_bytes()
    assert len(old) == len(new)
    assert data.count(tag_and_vr + old) == 1
    path.write_bytes(data.replace(tag_and_vr + old, tag_and_vr + new))


def _decimal_comma_magnification(write_dicom, tmp_path):
    path = write_dicom(
        ImagerPixelSpacing=[0.1, 0.1], EstimatedRadiographicMagnificationFactor=1.2345
    )
    # (0018,1114) DS, 6 bytes: a decimal comma, as some European exporters write it
    _replace_value(path, b"\x18\x00\x14\x11DS\x06\x00", b"1.2345", b"1,2345")
    return path


def _two_magnifications(write_dicom, tmp_path):
    return write_dicom(
        ImagerPixelSpacing=[0.1, 0.1], EstimatedRadiographicMagnificationFactor=[1.1, 1.2]
    )


def _malformed_frame_count(write_dicom, tmp_path):
    path = write_dicom(NumberOfFrames=1)
    _replace_value(path, b"\x28\x00\x08\x00IS\x02\x00", b"1 ", b"x ")  # (0028,0008) IS
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_decimal_comma_magnification, "EstimatedRadiographicMagnificationFactor"),
        (_two_magnifications, "EstimatedRadiographicMagnificationFactor"),
        (_malformed_frame_count, "NumberOfFrames"),
    ],
    ids=["decimal-comma-magnification", "two-magnifications", "malformed-frame-count"],
)
@pytest.mark.filterwarnings("ignore:Invalid value for VR:UserWarning")  # pydicom, on reading
def test_malformed_header_values_raise_image_read_error_not_a_traceback(
    write_dicom, tmp_path, make, reason
):
    path = make(write_dicom, tmp_path)
    with pytest.raises(ImageReadError) as caught:
        read_image(path)
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)


def test_malformed_voi_lut_items_are_left_out(write_dicom):
    without_data = Dataset()
    without_data.LUTDescriptor = [100, 0, 16]
    without_descriptor = Dataset()
    without_descriptor.add_new("LUTData", "US", list(range(100)))
    good = _voi_lut_item(500, [round(65535 * k / 99) for k in range(100)], "GOOD")
    image = read_image(
        write_dicom(VOILUTSequence=Sequence([without_data, without_descriptor, good]))
    )
    assert [window.explanation for window in image.windows] == ["GOOD"]
