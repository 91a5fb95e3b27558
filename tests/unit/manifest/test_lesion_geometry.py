"""Largest region and maximum Feret diameter, against shapes whose answers geometry gives."""

from __future__ import annotations

import numpy as np
import pytest
from cesm_files import disc_mask

from model_core.lesion_geometry import largest_component, max_feret_diameter_mm


@pytest.mark.parametrize(
    ("height", "width", "spacing"),
    [(1, 1, (1.0, 1.0)), (10, 4, (0.1, 0.2)), (3, 50, (0.07, 0.07)), (20, 20, (0.05, 0.1))],
)
def test_rectangle_diameter_is_its_diagonal(height, width, spacing):
    mask = np.zeros((60, 70), dtype=bool)
    mask[7 : 7 + height, 11 : 11 + width] = True
    expected = np.hypot(height * spacing[0], width * spacing[1])
    assert max_feret_diameter_mm(mask, spacing) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("radius", [5, 17, 40])
def test_disc_diameter_is_within_a_pixel_of_its_extent(radius):
    size, centre = 2 * radius + 9, radius + 4
    disc = disc_mask((size, size), (centre, centre), radius)
    # pixel squares span 2r + 1 pixels across; a diagonal can add at most a pixel's width
    diameter = max_feret_diameter_mm(disc, (0.1, 0.1))
    assert (2 * radius + 1) * 0.1 <= diameter <= (2 * radius + 2) * 0.1


def test_diameter_is_invariant_to_rotation_by_ninety_degrees():
    rng = np.random.default_rng(3)
    blob = rng.random((30, 40)) > 0.6
    assert max_feret_diameter_mm(blob, (0.1, 0.1)) == pytest.approx(
        max_feret_diameter_mm(np.rot90(blob), (0.1, 0.1))
    )


def test_diameter_of_an_empty_mask_is_zero():
    assert max_feret_diameter_mm(np.zeros((5, 5), bool), (0.1, 0.1)) == 0.0


def test_largest_component_keeps_the_bigger_region_and_counts_all():
    mask = np.zeros((50, 50), dtype=bool)
    mask[2:6, 2:6] = True  # 16 pixels
    mask[20:30, 20:25] = True  # 50 pixels
    mask[45, 45] = True  # 1 pixel
    largest, count = largest_component(mask)
    assert count == 3
    expected = np.zeros_like(mask)
    expected[20:30, 20:25] = True
    np.testing.assert_array_equal(largest, expected)


def test_pixels_touching_at_a_corner_are_one_region():
    mask = np.eye(6, dtype=bool)
    largest, count = largest_component(mask)
    assert count == 1
    np.testing.assert_array_equal(largest, mask)


def test_empty_mask_has_no_region():
    largest, count = largest_component(np.zeros((4, 4), bool))
    assert count == 0 and not largest.any()


@pytest.mark.parametrize("function", [largest_component, max_feret_diameter_mm])
def test_three_dimensional_input_is_refused(function):
    arguments = (np.zeros((2, 3, 3), bool),) + (
        ((1.0, 1.0),) if function is max_feret_diameter_mm else ()
    )
    with pytest.raises(ValueError, match="must be 2-D"):
        function(*arguments)
