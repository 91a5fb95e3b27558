"""The outline of the lesion a case asks about, as line segments to draw over the image.

The reader must know which lesion the question is about, without the outline hiding the
lesion's margin, which is what they judge. So the outline is a thin line drawn a little
*outside* the radiologist's mask (``margin`` pixels), at every zoom as sharp as the screen: it is
kept as vector segments in full-resolution pixel coordinates, not as a raster overlay.

The segments come from marching squares on the mask (pixel centres as the grid; saddle cells
keep diagonal neighbours apart). Coordinates are (x, y) = (column, row) in the views' scene,
where pixel ``(r, c)`` covers ``[c, c + 1) × [r, r + 1)``.
"""

from __future__ import annotations

import numpy as np

# Cell corners: top-left 8, top-right 4, bottom-right 2, bottom-left 1. Edge midpoints as
# (dx, dy) offsets from the cell's top-left pixel centre.
_TOP, _RIGHT, _BOTTOM, _LEFT = (0.5, 0.0), (1.0, 0.5), (0.5, 1.0), (0.0, 0.5)
_SEGMENTS: dict[int, tuple[tuple[tuple[float, float], tuple[float, float]], ...]] = {
    1: ((_LEFT, _BOTTOM),),
    2: ((_BOTTOM, _RIGHT),),
    3: ((_LEFT, _RIGHT),),
    4: ((_TOP, _RIGHT),),
    5: ((_TOP, _RIGHT), (_LEFT, _BOTTOM)),
    6: ((_TOP, _BOTTOM),),
    7: ((_TOP, _LEFT),),
    8: ((_TOP, _LEFT),),
    9: ((_TOP, _BOTTOM),),
    10: ((_TOP, _LEFT), (_BOTTOM, _RIGHT)),
    11: ((_TOP, _RIGHT),),
    12: ((_LEFT, _RIGHT),),
    13: ((_BOTTOM, _RIGHT),),
    14: ((_LEFT, _BOTTOM),),
}


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(row0, col0, row1, col1) of the mask's True pixels, ends exclusive; ``None`` if empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    columns = np.flatnonzero(mask.any(axis=0))
    return (int(rows[0]), int(columns[0]), int(rows[-1]) + 1, int(columns[-1]) + 1)


def lesion_outline(mask: np.ndarray, *, margin: float = 0.0) -> np.ndarray | None:
    """Segments around the mask's True pixels, grown by ``margin`` pixels; ``None`` if empty.

    Returns:
        float32 array (segments, 2 ends, 2) of (x, y) scene coordinates.
    """
    box = mask_box(mask)
    if box is None:
        return None
    pad = int(np.ceil(margin)) + 1
    row0, col0 = max(box[0] - pad, 0), max(box[1] - pad, 0)
    row1, col1 = min(box[2] + pad, mask.shape[0]), min(box[3] + pad, mask.shape[1])
    crop = np.asarray(mask[row0:row1, col0:col1], dtype=bool)
    if margin > 0:
        crop = grow(crop, round(margin))
    # A False border closes outlines that touch the image edge.
    grid = np.pad(crop, 1).astype(np.uint8)
    cases = grid[:-1, :-1] * 8 + grid[:-1, 1:] * 4 + grid[1:, 1:] * 2 + grid[1:, :-1]
    # Cell (i, j) of the padded grid has its top-left pixel centre at crop (i - 1, j - 1).
    origin_x, origin_y = col0 - 1 + 0.5, row0 - 1 + 0.5
    parts = []
    for case, segments in _SEGMENTS.items():
        cells_y, cells_x = np.nonzero(cases == case)
        if cells_y.size == 0:
            continue
        for (ax, ay), (bx, by) in segments:
            part = np.empty((cells_y.size, 2, 2), dtype=np.float32)
            part[:, 0, 0] = origin_x + cells_x + ax
            part[:, 0, 1] = origin_y + cells_y + ay
            part[:, 1, 0] = origin_x + cells_x + bx
            part[:, 1, 1] = origin_y + cells_y + by
            parts.append(part)
    return np.concatenate(parts)


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """``mask`` dilated by about ``pixels`` in every direction (an octagon, within 8 % of a
    disc: alternating 3 × 3 cross and square steps), with numpy alone.

    scipy's distance transform would be exact, but importing scipy costs the workstation some
    25 MB of resident memory for one line drawn a millimetre out.
    """
    grown = np.asarray(mask, dtype=bool)
    for step in range(pixels):
        padded = np.pad(grown, 1)
        centre = padded[1:-1, 1:-1]
        out = centre | padded[:-2, 1:-1] | padded[2:, 1:-1] | padded[1:-1, :-2] | padded[1:-1, 2:]
        if step % 2:  # the square's corners on every other step
            out |= padded[:-2, :-2] | padded[:-2, 2:] | padded[2:, :-2] | padded[2:, 2:]
        grown = out
    return grown
