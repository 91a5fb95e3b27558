"""The whole pipeline: channel order, sizes, dtype, binary mask, composition, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model_core.case import CesmCase, CesmImage
from model_core.errors import CesmError, PreprocessingError
from model_core.preprocessing import (
    CHANNELS,
    PreprocessedInput,
    PreprocessingSettings,
    equalise_histogram,
    lesion_crop_box,
    normalise_to_uint8,
    preprocess_arrays,
    preprocess_case,
    resize_grey,
    resize_mask,
)

# The paper's input sizes, written out here rather than read from our table.
PAPER_SIZES = {"xception": 299, "densenet121": 224, "resnet50": 224}


@pytest.mark.parametrize(("backbone", "size"), PAPER_SIZES.items())
def test_output_is_uint8_square_rgb_of_the_backbone_size(ramps, backbone: str, size: int) -> None:
    result = preprocess_arrays(*ramps, (0.1, 0.1), backbone=backbone)
    assert isinstance(result, PreprocessedInput)
    assert result.image.dtype == np.uint8
    assert result.image.shape == (size, size, 3)
    assert (result.input_size, result.backbone) == (size, backbone)
    assert CHANNELS == ("low_energy", "recombined", "mask")


def test_channel_order_r_low_energy_g_recombined_b_mask(ramps) -> None:
    result = preprocess_arrays(*ramps, (0.1, 0.1), backbone="resnet50")
    red, green, blue = (result.image[:, :, c].astype(int) for c in range(3))
    # R: the low-energy ramp grows along columns and is constant along rows.
    assert np.all(red == red[:1, :])
    assert np.all(np.diff(red[0]) >= 0) and red[0, -1] - red[0, 0] > 200
    # G: the recombined ramp grows along rows and is constant along columns.
    assert np.all(green == green[:, :1])
    assert np.all(np.diff(green[:, 0]) >= 0) and green[-1, 0] - green[0, 0] > 200
    # B: the mask, 255 inside the ellipse, 0 in the crop's corners.
    assert set(np.unique(blue)) == {0, 255}
    assert blue[112, 112] == 255 and blue[0, 0] == 0 and blue[-1, -1] == 0
    np.testing.assert_array_equal(result.low_energy, result.image[:, :, 0])
    np.testing.assert_array_equal(result.recombined, result.image[:, :, 1])
    np.testing.assert_array_equal(result.mask, result.image[:, :, 2])


@pytest.mark.parametrize("equalise", [True, False])
def test_pipeline_is_crop_normalise_equalise_resize(ramps, equalise: bool) -> None:
    rng = np.random.default_rng(5)
    low_energy = ramps[0] + rng.normal(0, 40, ramps[0].shape).astype(np.float32)
    recombined = rng.gamma(2.0, 10.0, ramps[1].shape).astype(np.float32)
    mask = ramps[2]
    settings = PreprocessingSettings(margin_mm=3.0, equalise=equalise)
    result = preprocess_arrays(
        low_energy, recombined, mask, (0.1, 0.2), input_size=128, settings=settings
    )
    box = lesion_crop_box(mask, (0.1, 0.2), 3.0)
    assert result.crop_box == box
    for channel, pixels in ((0, low_energy), (1, recombined)):
        grey = normalise_to_uint8(pixels[box.slices])
        if equalise:
            grey = equalise_histogram(grey)
        np.testing.assert_array_equal(result.image[:, :, channel], resize_grey(grey, 128))
    np.testing.assert_array_equal(result.image[:, :, 2], resize_mask(mask[box.slices], 128))


def test_normalisation_uses_the_crop_not_the_whole_image(ramps) -> None:
    low_energy, recombined, mask = (a.copy() for a in ramps)
    reference = preprocess_arrays(low_energy, recombined, mask, (0.1, 0.1), backbone="xception")
    # Extreme values and even NaN outside the crop box must not change anything.
    low_energy[0, 0] = 1e9
    recombined[-1, -1] = -1e9
    low_energy[-1, 0] = np.nan
    outside = np.ones(mask.shape, dtype=bool)
    outside[reference.crop_box.slices] = False
    assert outside[0, 0] and outside[-1, -1] and outside[-1, 0]
    result = preprocess_arrays(low_energy, recombined, mask, (0.1, 0.1), backbone="xception")
    np.testing.assert_array_equal(result.image, reference.image)


def test_non_finite_pixels_inside_the_crop_are_refused(ramps) -> None:
    low_energy, recombined, mask = (a.copy() for a in ramps)
    recombined[120, 150] = np.inf
    with pytest.raises(PreprocessingError, match="recombined: 1 NaN or infinite"):
        preprocess_arrays(low_energy, recombined, mask, (0.1, 0.1), backbone="xception")


@pytest.mark.parametrize(
    ("shape", "radii", "size"),
    [
        ((600, 700), (200, 250), 224),  # crop larger than the input: downsampled
        ((100, 90), (4, 3), 299),  # small lesion: upsampled
        ((400, 400), (150, 20), 224),  # elongated lesion: stretched differently per axis
    ],
)
def test_mask_channel_stays_binary_and_keeps_its_area(
    make_ellipse, shape, radii, size: int
) -> None:
    rng = np.random.default_rng(2)
    mask = make_ellipse(shape, (shape[0] / 2, shape[1] / 2), radii)
    images = rng.normal(500, 50, (2, *shape)).astype(np.float32)
    result = preprocess_arrays(images[0], images[1], mask, (0.1, 0.1), input_size=size)
    assert set(np.unique(result.mask)) == {0, 255}
    crop_fraction = mask[result.crop_box.slices].mean()
    assert (result.mask == 255).mean() == pytest.approx(crop_fraction, abs=0.02)


def test_explicit_input_size_and_agreeing_backbone(ramps) -> None:
    assert preprocess_arrays(*ramps, (0.1, 0.1), input_size=32).image.shape == (32, 32, 3)
    both = preprocess_arrays(*ramps, (0.1, 0.1), backbone="DenseNet121", input_size=224)
    assert (both.backbone, both.input_size) == ("densenet121", 224)


def test_result_is_read_only_and_describes_itself(ramps) -> None:
    result = preprocess_arrays(*ramps, (0.1, 0.2), backbone="xception")
    with pytest.raises(ValueError, match="read-only"):
        result.image[0, 0, 0] = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.input_size = 3  # type: ignore[misc]
    described = result.to_dict()
    assert described["crop_box"] == result.crop_box.to_dict()
    assert described["source_shape"] == [240, 300]
    assert described["settings"] == {"margin_mm": 5.0, "equalise": True}
    box = result.crop_box
    assert result.input_spacing_mm == pytest.approx((0.1 * box.height / 299, 0.2 * box.width / 299))
    assert "xception 299x299" in result.summary()


def _case(ramps, **changes) -> CesmCase:
    low_energy, recombined, mask = ramps
    fields = {
        "case_id": "C007",
        "low_energy": CesmImage(low_energy, (0.1, 0.1), source="c007_le.dcm"),
        "recombined": CesmImage(recombined, (0.1, 0.1), source="c007_re.dcm"),
        "mask": mask,
        "spacing_mm": (0.1, 0.1),
        "label": "malignant",
    }
    fields.update(changes)
    return CesmCase(**fields)


def test_preprocess_case_equals_preprocess_arrays(ramps) -> None:
    result = preprocess_case(_case(ramps), "resnet50")
    expected = preprocess_arrays(*ramps, (0.1, 0.1), backbone="resnet50")
    np.testing.assert_array_equal(result.image, expected.image)
    assert result.crop_box == expected.crop_box
    assert result.case_id == "C007"
    assert "case C007" in result.summary()


def test_preprocess_case_without_mask_names_case_and_field(ramps) -> None:
    with pytest.raises(PreprocessingError, match=r"case 'C007' \(c007_le.dcm\): mask"):
        preprocess_case(_case(ramps, mask=None), "xception")


def test_preprocess_case_prefixes_errors_with_the_case(ramps) -> None:
    with pytest.raises(PreprocessingError, match=r"case 'C007' .*spacing_mm"):
        preprocess_case(_case(ramps, spacing_mm=(0.0, 0.1)), "xception")
    with pytest.raises(PreprocessingError, match=r"case 'C007' .*backbone: unknown"):
        preprocess_case(_case(ramps), "vgg16")


# name: (changes to valid arguments, built from the ramps fixture; expected message)
BAD_INPUTS = {
    "unknown backbone": (lambda le, re, m: {"backbone": "inception"}, "backbone: unknown"),
    "no backbone nor size": (lambda le, re, m: {"backbone": None}, "backbone: give a backbone"),
    "size disagrees": (lambda le, re, m: {"input_size": 224}, "input_size: 224 disagrees"),
    "size zero": (lambda le, re, m: {"backbone": None, "input_size": 0}, "input_size: must be"),
    "size float": (
        lambda le, re, m: {"backbone": None, "input_size": 99.5},
        "input_size: expected a whole",
    ),
    "settings type": (
        lambda le, re, m: {"settings": {"margin_mm": 5}},
        "settings: expected PreprocessingSettings",
    ),
    "spacing None": (
        lambda le, re, m: {"spacing_mm": None},
        "spacing_mm: pixel spacing is unknown",
    ),
    "spacing zero": (lambda le, re, m: {"spacing_mm": (0.1, 0.0)}, "spacing_mm: column spacing"),
    "spacing negative": (lambda le, re, m: {"spacing_mm": (-0.1, 0.1)}, "spacing_mm: row spacing"),
    "empty mask": (lambda le, re, m: {"mask": np.zeros_like(m)}, "mask: is empty"),
    "mask shape": (lambda le, re, m: {"mask": m[:-1]}, r"mask: shape \(239, 300\) differs"),
    "recombined shape": (lambda le, re, m: {"recombined": re[:, :-2]}, "recombined: shape"),
    "3-D low energy": (lambda le, re, m: {"low_energy": le[None]}, "low_energy: expected a 2-D"),
    "1-D recombined": (lambda le, re, m: {"recombined": re[0]}, "recombined: expected a 2-D"),
    "text pixels": (
        lambda le, re, m: {"low_energy": np.full(le.shape, "1")},
        "low_energy: expected numeric",
    ),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_raises_preprocessing_error_naming_the_field(ramps, name: str) -> None:
    build_changes, message = BAD_INPUTS[name]
    low_energy, recombined, mask = ramps
    arguments = {
        "low_energy": low_energy,
        "recombined": recombined,
        "mask": mask,
        "spacing_mm": (0.1, 0.1),
        "backbone": "xception",
    }
    arguments.update(build_changes(*ramps))
    with pytest.raises(PreprocessingError, match=message) as raised:
        preprocess_arrays(**arguments)
    assert isinstance(raised.value, CesmError)
