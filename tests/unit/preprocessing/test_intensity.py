"""Normalisation to 0–255 and histogram equalisation, against hand-computed values and Pillow."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageOps

from model_core.errors import PreprocessingError
from model_core.preprocessing import equalisation_lut, equalise_histogram, normalise_to_uint8


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.0, 1.0, 2.0], [0, 128, 255]),  # 127.5 rounds half to even: 128
        ([10, 20, 30, 40], [0, 85, 170, 255]),
        ([-1.0, 0.0, 1.0], [0, 128, 255]),
        ([4095, 0, 1365], [255, 0, 85]),  # 12-bit detector range
        ([[3.0, 5.0], [4.0, 3.0]], [[0, 255], [128, 0]]),
    ],
)
def test_normalise_hand_computed(values, expected) -> None:
    result = normalise_to_uint8(np.asarray(values))
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, np.asarray(expected, dtype=np.uint8))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint16, np.int32])
def test_normalise_spans_the_full_range(dtype) -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(100, 60000, size=(64, 48)).astype(dtype)
    result = normalise_to_uint8(values)
    assert result.dtype == np.uint8
    assert result.shape == values.shape
    assert (result.min(), result.max()) == (0, 255)
    assert result[values == values.min()].max() == 0
    assert result[values == values.max()].min() == 255
    # Linear and order-preserving: sorting the input sorts the output.
    order = np.argsort(values, axis=None, kind="stable")
    assert np.all(np.diff(result.ravel()[order].astype(int)) >= 0)


@pytest.mark.parametrize("value", [0.0, 7.5, -3.0, 1e6])
def test_normalise_constant_region_gives_zeros(value: float) -> None:
    result = normalise_to_uint8(np.full((5, 7), value))
    assert result.dtype == np.uint8
    assert not result.any()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_normalise_refuses_non_finite_values_naming_the_field(bad: float) -> None:
    values = np.ones((4, 4))
    values[1, 2] = bad
    with pytest.raises(PreprocessingError, match=r"low_energy: 1 NaN or infinite"):
        normalise_to_uint8(values, "low_energy")


def test_normalise_refuses_an_empty_array() -> None:
    with pytest.raises(PreprocessingError, match="empty"):
        normalise_to_uint8(np.zeros((0, 3)))


def _levels(counts: dict[int, int]) -> np.ndarray:
    return np.repeat(np.array(list(counts), dtype=np.uint8), list(counts.values()))[None, :]


def test_equalise_equal_frequencies_hand_computed_and_as_pillow() -> None:
    # Four grey values, 85 pixels each: cdf = 85, 170, 255, 340; (cdf - 85) * 255 / 255.
    image = _levels({10: 85, 20: 85, 30: 85, 40: 85})
    result = equalise_histogram(image)
    np.testing.assert_array_equal(np.unique(result), [0, 85, 170, 255])
    assert np.all(result[image == 20] == 85)
    pillow = np.asarray(ImageOps.equalize(Image.fromarray(image)))
    np.testing.assert_array_equal(result, pillow)


def test_equalise_unequal_frequencies_hand_computed() -> None:
    # cdf = 2, 3, 4 for values 0, 1, 2; (cdf - 2) * 255 / 2 = 0, 127.5 -> 128, 255.
    image = _levels({0: 2, 1: 1, 2: 1})
    np.testing.assert_array_equal(equalise_histogram(image), [[0, 0, 128, 255]])
    # Pillow leaves an image this small unchanged (the reason we do not use it, see module).
    np.testing.assert_array_equal(np.asarray(ImageOps.equalize(Image.fromarray(image))), image)


def test_equalised_histogram_has_a_uniform_cdf() -> None:
    rng = np.random.default_rng(7)
    grey = normalise_to_uint8(rng.normal(100.0, 20.0, size=(300, 300)))
    result = equalise_histogram(grey)
    n = grey.size
    histogram = np.bincount(grey.ravel(), minlength=256)
    # At each output level v, the fraction of pixels <= v must be v / 255, up to the darkest
    # bin's mass (it goes to 0 whatever its size) and the rounding of v to an integer.
    levels = np.unique(result)
    empirical_cdf = np.array([(result <= v).sum() / n for v in levels])
    tolerance = histogram[histogram > 0][0] / n + 0.5 / 255 + 1e-12
    assert np.max(np.abs(empirical_cdf - levels / 255)) <= tolerance
    # The input CDF was far from uniform: the test would fail without equalisation.
    input_cdf = np.array([(grey <= v).sum() / n for v in np.unique(grey)])
    assert np.max(np.abs(input_cdf - np.unique(grey) / 255)) > 0.2


def test_equalise_agrees_with_pillow_within_one_bin() -> None:
    """Pillow maps each value to the mass *below* it, we (as OpenCV) to the mass up to it.

    The two can therefore differ by at most one bin's share of 255 grey levels (plus
    rounding), and by no more: a check of our mapping against an independent implementation.
    """
    rng = np.random.default_rng(3)
    grey = normalise_to_uint8(rng.gamma(2.0, 30.0, size=(400, 300)))
    ours = equalise_histogram(grey).astype(int)
    pillow = np.asarray(ImageOps.equalize(Image.fromarray(grey))).astype(int)
    largest_bin = np.bincount(grey.ravel()).max() / grey.size
    assert np.max(np.abs(ours - pillow)) <= math.ceil(255 * largest_bin) + 2
    assert np.corrcoef(ours.ravel(), pillow.ravel())[0, 1] > 0.999


def test_equalise_is_monotonic_and_spans_0_to_255() -> None:
    rng = np.random.default_rng(11)
    grey = rng.integers(30, 200, size=(50, 60), dtype=np.uint8)
    result = equalise_histogram(grey)
    lut = equalisation_lut(grey)
    present = np.unique(grey)
    assert np.all(np.diff(lut[present].astype(int)) >= 0)
    assert result[grey == present[0]].max() == 0
    assert result[grey == present[-1]].min() == 255
    np.testing.assert_array_equal(result, lut[grey])


@pytest.mark.parametrize("value", [0, 7, 255])
def test_equalise_constant_image_is_unchanged(value: int) -> None:
    image = np.full((6, 9), value, dtype=np.uint8)
    np.testing.assert_array_equal(equalise_histogram(image), image)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((4, 4), dtype=np.float32),
        np.zeros((4, 4), dtype=np.uint16),
        np.zeros((0,), np.uint8),
    ],
    ids=["float32", "uint16", "empty"],
)
def test_equalise_refuses_anything_but_uint8(image: np.ndarray) -> None:
    with pytest.raises(PreprocessingError, match="image"):
        equalise_histogram(image)
