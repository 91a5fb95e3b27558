"""A case made ready to show: everything the views need, decoded, oriented and reduced.

:func:`prepare_case` does all the slow work of showing a case — decoding both images, finding
the hanging orientation, building the display pyramids, choosing the default windows, outlining
the lesion and colouring the heat map — in plain numpy, so that it can run in a worker thread
(:mod:`reader_app.viewer.prefetch`) while the reader reads the previous case. Showing the result
(:meth:`reader_app.viewer.case_viewer.CaseViewer.show_case`) then only hands display-resolution
arrays to Qt.

Coordinates. Everything in a :class:`PreparedCase` is in the *displayed* orientation: when the
hanging mirrors an image (:mod:`reader_app.viewer.orientation`), the lesion box, the outline
and the heat map are mirrored with it. Positions are full-resolution pixels of that oriented
image: ``(row0, col0, row1, col1)`` boxes with exclusive ends, and scene ``(x, y)`` =
``(column, row)`` for the outline, as the views use (pixel ``(r, c)`` covers
``[c, c + 1) × [r, r + 1)``).

Public API (stable; the reading window builds on it):

* :class:`DisplayImage` — one image: ``levels`` (pyramid, full resolution first),
  ``display_level``, ``window`` (the default), ``presets``, ``source_shape``, ``source``.
* :class:`PreparedCase` — ``case_id``, ``low_energy``, ``recombined``, ``lesion_box``,
  ``outline``, ``heatmap`` (float32 at the display level's shape, or ``None``),
  ``heatmap_rgba``, ``laterality``, ``view``, ``pixel_spacing_mm``, ``mirrored``.
* :func:`prepare_case` ``(case, *, display_size)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model_core.case import CesmImage
from model_core.errors import CaseError
from model_core.io import read_image, read_mask
from reader_app.viewer.display_pyramid import build_pyramid, fit_scale, level_for_scale
from reader_app.viewer.heatmap_colours import heatmap_rgba, resample_heatmap
from reader_app.viewer.lesion_outline import lesion_outline, mask_box
from reader_app.viewer.orientation import breast_region, needs_mirroring
from reader_app.viewer.window_presets import Window, window_presets

if TYPE_CHECKING:  # the engine's dataclass only; importing it at run time would load the store
    from studies.engine.reader_api import CaseToRead

#: How far outside the lesion mask its outline is drawn, in millimetres (pixels when the
#: spacing is unknown: :data:`OUTLINE_MARGIN_PX`), so that the line never covers the margin.
OUTLINE_MARGIN_MM = 1.0
OUTLINE_MARGIN_PX = 8.0


@dataclass(frozen=True)
class DisplayImage:
    """One image of a case, ready to draw.

    Attributes:
        levels: the display pyramid (:mod:`reader_app.viewer.display_pyramid`): full
            resolution first (kept for 1:1 zoom), then halves; uint16 or float32.
        display_level: the index of the level drawn when the case opens (about one pixel per
            screen pixel of the view it was prepared for).
        window: the default window (the file's, else from the breast's percentiles).
        presets: the named windows of :mod:`reader_app.viewer.window_presets`.
        source_shape: (rows, columns) of the full-resolution image.
        source: the file it was read from.
    """

    levels: tuple[np.ndarray, ...]
    display_level: int
    window: Window
    presets: dict[str, Window]
    source_shape: tuple[int, int]
    source: str

    @property
    def display_pixels(self) -> np.ndarray:
        """The level drawn when the case opens."""
        return self.levels[self.display_level]


@dataclass(frozen=True)
class PreparedCase:
    """A case in its displayed orientation, ready for :meth:`CaseViewer.show_case`.

    Attributes:
        case_id: the case's id.
        low_energy, recombined: the two images.
        lesion_box: (row0, col0, row1, col1) of the lesion mask, full-resolution pixels of the
            displayed orientation, ends exclusive; ``None`` without a mask.
        outline: (segments, 2, 2) float32 (x, y) line segments around the lesion (drawn
            :data:`OUTLINE_MARGIN_MM` outside the mask); ``None`` without a mask.
        heatmap: float32 values in [0, 1] covering the whole image at the display level's
            shape; ``None`` when the read shows no model output.
        heatmap_rgba: the same coloured (:mod:`reader_app.viewer.heatmap_colours`), uint8.
        laterality, view: ``"L"``/``"R"`` and e.g. ``"CC"`` (from the study, else the file).
        pixel_spacing_mm: (row, column) spacing at the breast, or ``None``.
        mirrored: whether the stored images were mirrored left-right to hang the case.
    """

    case_id: str
    low_energy: DisplayImage
    recombined: DisplayImage
    lesion_box: tuple[int, int, int, int] | None
    outline: np.ndarray | None
    heatmap: np.ndarray | None
    heatmap_rgba: np.ndarray | None
    laterality: str | None
    view: str | None
    pixel_spacing_mm: tuple[float, float] | None
    mirrored: bool

    @property
    def label(self) -> str:
        """The side and view label burnt into the views, e.g. ``"R CC"`` (``"?"`` if unknown)."""
        return f"{self.laterality or '?'} {self.view or '?'}"

    @property
    def source_shape(self) -> tuple[int, int]:
        """(rows, columns) of the full-resolution images."""
        return self.low_energy.source_shape


def prepare_case(case: CaseToRead, *, display_size: tuple[int, int]) -> PreparedCase:
    """Read, orient and reduce one case for views of ``display_size`` (rows, columns) pixels.

    Pure numpy and thread-safe: run it in a worker thread.

    Raises:
        ImageReadError: an image or the mask is missing, unreadable or corrupt (names the file).
        CaseError: the two images, or an image and its mask, differ in shape (names the files).
    """
    low_energy = read_image(case.low_energy)
    recombined = read_image(case.recombined)
    if recombined.shape != low_energy.shape:
        raise CaseError(
            f"case {case.case_id}: {case.recombined} is {recombined.shape[0]} × "
            f"{recombined.shape[1]} pixels but {case.low_energy} is {low_energy.shape[0]} × "
            f"{low_energy.shape[1]}"
        )
    laterality = _normalised(case.laterality) or _normalised(low_energy.laterality)
    view = _normalised(case.view) or _normalised(low_energy.view)

    le_levels = build_pyramid(low_energy.pixels)
    display_level = level_for_scale(le_levels, fit_scale(low_energy.shape, display_size))
    tissue = breast_region(le_levels[display_level])
    mirrored = needs_mirroring(tissue, laterality)
    re_levels = build_pyramid(recombined.pixels)
    if mirrored:
        le_levels = _mirror_levels(le_levels)
        re_levels = _mirror_levels(re_levels)
        tissue = np.ascontiguousarray(tissue[:, ::-1])
    le_image = _display_image(low_energy, le_levels, display_level, tissue)
    re_image = _display_image(recombined, re_levels, display_level, tissue)

    lesion_box = outline = None
    if case.mask is not None:
        mask = read_mask(case.mask, low_energy.shape)
        if mirrored:
            mask = mask[:, ::-1]
        lesion_box = mask_box(mask)
        outline = lesion_outline(mask, margin=_outline_margin(low_energy.spacing_mm))

    heatmap = colours = None
    source_heatmap = case.model.heatmap if case.model is not None else None
    if source_heatmap is not None:
        oriented = np.asarray(source_heatmap, dtype=np.float32)
        if mirrored:
            oriented = oriented[:, ::-1]
        heatmap = resample_heatmap(oriented, le_levels[display_level].shape)
        colours = heatmap_rgba(heatmap)

    return PreparedCase(
        case_id=case.case_id,
        low_energy=le_image,
        recombined=re_image,
        lesion_box=lesion_box,
        outline=outline,
        heatmap=heatmap,
        heatmap_rgba=colours,
        laterality=laterality,
        view=view,
        pixel_spacing_mm=low_energy.spacing_mm,
        mirrored=mirrored,
    )


def _normalised(text: str | None) -> str | None:
    return text.strip().upper() or None if text is not None else None


def _mirror_levels(levels: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    # Contiguous copies: Qt draws a row-major buffer, and mirroring here keeps that off the GUI
    # thread.
    return tuple(np.ascontiguousarray(level[:, ::-1]) for level in levels)


def _display_image(
    image: CesmImage, levels: tuple[np.ndarray, ...], display_level: int, tissue: np.ndarray
) -> DisplayImage:
    presets = window_presets(levels[display_level], tissue, image.windows)
    return DisplayImage(
        levels=levels,
        display_level=display_level,
        window=presets["Default"],
        presets=presets,
        source_shape=image.shape,
        source=image.source or "",
    )


def _outline_margin(spacing_mm: tuple[float, float] | None) -> float:
    if spacing_mm is None or min(spacing_mm) <= 0:
        return OUTLINE_MARGIN_PX
    return OUTLINE_MARGIN_MM / min(spacing_mm)


__all__ = ["DisplayImage", "PreparedCase", "prepare_case"]
