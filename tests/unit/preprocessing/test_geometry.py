"""Mapping the model input (and heat maps over it) back onto the full image."""

from __future__ import annotations

import numpy as np
import pytest

from model_core.errors import PreprocessingError
from model_core.preprocessing import (
    CropBox,
    PreprocessingSettings,
    heatmap_to_source,
    input_to_source,
    preprocess_arrays,
    source_to_input,
)


def test_input_square_edges_map_to_crop_box_edges() -> None:
    box = CropBox(50, 160, 150, 270)  # 110 x 120 px
    rows, cols = input_to_source(np.array([-0.5, 298.5]), np.array([-0.5, 298.5]), box, 299)
    np.testing.assert_allclose(rows, [49.5, 159.5])  # outer edges of the first and last row
    np.testing.assert_allclose(cols, [149.5, 269.5])
    # Hand-computed centre of input pixel (0, 0): 50 + 0.5 * 110 / 299 - 0.5.
    row, col = input_to_source(0, 0, box, 299)
    assert float(row) == pytest.approx(50 + 55 / 299 - 0.5)
    assert float(col) == pytest.approx(150 + 60 / 299 - 0.5)


def test_source_to_input_inverts_input_to_source() -> None:
    box = CropBox(3, 40, 7, 100)
    rng = np.random.default_rng(0)
    rows, cols = rng.uniform(-1, 224, 50), rng.uniform(-1, 224, 50)
    back = source_to_input(*input_to_source(rows, cols, box, 224), box, 224)
    np.testing.assert_allclose(back[0], rows)
    np.testing.assert_allclose(back[1], cols)


def test_mapping_matches_what_the_pipeline_did(make_ellipse) -> None:
    """Without equalisation, a linear ramp stays linear: R at an input pixel must equal the
    ramp's normalised value at the source column the mapping gives (Pillow, upsampling)."""
    shape = (120, 160)
    low_energy = np.tile(np.arange(shape[1], dtype=np.float32), (shape[0], 1))
    mask = make_ellipse(shape, (60, 80), (10, 15))
    settings = PreprocessingSettings(equalise=False)
    result = preprocess_arrays(
        low_energy, low_energy, mask, (0.5, 0.5), input_size=299, settings=settings
    )
    box = result.crop_box
    assert box == CropBox(40, 81, 55, 106)  # lesion rows 50..70, cols 65..95, 10 px margin
    cols = np.arange(5, 294)  # away from the edges, where Pillow clamps
    _, source_cols = input_to_source(0, cols, box, 299)
    expected = (source_cols - box.col_start) / (box.width - 1) * 255
    np.testing.assert_allclose(result.low_energy[0, cols], expected, atol=1.0)


def test_constant_heatmap_fills_exactly_the_crop_box() -> None:
    box = CropBox(10, 30, 5, 45)
    mapped = heatmap_to_source(np.ones((7, 7)), box, (50, 60))
    assert mapped.dtype == np.float32 and mapped.shape == (50, 60)
    np.testing.assert_allclose(mapped[box.slices], 1.0)
    outside = np.ones((50, 60), dtype=bool)
    outside[box.slices] = False
    assert not mapped[outside].any()
    with_nan = heatmap_to_source(np.ones((7, 7)), box, (50, 60), fill=np.nan)
    assert np.isnan(with_nan[outside]).all() and not np.isnan(with_nan[box.slices]).any()


def test_mask_channel_maps_back_onto_the_lesion(make_ellipse) -> None:
    shape = (500, 400)
    mask = make_ellipse(shape, (260, 180), (60, 25))  # elongated: stretched unequally
    rng = np.random.default_rng(4)
    images = rng.normal(0, 1, (2, *shape)).astype(np.float32)
    result = preprocess_arrays(images[0], images[1], mask, (0.1, 0.1), backbone="xception")
    back = result.heatmap_to_source(result.mask / 255.0) >= 0.5
    intersection = np.logical_and(back, mask).sum()
    union = np.logical_or(back, mask).sum()
    assert intersection / union > 0.97


def test_heatmap_peak_maps_to_input_to_source_of_the_peak() -> None:
    box = CropBox(100, 180, 40, 200)
    size = 224
    rows, cols = np.mgrid[:size, :size]
    peak = (60.0, 150.0)
    heatmap = np.exp(-((rows - peak[0]) ** 2 + (cols - peak[1]) ** 2) / (2 * 12.0**2))
    mapped = heatmap_to_source(heatmap, box, (300, 300))
    found = np.unravel_index(np.argmax(mapped), mapped.shape)
    expected = input_to_source(*peak, box, size)
    assert abs(found[0] - float(expected[0])) <= 1.0
    assert abs(found[1] - float(expected[1])) <= 1.0


@pytest.mark.parametrize(
    ("heatmap", "box", "shape", "message"),
    [
        (np.ones((3, 3, 1)), CropBox(0, 5, 0, 5), (10, 10), "heatmap: expected"),
        (np.full((3, 3), np.nan), CropBox(0, 5, 0, 5), (10, 10), "heatmap: contains NaN"),
        (np.ones((3, 3)), CropBox(0, 11, 0, 5), (10, 10), "does not fit"),
    ],
)
def test_heatmap_errors(heatmap, box, shape, message: str) -> None:
    with pytest.raises(PreprocessingError, match=message):
        heatmap_to_source(heatmap, box, shape)
