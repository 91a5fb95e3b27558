"""Drawn regions to pixel masks, on the grid of the image they were drawn on.

Coordinates are VIA's: x = column, y = row, in pixels from the top-left pixel, whose centre is
(0, 0). The rules, per shape:

* **ellipse, circle, rectangle**: a pixel belongs to the shape when its centre lies inside or on
  the boundary (the ellipse rotated by ``theta`` radians, as VIA draws it: positive ``theta``
  turns the x semi-axis towards +y, i.e. clockwise on screen);
* **polygon**: Pillow's ``ImageDraw.polygon`` fill and outline, so every pixel the outline
  passes through belongs to it (an outline drawn around a lesion keeps its boundary);
* **polyline**: closed and filled like a polygon (an outline whose last segment VIA leaves
  open); with two vertices it is a line one pixel wide;
* **point**: the one pixel at the rounded position. A point marks where a lesion is, not how
  large it is; the mask says exactly that and invents no extent.

A shape partly outside the image is clipped to it; one wholly outside gives an empty mask,
which the caller reports.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from model_core.importers.cdd_cesm.segmentations import (
    Ellipse,
    Point,
    Polygon,
    Rectangle,
    Shape,
)


def _ellipse(shape: Ellipse, mask: NDArray[np.bool_]) -> None:
    rows, columns = mask.shape
    reach = max(shape.rx, shape.ry)  # a bounding box that holds the ellipse at any rotation
    top, bottom = max(math.ceil(shape.cy - reach), 0), min(math.floor(shape.cy + reach), rows - 1)
    left = max(math.ceil(shape.cx - reach), 0)
    right = min(math.floor(shape.cx + reach), columns - 1)
    if top > bottom or left > right:
        return
    y, x = np.mgrid[top : bottom + 1, left : right + 1].astype(np.float64)
    dx, dy = x - shape.cx, y - shape.cy
    cosine, sine = math.cos(shape.theta), math.sin(shape.theta)
    along = (dx * cosine + dy * sine) / shape.rx
    across = (-dx * sine + dy * cosine) / shape.ry
    mask[top : bottom + 1, left : right + 1] |= along**2 + across**2 <= 1.0


def _rectangle(shape: Rectangle, mask: NDArray[np.bool_]) -> None:
    rows, columns = mask.shape
    top, bottom = max(math.ceil(shape.y), 0), min(math.floor(shape.y + shape.height), rows - 1)
    left = max(math.ceil(shape.x), 0)
    right = min(math.floor(shape.x + shape.width), columns - 1)
    if top <= bottom and left <= right:
        mask[top : bottom + 1, left : right + 1] = True


def _polygon(shape: Polygon, mask: NDArray[np.bool_]) -> None:
    rows, columns = mask.shape
    canvas = Image.new("1", (columns, rows), 0)
    draw = ImageDraw.Draw(canvas)
    vertices = list(zip(shape.xs, shape.ys, strict=True))
    if len(vertices) >= 3:
        draw.polygon(vertices, fill=1, outline=1)
    elif len(vertices) == 2:
        draw.line(vertices, fill=1, width=1)
    else:
        _point(Point(*vertices[0]), mask)
        return
    mask |= np.asarray(canvas, dtype=bool)


def _point(shape: Point, mask: NDArray[np.bool_]) -> None:
    row, column = round(shape.cy), round(shape.cx)
    if 0 <= row < mask.shape[0] and 0 <= column < mask.shape[1]:
        mask[row, column] = True


def rasterise(shape: Shape, rows: int, columns: int) -> NDArray[np.bool_]:
    """The mask of ``shape`` on an image of ``rows`` × ``columns`` pixels (see the module
    docstring for which pixels belong to a shape)."""
    mask = np.zeros((rows, columns), dtype=bool)
    if isinstance(shape, Ellipse):
        _ellipse(shape, mask)
    elif isinstance(shape, Rectangle):
        _rectangle(shape, mask)
    elif isinstance(shape, Polygon):
        _polygon(shape, mask)
    else:
        _point(shape, mask)
    return mask
