"""Every VIA shape rasterised where it is drawn: pixel centres inside, boundary included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from model_core.importers.cdd_cesm.rasterise import rasterise
from model_core.importers.cdd_cesm.segmentations import Ellipse, Point, Polygon, Rectangle

ROWS, COLUMNS = 40, 50


def _pixels(mask: np.ndarray) -> set[tuple[int, int]]:
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(mask), strict=True)}


def test_polygon_fills_its_outline_and_nothing_else() -> None:
    mask = rasterise(Polygon((10, 30, 30, 10), (5, 5, 20, 20)), ROWS, COLUMNS)
    expected = {(r, c) for r in range(5, 21) for c in range(10, 31)}
    assert _pixels(mask) == expected


def test_triangle_holds_its_inside_and_not_the_far_corner() -> None:
    mask = rasterise(Polygon((0, 40, 0), (0, 0, 30)), ROWS, COLUMNS)
    assert mask[5, 5] and mask[0, 39] and mask[29, 0]
    assert not mask[29, 39] and not mask[20, 30]  # beyond the hypotenuse x/40 + y/30 = 1


def test_polyline_is_closed_and_filled() -> None:
    open_outline = rasterise(Polygon((10, 30, 30), (5, 5, 25), closed=False), ROWS, COLUMNS)
    closed = rasterise(Polygon((10, 30, 30), (5, 5, 25)), ROWS, COLUMNS)
    np.testing.assert_array_equal(open_outline, closed)
    assert open_outline[10, 27]  # inside the triangle, away from every drawn segment


def test_two_point_polyline_is_a_line() -> None:
    mask = rasterise(Polygon((5, 25), (10, 10), closed=False), ROWS, COLUMNS)
    assert _pixels(mask) == {(10, c) for c in range(5, 26)}


def test_circle_holds_the_pixel_centres_within_its_radius() -> None:
    mask = rasterise(Ellipse(20, 15, 6, 6), ROWS, COLUMNS)
    rows, columns = np.mgrid[:ROWS, :COLUMNS]
    expected = (columns - 20) ** 2 + (rows - 15) ** 2 <= 36
    np.testing.assert_array_equal(mask, expected)
    assert abs(mask.sum() - math.pi * 36) < 2 * math.pi * 6  # area within a perimeter


def test_ellipse_axes_follow_x_and_y_and_theta_turns_them() -> None:
    flat = rasterise(Ellipse(25, 20, 15, 3), ROWS, COLUMNS)
    assert flat[20, 39] and not flat[34, 25]
    turned = rasterise(Ellipse(25, 20, 15, 3, theta=math.pi / 2), ROWS, COLUMNS)
    assert turned[34, 25] and not turned[20, 39]
    diagonal = rasterise(Ellipse(25, 20, 12, 2, theta=math.pi / 4), ROWS, COLUMNS)
    assert diagonal[27, 32] and not diagonal[13, 32]  # +theta turns +x towards +y (down)


def test_rectangle_covers_its_columns_and_rows() -> None:
    mask = rasterise(Rectangle(5, 20, 12, 8), ROWS, COLUMNS)
    assert _pixels(mask) == {(r, c) for r in range(20, 29) for c in range(5, 18)}


def test_point_is_one_pixel() -> None:
    assert _pixels(rasterise(Point(12.4, 33.6), ROWS, COLUMNS)) == {(34, 12)}


@pytest.mark.parametrize(
    "shape",
    [
        Polygon((40, 80, 80, 40), (30, 30, 60, 60)),
        Ellipse(48, 38, 10, 10),
        Rectangle(45, 35, 20, 20),
    ],
    ids=["polygon", "ellipse", "rectangle"],
)
def test_shapes_over_the_edge_are_clipped_to_the_image(shape: object) -> None:
    mask = rasterise(shape, ROWS, COLUMNS)  # type: ignore[arg-type]
    assert mask.shape == (ROWS, COLUMNS)
    assert mask[ROWS - 1, COLUMNS - 1] and 0 < mask.sum() < ROWS * COLUMNS


@pytest.mark.parametrize(
    "shape",
    [
        Polygon((60, 90, 90), (50, 50, 80)),
        Ellipse(-30, -30, 5, 5),
        Point(-1, 3),
        Rectangle(50, 0, 5, 5),
    ],
    ids=["polygon", "ellipse", "point", "rectangle"],
)
def test_shapes_outside_the_image_give_an_empty_mask(shape: object) -> None:
    assert not rasterise(shape, ROWS, COLUMNS).any()  # type: ignore[arg-type]
