"""The heat map's colours: a jet-like colour map whose low values are transparent.

Grad-CAM maps are shown the way the literature shows them (blue → cyan → yellow → red, the
"jet" convention readers of such figures know), but values below :data:`TRANSPARENT_BELOW` are
fully transparent and the opacity rises to full at :data:`OPAQUE_FROM`, so regions the model
ignored keep the mammogram untouched and only its attention is tinted. The overall strength is
the overlay's opacity, which the reader sets with a slider.

The colouring happens once per case in the preparing worker thread (:func:`heatmap_rgba`); the
views only hand the RGBA array to Qt.
"""

from __future__ import annotations

import numpy as np

#: Heat-map values at or below this are fully transparent.
TRANSPARENT_BELOW = 0.15
#: Heat-map values from this up are drawn at full (overlay) opacity.
OPAQUE_FROM = 0.5
#: The colour map's control points: (value, (red, green, blue)).
_CONTROL_POINTS = (
    (0.0, (0, 0, 143)),
    (0.125, (0, 0, 255)),
    (0.375, (0, 255, 255)),
    (0.625, (255, 255, 0)),
    (0.875, (255, 0, 0)),
    (1.0, (128, 0, 0)),
)


def colour_table(entries: int = 256) -> np.ndarray:
    """The colour map as a (entries, 4) uint8 RGBA table for values 0 … 1."""
    values = np.linspace(0.0, 1.0, entries)
    stops = np.array([point for point, _ in _CONTROL_POINTS])
    colours = np.array([colour for _, colour in _CONTROL_POINTS], dtype=np.float64)
    table = np.empty((entries, 4), dtype=np.uint8)
    for channel in range(3):
        table[:, channel] = np.rint(np.interp(values, stops, colours[:, channel]))
    alpha = np.clip((values - TRANSPARENT_BELOW) / (OPAQUE_FROM - TRANSPARENT_BELOW), 0.0, 1.0)
    table[:, 3] = np.rint(alpha * 255)
    return table


_TABLE = colour_table()


def heatmap_rgba(heatmap: np.ndarray) -> np.ndarray:
    """(rows, columns, 4) uint8 RGBA image of a heat map with values in [0, 1]."""
    indices = np.clip(np.rint(np.nan_to_num(heatmap, nan=0.0) * 255), 0, 255).astype(np.uint8)
    return _TABLE[indices]


def resample_heatmap(heatmap: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``heatmap`` (covering the whole image) bilinearly resampled to ``shape``, float32.

    Sample positions are pixel centres of the target mapped onto the source's pixel centres,
    so a map of any resolution lands on the same image region.
    """
    source = np.asarray(heatmap, dtype=np.float32)
    if source.ndim != 2 or min(source.shape) < 1:
        raise ValueError(f"a heat map must be a non-empty 2-D array, not of shape {source.shape}")
    rows = _positions(shape[0], source.shape[0])
    columns = _positions(shape[1], source.shape[1])
    r0 = np.floor(rows).astype(np.intp)
    c0 = np.floor(columns).astype(np.intp)
    r1 = np.minimum(r0 + 1, source.shape[0] - 1)
    c1 = np.minimum(c0 + 1, source.shape[1] - 1)
    fr = (rows - r0)[:, np.newaxis].astype(np.float32)
    fc = (columns - c0)[np.newaxis, :].astype(np.float32)
    top = source[np.ix_(r0, c0)] * (1 - fc) + source[np.ix_(r0, c1)] * fc
    bottom = source[np.ix_(r1, c0)] * (1 - fc) + source[np.ix_(r1, c1)] * fc
    return np.clip(top * (1 - fr) + bottom * fr, 0.0, 1.0).astype(np.float32)


def _positions(target: int, source: int) -> np.ndarray:
    centres = (np.arange(target, dtype=np.float64) + 0.5) * source / target - 0.5
    return np.clip(centres, 0.0, source - 1)
