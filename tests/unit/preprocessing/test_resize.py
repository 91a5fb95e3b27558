"""Stretching the crop to the backbone's square: bilinear for grey values, nearest for the mask."""

from __future__ import annotations

import numpy as np
import pytest

from model_core.errors import PreprocessingError
from model_core.preprocessing import resize_grey, resize_mask


def test_mask_upsampled_by_a_whole_factor_repeats_each_pixel() -> None:
    rng = np.random.default_rng(8)
    mask = rng.random((7, 7)) > 0.5
    expected = np.kron(mask, np.ones((4, 4), dtype=bool)).astype(np.uint8) * 255
    np.testing.assert_array_equal(resize_mask(mask, 28), expected)


@pytest.mark.parametrize(("shape", "size"), [((37, 53), 224), ((700, 310), 299), ((1, 1), 8)])
def test_mask_is_0_or_255_at_any_scale(shape: tuple[int, int], size: int) -> None:
    rng = np.random.default_rng(12)
    mask = rng.random(shape) > 0.3
    result = resize_mask(mask, size)
    assert result.dtype == np.uint8 and result.shape == (size, size)
    assert set(np.unique(result)) <= {0, 255}


def test_grey_resize_stretches_each_axis_to_the_square() -> None:
    # A 2:1 crop: a step along columns stays a step at the middle column.
    image = np.zeros((50, 100), dtype=np.uint8)
    image[:, 50:] = 200
    result = resize_grey(image, 64)
    assert result.shape == (64, 64) and result.dtype == np.uint8
    assert np.all(result[:, :31] == 0) and np.all(result[:, 33:] == 200)
    assert np.all(result == result[:1, :])  # nothing changes along rows


@pytest.mark.parametrize("value", [0, 93, 255])
def test_grey_resize_keeps_a_constant_image_constant(value: int) -> None:
    result = resize_grey(np.full((13, 29), value, dtype=np.uint8), 224)
    assert np.all(result == value)


@pytest.mark.parametrize(
    "image", [np.zeros((5, 5), np.float32), np.zeros((5, 5, 3), np.uint8)], ids=["float", "3-D"]
)
def test_grey_resize_needs_2d_uint8(image: np.ndarray) -> None:
    with pytest.raises(PreprocessingError, match="image: bilinear resize"):
        resize_grey(image, 10)
