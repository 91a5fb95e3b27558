"""Lesion bounding box + margin in millimetres: exact boxes computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model_core.errors import PreprocessingError
from model_core.preprocessing import CropBox, lesion_bounding_box, lesion_crop_box, margin_pixels


def _mask(shape: tuple[int, int], rows: slice, cols: slice) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[rows, cols] = True
    return mask


def test_hand_computed_box_isotropic() -> None:
    # Lesion rows 100..109, columns 200..219; 5 mm at 0.1 mm = 50 px on each side.
    mask = _mask((400, 500), slice(100, 110), slice(200, 220))
    box = lesion_crop_box(mask, (0.1, 0.1), 5.0)
    assert box == CropBox(row_start=50, row_stop=160, col_start=150, col_stop=270)
    assert box.shape == (110, 120)
    assert mask[box.slices].sum() == mask.sum()


def test_anisotropic_spacing_uses_each_axis_own_spacing() -> None:
    # 0.1 mm between rows -> 50 px; 0.2 mm between columns -> 25 px.
    assert margin_pixels((0.1, 0.2), 5.0) == (50, 25)
    mask = _mask((400, 500), slice(100, 110), slice(200, 220))
    box = lesion_crop_box(mask, (0.1, 0.2), 5.0)
    assert box == CropBox(50, 160, 175, 245)
    # Both margins are 5 mm of tissue, whatever the pixel counts.
    assert (100 - box.row_start) * 0.1 == pytest.approx(5.0)
    assert (box.col_stop - 220) * 0.2 == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("spacing", "margin_mm", "expected"),
    [
        ((0.1, 0.1), 5.0, (50, 50)),  # 5 / 0.1 is 50 exactly despite binary floating point
        ((0.05, 0.2), 5.0, (100, 25)),
        ((0.3, 0.07), 5.0, (17, 72)),  # 16.67 -> 17, 71.43 -> 72: rounded up
        ((0.094, 0.15), 5.0, (54, 34)),  # 53.19 -> 54, 33.33 -> 34
        ((0.1, 0.1), 0.3, (3, 3)),  # 0.3 / 0.1 = 2.9999999999999996 in floats -> 3, not 4
        ((0.1, 0.1), 0.05, (1, 1)),  # half a pixel of margin still takes one pixel
        ((0.1, 0.1), 0.0, (0, 0)),
        ((1.0, 2.0), 5.0, (5, 3)),
    ],
)
def test_margin_pixels_round_up_per_axis(
    spacing: tuple[float, float], margin_mm: float, expected: tuple[int, int]
) -> None:
    assert margin_pixels(spacing, margin_mm) == expected


# Image 100 x 120 at 0.5 mm: 5 mm = 10 px. Boxes written by hand: (row_start, row_stop,
# col_start, col_stop) of the lesion, then of the expected crop, clipped at the border.
BORDER_CASES = {
    "interior": ((40, 50, 50, 60), (30, 60, 40, 70)),
    "top edge": ((0, 5, 50, 60), (0, 15, 40, 70)),
    "bottom edge": ((95, 100, 50, 60), (85, 100, 40, 70)),
    "left edge": ((40, 50, 0, 6), (30, 60, 0, 16)),
    "right edge": ((40, 50, 114, 120), (30, 60, 104, 120)),
    "top-left corner": ((0, 5, 0, 5), (0, 15, 0, 15)),
    "top-right corner": ((0, 3, 118, 120), (0, 13, 108, 120)),
    "bottom-left corner": ((99, 100, 0, 1), (89, 100, 0, 11)),
    "bottom-right corner": ((97, 100, 117, 120), (87, 100, 107, 120)),
    "whole image": ((0, 100, 0, 120), (0, 100, 0, 120)),
    "exactly one margin from the corner": ((10, 20, 10, 20), (0, 30, 0, 30)),
    "one pixel short of a margin": ((9, 19, 9, 19), (0, 29, 0, 29)),
    "one pixel short at the far corner": ((81, 91, 101, 111), (71, 100, 91, 120)),
}


@pytest.mark.parametrize(("lesion", "expected"), BORDER_CASES.values(), ids=BORDER_CASES.keys())
def test_box_is_clipped_at_the_image_border(
    lesion: tuple[int, int, int, int], expected: tuple[int, int, int, int]
) -> None:
    mask = _mask((100, 120), slice(lesion[0], lesion[1]), slice(lesion[2], lesion[3]))
    box = lesion_crop_box(mask, (0.5, 0.5), 5.0)
    assert box == CropBox(*expected)
    assert box.fits(mask.shape)


def test_zero_margin_gives_the_tight_bounding_box() -> None:
    mask = _mask((50, 60), slice(7, 8), slice(33, 34))  # a single pixel
    assert lesion_crop_box(mask, (0.1, 0.1), 0.0) == CropBox(7, 8, 33, 34)
    assert lesion_bounding_box(mask) == CropBox(7, 8, 33, 34)


def test_box_encloses_every_island_of_the_mask() -> None:
    mask = np.zeros((200, 200), dtype=bool)
    mask[20:25, 150:160] = True
    mask[120:130, 30:35] = True
    assert lesion_bounding_box(mask) == CropBox(20, 130, 30, 160)
    assert lesion_crop_box(mask, (1.0, 1.0), 5.0) == CropBox(15, 135, 25, 165)


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(lambda m: m, id="bool"),
        pytest.param(lambda m: m.astype(np.uint8) * 255, id="uint8 0/255"),
        pytest.param(lambda m: m.astype(np.int16), id="int16 0/1"),
        pytest.param(lambda m: m.astype(np.float32), id="float32 0/1"),
    ],
)
def test_any_non_zero_mask_value_is_lesion(labels) -> None:
    mask = _mask((100, 120), slice(40, 50), slice(50, 60))
    assert lesion_crop_box(labels(mask), (0.5, 0.5)) == CropBox(30, 60, 40, 70)


def test_crop_box_accessors() -> None:
    box = CropBox(np.int64(2), 7, 3, 11)
    assert isinstance(box.row_start, int)
    assert (box.height, box.width) == (5, 8)
    assert np.zeros((20, 20))[box.slices].shape == (5, 8)
    assert box.to_dict() == {"row_start": 2, "row_stop": 7, "col_start": 3, "col_stop": 11}
    assert "rows 2:7" in box.summary()
    assert box.fits((7, 11)) and not box.fits((6, 11)) and not box.fits((7, 10))


@pytest.mark.parametrize(
    "corners", [(5, 5, 0, 3), (6, 5, 0, 3), (0, 3, 4, 4), (-1, 3, 0, 3), (0, 3, 0, 3.5)]
)
def test_empty_or_malformed_crop_box_is_refused(corners: tuple) -> None:
    with pytest.raises(PreprocessingError, match="crop box"):
        CropBox(*corners)


SPACING_ERRORS = [
    None,
    (0.0, 0.1),
    (0.1, -0.1),
    (math.nan, 0.1),
    (0.1, math.inf),
    (0.1,),
    (0.1, 0.1, 0.1),
    ("0.1", 0.1),
    (True, 0.1),
    "0.1",
    0.1,
]


@pytest.mark.parametrize("spacing", SPACING_ERRORS, ids=repr)
def test_bad_spacing_names_the_field(spacing) -> None:
    mask = _mask((10, 10), slice(4, 6), slice(4, 6))
    with pytest.raises(PreprocessingError, match="spacing_mm"):
        lesion_crop_box(mask, spacing, 5.0)


@pytest.mark.parametrize("margin", [-0.1, -5, math.nan, math.inf, None, "5", True], ids=repr)
def test_bad_margin_names_the_field(margin) -> None:
    mask = _mask((10, 10), slice(4, 6), slice(4, 6))
    with pytest.raises(PreprocessingError, match="margin_mm"):
        lesion_crop_box(mask, (0.1, 0.1), margin)


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (np.zeros((10, 10), dtype=bool), "empty"),
        (np.ones((4, 10, 10), dtype=bool), "2-D"),
        (np.ones(10, dtype=bool), "2-D"),
        (np.ones((0, 10), dtype=bool), "empty"),
        (np.full((10, 10), np.nan), "NaN"),
        (None, "missing"),
    ],
    ids=["no lesion pixel", "3-D", "1-D", "zero rows", "NaN", "None"],
)
def test_bad_mask_names_the_field(mask, message: str) -> None:
    with pytest.raises(PreprocessingError, match=rf"mask.*{message}|{message}.*mask"):
        lesion_crop_box(mask, (0.1, 0.1), 5.0)
