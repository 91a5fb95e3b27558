"""Keeping every operating point of a figure visible: coinciding markers are spread apart.

With a few dozen cases a sensitivity or specificity takes few values, so operating points often
coincide exactly: two readers with the same calls, a reader on one of the model's threshold
markers. Drawn where they are, all but the top marker vanish. Here markers closer than a marker's
width *on screen* (measured after layout, in display units) are grouped, and each group is laid
on a small circle around its centre, one marker per position, so that each stays visible and
keeps its colour and shape; a thin line ties a moved marker to its true position. Offsets are in
points, so they hold at any resolution the figure is saved at.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation, Transform
from numpy.typing import NDArray

#: Markers whose centres are closer than this (points) are spread apart.
MIN_SEPARATION_PT = 9.5


def _groups(display: NDArray[np.float64], min_distance: float) -> list[list[int]]:
    """Indices of points chained by distances under ``min_distance`` (single linkage)."""
    parent = list(range(len(display)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(display)):
        for j in range(i + 1, len(display)):
            if np.hypot(*(display[i] - display[j])) < min_distance:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(display)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def spread_offsets(display: NDArray[np.float64], min_distance: float) -> NDArray[np.float64]:
    """Offsets (display units) that put each group of close points on a circle around its
    centre, neighbours ``min_distance`` apart; isolated points are not moved.

    Args:
        display: shape (n, 2), positions in display units (non-finite rows are left alone).
        min_distance: the separation to reach, in the same units.
    """
    offsets = np.zeros_like(display, dtype=float)
    finite = np.flatnonzero(np.isfinite(display).all(axis=1))
    for group in _groups(display[finite], min_distance):
        if len(group) < 2:
            continue
        members = finite[group]
        centre = display[members].mean(axis=0)
        k = len(members)
        radius = min_distance / (2 * math.sin(math.pi / k))
        for position, index in enumerate(members):
            angle = math.pi / 2 + 2 * math.pi * position / k
            target = centre + radius * np.array([math.cos(angle), math.sin(angle)])
            offsets[index] = target - display[index]
    return offsets


def offset_transforms(ax: Axes, points: list[tuple[float, float]]) -> list[Transform]:
    """One data transform per point, shifted so that coinciding points stay distinct.

    Call after the axes' limits are final: the grouping uses the figure's current layout.
    """
    figure = ax.get_figure(root=True)
    assert isinstance(figure, Figure)
    figure.draw_without_rendering()  # final layout, so display positions are those drawn
    xy = np.array(points, dtype=float).reshape(-1, 2)
    display = np.full_like(xy, np.nan)
    finite = np.isfinite(xy).all(axis=1)
    if finite.any():
        display[finite] = ax.transData.transform(xy[finite])
    pixels_per_point = figure.dpi / 72.0
    offsets = spread_offsets(display, MIN_SEPARATION_PT * pixels_per_point) / pixels_per_point
    scale = figure.dpi_scale_trans
    return [ax.transData + ScaledTranslation(dx / 72.0, dy / 72.0, scale) for dx, dy in offsets]
