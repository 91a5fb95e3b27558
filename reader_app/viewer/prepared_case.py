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
* :func:`prepare_case` ``(case, *, display_size)``; :func:`with_heatmap` ``(prepared,
  heatmap)`` adds a model's heat map to a case prepared without one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
        display_grey: the display level already windowed at ``window``, uint8 (0 black, 255
            white): what a case opens with, handed to Qt without any conversion.
    """

    levels: tuple[np.ndarray, ...]
    display_level: int
    window: Window
    presets: dict[str, Window]
    source_shape: tuple[int, int]
    source: str
    display_grey: np.ndarray

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
        heatmap_rgba: the same coloured (:mod:`reader_app.viewer.heatmap_colours`), uint8
            (rows, columns, 4), cropped to where it is not fully transparent (fewer pixels to
            blend on every repaint); ``None`` without a heat map or when it is transparent
            everywhere.
        heatmap_rect: (x, y, width, height) of ``heatmap_rgba`` in the views' scene
            (full-resolution pixels), or ``None``.
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
    heatmap_rect: tuple[float, float, float, float] | None
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

    prepared = PreparedCase(
        case_id=case.case_id,
        low_energy=le_image,
        recombined=re_image,
        lesion_box=lesion_box,
        outline=outline,
        heatmap=None,
        heatmap_rgba=None,
        heatmap_rect=None,
        laterality=laterality,
        view=view,
        pixel_spacing_mm=low_energy.spacing_mm,
        mirrored=mirrored,
    )
    source_heatmap = case.model.heatmap if case.model is not None else None
    return prepared if source_heatmap is None else with_heatmap(prepared, source_heatmap)


def with_heatmap(prepared: PreparedCase, heatmap: np.ndarray) -> PreparedCase:
    """``prepared`` with a heat map covering the whole stored image (any resolution), oriented,
    resampled to the display level and coloured as :func:`prepare_case` does it.

    For a case whose images were prepared before its model output was known (the sequential
    design's aided stage reuses the unaided stage's images). Pure numpy: run it in a worker
    thread when the map is large; for the store's 512-pixel maps it takes a few milliseconds.
    """
    oriented = np.asarray(heatmap, dtype=np.float32)
    if oriented.ndim != 2:
        raise ValueError(f"case {prepared.case_id}: a heat map must be 2-D, not {oriented.shape}")
    if prepared.mirrored:
        oriented = oriented[:, ::-1]
    resampled = resample_heatmap(oriented, prepared.low_energy.display_pixels.shape)
    colours, rect = _visible_colours(resampled, prepared.source_shape)
    return replace(prepared, heatmap=resampled, heatmap_rgba=colours, heatmap_rect=rect)


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
        display_grey=windowed_grey(levels[display_level], presets["Default"]),
    )


def windowed_grey(pixels: np.ndarray, window: Window) -> np.ndarray:
    """``pixels`` through the linear ``window``, as uint8 grey levels (pyqtgraph's mapping)."""
    black, white = window.levels
    scaled = (pixels.astype(np.float32) - black) * (255.0 / (white - black))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _visible_colours(
    heatmap: np.ndarray, source_shape: tuple[int, int]
) -> tuple[np.ndarray | None, tuple[float, float, float, float] | None]:
    """The coloured heat map cropped to its not fully transparent part, and where that lies."""
    colours = heatmap_rgba(heatmap)
    box = mask_box(colours[..., 3] > 0)
    if box is None:
        return None, None
    row0, col0, row1, col1 = box
    scale_y = source_shape[0] / heatmap.shape[0]
    scale_x = source_shape[1] / heatmap.shape[1]
    rect = (col0 * scale_x, row0 * scale_y, (col1 - col0) * scale_x, (row1 - row0) * scale_y)
    return np.ascontiguousarray(colours[row0:row1, col0:col1]), rect


def _outline_margin(spacing_mm: tuple[float, float] | None) -> float:
    if spacing_mm is None or min(spacing_mm) <= 0:
        return OUTLINE_MARGIN_PX
    return OUTLINE_MARGIN_MM / min(spacing_mm)


__all__ = ["DisplayImage", "PreparedCase", "prepare_case", "with_heatmap"]
