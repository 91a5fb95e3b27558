"""Measurements on a lesion mask: its connected regions and its longest diameter in mm.

The paper evaluated one lesion per case, the largest, and included lesions of at least 5 mm;
these two functions let the manifest validator apply both rules to an outlined mask.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull
from scipy.spatial.distance import pdist

#: 8-connectivity: pixels touching at a corner belong to one region, as an outline drawn with
#: a brush produces them.
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _bounding_box(mask: np.ndarray) -> tuple[slice, slice] | None:
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    columns = np.flatnonzero(mask.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)


def largest_component(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """The largest 8-connected region of ``mask`` and the number of regions.

    Labelling runs on the mask's bounding box only, so a small lesion on a full-field
    mammogram costs little. Ties go to the region met first in row-major order.

    Args:
        mask: bool array (rows, columns).

    Returns:
        (bool array of the same shape holding only the largest region, number of regions);
        an empty mask gives itself and 0.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (rows, columns), got shape {mask.shape}")
    box = _bounding_box(mask)
    if box is None:
        return mask.copy(), 0
    labels, count = ndimage.label(mask[box], structure=_EIGHT_CONNECTED)
    if count == 1:
        return mask.copy(), 1
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    largest = np.zeros_like(mask)
    largest[box] = labels == int(np.argmax(sizes))
    return largest, int(count)


def max_feret_diameter_mm(mask: np.ndarray, spacing_mm: tuple[float, float]) -> float:
    """The longest distance across the lesion (maximum Feret diameter), in millimetres.

    Measured on the outline of the pixel squares, i.e. the lesion's extent on the image: a
    single pixel measures its diagonal. Pixel-centre conventions give about one pixel less,
    0.1 mm at mammographic resolution, immaterial against a 5 mm criterion. Anisotropic
    spacing is applied before the measurement, so the result is a physical length.

    Only the leftmost and rightmost pixel of each row can lie on the convex hull, so the hull
    is built from those corners: O(rows) points, whatever the lesion's area.

    Args:
        mask: bool array (rows, columns); all regions count.
        spacing_mm: (row, column) pixel spacing in mm.

    Returns:
        The diameter in mm; 0.0 for an empty mask.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (rows, columns), got shape {mask.shape}")
    row_spacing, column_spacing = (float(value) for value in spacing_mm)
    if not (row_spacing > 0 and column_spacing > 0):
        raise ValueError(f"spacing_mm must be positive, got {spacing_mm}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return 0.0
    occupied = mask[rows]
    first = np.argmax(occupied, axis=1)
    last = occupied.shape[1] - 1 - np.argmax(occupied[:, ::-1], axis=1)
    corners = np.concatenate(
        [
            np.stack([rows, first], axis=1),
            np.stack([rows + 1, first], axis=1),
            np.stack([rows, last + 1], axis=1),
            np.stack([rows + 1, last + 1], axis=1),
        ]
    ).astype(np.float64)
    corners *= (row_spacing, column_spacing)
    hull = ConvexHull(corners)
    return float(pdist(corners[hull.vertices]).max())
