"""A resolution pyramid of one image, so that the views never draw more pixels than the screen has.

Level 0 is the image at full resolution (kept for the 1:1 pixel zoom); each next level halves
rows and columns by averaging 2 × 2 blocks (an odd last row or column is repeated first). The
views draw the coarsest level that still has at least one pixel per screen pixel, so a case is
drawn from about as many pixels as the view shows, whatever the detector size.

Integer images that fit (every DICOM mammogram) are kept as uint16: half the memory of float32,
and pyqtgraph windows uint16 through a lookup table, which is fast.
"""

from __future__ import annotations

import math

import numpy as np

#: The pyramid stops once both sides are at most this many pixels.
SMALLEST_SIDE = 256


def compact_pixels(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` as uint16 when that loses nothing (whole numbers in 0..65535), else float32."""
    if pixels.dtype == np.uint16:
        return pixels
    values = np.asarray(pixels)
    if values.dtype.kind in "iu" or (
        values.dtype.kind == "f" and bool(np.all(np.isfinite(values)))
    ):
        low, high = float(values.min(initial=0)), float(values.max(initial=0))
        if low >= 0 and high <= 65535 and (values.dtype.kind in "iu" or _whole(values)):
            return values.astype(np.uint16)
    return values.astype(np.float32)


def _whole(values: np.ndarray) -> bool:
    return bool(np.array_equal(values, np.round(values)))


def halve(level: np.ndarray) -> np.ndarray:
    """``level`` at half the rows and columns: the mean of each 2 × 2 block, same dtype."""
    rows, columns = level.shape
    if rows % 2 or columns % 2:
        level = np.pad(level, ((0, rows % 2), (0, columns % 2)), mode="edge")
    blocks = level.reshape(level.shape[0] // 2, 2, level.shape[1] // 2, 2)
    mean = blocks.mean(axis=(1, 3), dtype=np.float32)
    if level.dtype == np.uint16:
        return np.rint(mean).astype(np.uint16)
    return mean.astype(level.dtype)


def build_pyramid(pixels: np.ndarray) -> tuple[np.ndarray, ...]:
    """The levels of ``pixels`` (rows, columns): full resolution first, then halves."""
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {pixels.shape}")
    levels = [compact_pixels(pixels)]
    while max(levels[-1].shape) > SMALLEST_SIDE and min(levels[-1].shape) >= 2:
        levels.append(halve(levels[-1]))
    return tuple(levels)


def level_for_scale(levels: tuple[np.ndarray, ...], source_per_screen_pixel: float) -> int:
    """The coarsest level with at least one pixel per screen pixel.

    ``source_per_screen_pixel`` is how many full-resolution pixels one screen pixel covers
    (2.3 when a 2294-row image fits a 1000-pixel view; 1 or less at 1:1 zoom and beyond).
    Level ``k`` has pixels ``2**k`` source pixels wide.
    """
    if not source_per_screen_pixel > 0:
        return 0
    wanted = math.floor(math.log2(max(source_per_screen_pixel, 1.0)) + 1e-9)
    return max(0, min(wanted, len(levels) - 1))


def fit_scale(source_shape: tuple[int, int], view_size: tuple[int, int]) -> float:
    """Source pixels per screen pixel when an image of ``source_shape`` (rows, columns) fits a
    view of ``view_size`` (rows, columns) pixels, aspect ratio kept."""
    rows, columns = source_shape
    view_rows, view_columns = view_size
    if min(rows, columns, view_rows, view_columns) <= 0:
        raise ValueError(f"sizes must be positive: image {source_shape}, view {view_size}")
    return max(rows / view_rows, columns / view_columns)
