"""The small pieces: pyramid levels, orientation finding, windows, outline, heat-map colours."""

from __future__ import annotations

import numpy as np
import pytest
from cesm_files import lesion
from viewer_cases import breast_pixels

from model_core.case import DisplayWindow
from reader_app.viewer.display_pyramid import (
    build_pyramid,
    compact_pixels,
    fit_scale,
    halve,
    level_for_scale,
)
from reader_app.viewer.heatmap_colours import colour_table, heatmap_rgba, resample_heatmap
from reader_app.viewer.lesion_outline import grow, lesion_outline, mask_box
from reader_app.viewer.orientation import breast_region, chest_wall_side, needs_mirroring
from reader_app.viewer.window_presets import Window, window_presets


def test_halve_averages_blocks_and_repeats_an_odd_edge() -> None:
    level = np.array([[0, 2, 4], [2, 4, 8]], dtype=np.uint16)
    assert halve(level).tolist() == [[2, 6]]  # (0+2+2+4)/4, (4+4+8+8)/4
    assert halve(level).dtype == np.uint16


def test_pyramid_keeps_full_resolution_and_stops_small() -> None:
    levels = build_pyramid(np.ones((1000, 700), dtype=np.float32) * 7)
    assert [level.shape for level in levels] == [(1000, 700), (500, 350), (250, 175)]
    assert all(level.dtype == np.uint16 for level in levels)  # whole numbers: compacted


@pytest.mark.parametrize(
    ("pixels", "dtype"),
    [
        (np.array([[0.0, 65535.0]]), np.uint16),
        (np.array([[0.5, 1.0]]), np.float32),  # fractions
        (np.array([[-1.0, 1.0]]), np.float32),  # negative (CT-like modality units)
        (np.array([[0.0, 70000.0]]), np.float32),  # beyond 16 bits
    ],
)
def test_compaction_never_loses_values(pixels: np.ndarray, dtype: type) -> None:
    compact = compact_pixels(pixels)
    assert compact.dtype == dtype
    np.testing.assert_array_equal(compact.astype(np.float64), pixels)


@pytest.mark.parametrize(
    ("scale", "level"), [(0.5, 0), (1.0, 0), (1.9, 0), (2.0, 1), (2.7, 1), (4.1, 2), (100.0, 2)]
)
def test_level_for_scale(scale: float, level: int) -> None:
    levels = build_pyramid(np.zeros((1000, 800), dtype=np.uint16))
    assert level_for_scale(levels, scale) == level


def test_fit_scale() -> None:
    assert fit_scale((2294, 1914), (1000, 900)) == pytest.approx(2.294)
    with pytest.raises(ValueError):
        fit_scale((10, 10), (0, 5))


@pytest.mark.parametrize(
    ("chest_wall", "laterality", "mirror"),
    [
        ("left", "L", False),
        ("left", "R", True),
        ("right", "R", False),
        ("right", "L", True),
        ("left", None, False),
    ],
)
def test_chest_wall_side_and_mirroring(
    chest_wall: str, laterality: str | None, mirror: bool
) -> None:
    tissue = breast_region(breast_pixels(chest_wall))
    assert chest_wall_side(tissue) == chest_wall
    assert needs_mirroring(tissue, laterality) is mirror


def test_a_flat_or_symmetric_image_is_not_guessed() -> None:
    assert chest_wall_side(breast_region(np.full((40, 40), 9, dtype=np.uint16))) is None
    symmetric = np.zeros((40, 40), dtype=np.uint16)
    symmetric[:, :3] = symmetric[:, -3:] = 100
    assert needs_mirroring(breast_region(symmetric), "R") is False


def test_window_levels_round_trip_and_drag() -> None:
    window = Window.from_levels(100.0, 300.0)
    assert window.levels == pytest.approx((100.0, 300.0))
    dragged = window.dragged(d_center=10, d_width=-1000)
    assert dragged.center == window.center + 10 and dragged.width > 0
    with pytest.raises(ValueError):
        Window(0, 0)


def test_presets_take_the_files_window_and_skip_a_malformed_one() -> None:
    pixels = breast_pixels("left")
    tissue = breast_region(pixels)
    presets = window_presets(pixels, tissue, (DisplayWindow(1700, 800),))
    assert presets["Default"] == Window(1700, 800)
    dense_black, _ = presets["Dense"].levels
    soft_black, soft_white = presets["Soft"].levels
    default_black, default_white = window_presets(pixels, tissue)["Default"].levels
    assert dense_black > default_black  # dense: the bright half of the breast
    assert soft_black < default_black and soft_white > default_white  # soft: wider
    malformed = window_presets(pixels, tissue, (DisplayWindow(1700, 0), DisplayWindow(900, 50)))
    assert malformed["Default"] == Window(900, 50)


def test_outline_of_a_rectangle_runs_along_its_pixel_edges() -> None:
    mask = lesion(top=10, left=20, height=12, width=10)
    assert mask_box(mask) == (10, 20, 22, 30)
    segments = lesion_outline(mask)
    assert segments is not None and segments.shape[1:] == (2, 2)
    x, y = segments[..., 0], segments[..., 1]
    assert (x.min(), x.max(), y.min(), y.max()) == (20.0, 30.0, 10.0, 22.0)
    assert lesion_outline(np.zeros((5, 5), dtype=bool)) is None


def test_outline_of_a_lesion_at_the_border_is_closed() -> None:
    mask = np.zeros((20, 20), dtype=bool)
    mask[0:5, 0:5] = True
    segments = lesion_outline(mask, margin=2)
    assert segments is not None
    _, counts = np.unique(segments.reshape(-1, 2), axis=0, return_counts=True)
    assert np.all(counts == 2)


def test_grow_reaches_about_the_margin_in_every_direction() -> None:
    mask = np.zeros((41, 41), dtype=bool)
    mask[20, 20] = True
    grown = grow(mask, 10)
    assert grown[20, 10] and grown[20, 30] and grown[10, 20] and grown[30, 20]
    assert not grown[20, 9] and not grown[9, 20]
    assert grown[27, 27] and not grown[29, 29]  # corners cut: close to a disc of radius 10


def test_heatmap_colours_are_transparent_low_and_opaque_high() -> None:
    table = colour_table()
    assert table.shape == (256, 4) and table.dtype == np.uint8
    assert table[0, 3] == 0 and table[255, 3] == 255
    assert table[255, 0] > table[255, 2]  # high is red, not blue
    rgba = heatmap_rgba(np.array([[0.0, 1.0], [np.nan, 0.5]]))
    assert rgba.shape == (2, 2, 4)
    assert rgba[0, 0, 3] == 0 and rgba[1, 0, 3] == 0 and rgba[0, 1, 3] == 255


def test_resampled_heatmap_keeps_its_place_on_the_image() -> None:
    heatmap = np.zeros((4, 4), dtype=np.float16)
    heatmap[0, 3] = 1.0  # top-right quarter of the image... at 1/4 resolution
    resampled = resample_heatmap(heatmap, (40, 40))
    assert resampled.shape == (40, 40) and resampled.dtype == np.float32
    assert resampled[2, 37] == pytest.approx(1.0)
    assert resampled[37, 2] == 0.0
    with pytest.raises(ValueError):
        resample_heatmap(np.zeros(5), (4, 4))
