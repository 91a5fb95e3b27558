"""The lesion crop of Mao et al.: the mask's bounding box plus a margin in millimetres.

Conventions (also in ``docs/preprocessing.md``):

* A :class:`CropBox` is half-open in (row, column) array indices, like NumPy slicing:
  rows ``row_start .. row_stop - 1`` and columns ``col_start .. col_stop - 1`` are inside.
* The bounding box encloses every non-zero mask pixel (a case is one lesion; should a mask hold
  several islands, the box encloses them all).
* The margin is converted to pixels **per axis with that axis' own spacing**, rounded **up**
  (``ceil``): the model always sees at least ``margin_mm`` of tissue around the lesion where the
  image allows. A quotient within 1e-9 of a whole number counts as that number, so that
  5 mm / 0.1 mm is 50 pixels despite binary floating point.
* At the image border the box is **clipped**, not padded: the crop never contains pixels that
  the detector did not record, and its aspect ratio may then differ from the lesion's.

The box is returned (and kept in the preprocessed input) so that a heat map computed on the
model input can be mapped back onto the full image (:mod:`model_core.preprocessing.geometry`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from model_core.errors import PreprocessingError
from model_core.preprocessing.validation import check_margin, check_mask, check_spacing


@dataclass(frozen=True)
class CropBox:
    """A half-open rectangle of array indices: ``pixels[row_start:row_stop, col_start:col_stop]``.

    Attributes:
        row_start: first row inside the box.
        row_stop: one past the last row inside the box.
        col_start: first column inside the box.
        col_stop: one past the last column inside the box.
    """

    row_start: int
    row_stop: int
    col_start: int
    col_stop: int

    def __post_init__(self) -> None:
        for name in ("row_start", "row_stop", "col_start", "col_stop"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise PreprocessingError(f"crop box {name}: expected an integer, got {value!r}")
            object.__setattr__(self, name, int(value))
        if not (0 <= self.row_start < self.row_stop and 0 <= self.col_start < self.col_stop):
            raise PreprocessingError(
                f"crop box: empty or negative rectangle rows {self.row_start}:{self.row_stop}, "
                f"columns {self.col_start}:{self.col_stop}"
            )

    @property
    def height(self) -> int:
        """Number of rows inside the box."""
        return self.row_stop - self.row_start

    @property
    def width(self) -> int:
        """Number of columns inside the box."""
        return self.col_stop - self.col_start

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the cropped array."""
        return (self.height, self.width)

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index with ``pixels[box.slices]`` to crop."""
        return (slice(self.row_start, self.row_stop), slice(self.col_start, self.col_stop))

    def fits(self, image_shape: tuple[int, int]) -> bool:
        """Whether the box lies inside an image of ``image_shape`` (rows, columns)."""
        return self.row_stop <= image_shape[0] and self.col_stop <= image_shape[1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (half-open index ranges)."""
        return {
            "row_start": self.row_start,
            "row_stop": self.row_stop,
            "col_start": self.col_start,
            "col_stop": self.col_stop,
        }

    def summary(self) -> str:
        """E.g. ``rows 50:160, columns 150:270 (110 x 120 px)``."""
        return (
            f"rows {self.row_start}:{self.row_stop}, columns {self.col_start}:{self.col_stop} "
            f"({self.height} x {self.width} px)"
        )


def margin_pixels(spacing_mm: tuple[float, float], margin_mm: float) -> tuple[int, int]:
    """The margin in whole pixels along rows and along columns, ``ceil(margin / spacing)``.

    >>> margin_pixels((0.1, 0.2), 5.0)
    (50, 25)
    >>> margin_pixels((0.3, 0.07), 5.0)
    (17, 72)
    """
    row_spacing, col_spacing = check_spacing(spacing_mm)
    margin = check_margin(margin_mm)
    return (_ceil_pixels(margin / row_spacing), _ceil_pixels(margin / col_spacing))


def _ceil_pixels(quotient: float) -> int:
    nearest = round(quotient)
    if math.isclose(quotient, nearest, rel_tol=1e-9, abs_tol=1e-9):
        return int(nearest)
    return math.ceil(quotient)


def lesion_bounding_box(mask: np.ndarray) -> CropBox:
    """The tightest box enclosing every non-zero pixel of a 2-D ``mask`` (no margin)."""
    lesion = check_mask(mask, np.shape(mask))
    rows = np.flatnonzero(lesion.any(axis=1))
    cols = np.flatnonzero(lesion.any(axis=0))
    return CropBox(int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


def lesion_crop_box(
    mask: np.ndarray, spacing_mm: tuple[float, float], margin_mm: float = 5.0
) -> CropBox:
    """The lesion's bounding box grown by ``margin_mm`` on every side, clipped at the border.

    Args:
        mask: 2-D array, non-zero inside the lesion; must contain at least one lesion pixel.
        spacing_mm: (row spacing, column spacing) in millimetres, both > 0.
        margin_mm: margin in millimetres, >= 0 (the paper: 5 mm).

    Returns:
        The half-open crop rectangle in the mask's (and the images') index space.

    Raises:
        PreprocessingError: naming ``mask``, ``spacing_mm`` or ``margin_mm``.
    """
    margin_rows, margin_cols = margin_pixels(spacing_mm, margin_mm)
    lesion = lesion_bounding_box(mask)
    rows, cols = np.shape(mask)
    return CropBox(
        row_start=max(lesion.row_start - margin_rows, 0),
        row_stop=min(lesion.row_stop + margin_rows, rows),
        col_start=max(lesion.col_start - margin_cols, 0),
        col_stop=min(lesion.col_stop + margin_cols, cols),
    )
