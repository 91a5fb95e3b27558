"""The two linked image views of a case: low energy on the left, recombined on the right.

What a breast radiologist expects of a reading workstation, on a calm black background:

* **Hanging.** Both images in the orientation of :mod:`reader_app.viewer.orientation` (right
  breast: chest wall at the right edge; left breast: at the left edge), fitted with the chest
  wall against the view's edge and any spare width on the nipple side, the side and view
  ("R CC") burnt into the upper corner on the nipple side, over air, and the image type
  ("Low energy", "Recombined") above each view.
* **Linked views.** Zoom (wheel) and pan (left drag) in one view move the other the same way.
* **Window/level** per image: right drag (horizontal: width, vertical: centre) and named presets
  (:mod:`reader_app.viewer.window_presets`); each case opens at its default window.
* **Tools.** Invert, reset (fit, default window, not inverted), zoom to lesion (its box with a
  margin), lesion outline on/off (a thin line just outside the mask, so it never covers the
  margin the reader judges), 1:1 pixel zoom (one image pixel per screen pixel, at the mouse, the
  lesion or the centre). When zoomed in, the views switch to finer pyramid levels, down to
  full resolution, a moment after the zoom settles; beyond 1:1 the pixels are interpolated.
* **Heat map** (aided reads): the model's map over both views, stretched over the image, jet
  colours with transparent low values, an opacity, and a colour legend.

Speed. :meth:`CaseViewer.show_case` only hands display-resolution arrays prepared in a worker
thread (:func:`~reader_app.viewer.prepared_case.prepare_case`) to the image items and fits the
view: no decoding, no full-resolution image, well under one frame.

Public API (stable; the reading window binds its keys to it): :meth:`~CaseViewer.show_case`,
:meth:`~CaseViewer.clear`, :meth:`~CaseViewer.current_case`, :meth:`~CaseViewer.display_size`,
:meth:`~CaseViewer.set_heatmap_visible`, :meth:`~CaseViewer.heatmap_visible`,
:meth:`~CaseViewer.toggle_heatmap`, :meth:`~CaseViewer.set_heatmap_opacity`,
:meth:`~CaseViewer.heatmap_opacity`, :meth:`~CaseViewer.set_heatmap_note`,
:meth:`~CaseViewer.toggle_invert`, :meth:`~CaseViewer.is_inverted`,
:meth:`~CaseViewer.reset_view`, :meth:`~CaseViewer.zoom_to_lesion`,
:meth:`~CaseViewer.set_outline_visible`, :meth:`~CaseViewer.outline_visible`,
:meth:`~CaseViewer.toggle_outline`, :meth:`~CaseViewer.toggle_magnifier`,
:meth:`~CaseViewer.apply_window_preset`, :meth:`~CaseViewer.grey_window`, signal
``heatmap_toggled(bool)`` (only when the reader's action changes what is on screen), and
:attr:`~CaseViewer.panels` (the two :class:`ImagePanel` objects, for tests and screenshots).

Each case opens fitted, at its default windows, not inverted, with the heat map **off** (the
reading window turns it on when the study wants it on from the start) and the outline as the
reader last left it (on at first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QVBoxLayout, QWidget

from reader_app.viewer.display_pyramid import level_for_scale
from reader_app.viewer.heatmap_legend import HeatmapLegend
from reader_app.viewer.prepared_case import DisplayImage, PreparedCase
from reader_app.viewer.window_presets import PRESET_NAMES, Window

pg.setConfigOptions(imageAxisOrder="row-major")

#: Grey of every text on the views: readable on black, never glaring in a dark room.
TEXT_GREY = QColor(190, 190, 190)
#: The outline: a thin light line over a darker, wider one, visible on bright and dark tissue.
OUTLINE_COLOUR = QColor(255, 214, 0)
OUTLINE_SHADOW = QColor(0, 0, 0, 170)
#: Heat-map opacity until the reader moves the slider.
DEFAULT_HEATMAP_OPACITY = 0.45
#: Zoom to lesion shows the lesion box plus this fraction of its size on each side (at least
#: :data:`LESION_MIN_MARGIN_MM`, so a small lesion keeps its surroundings).
LESION_MARGIN_FRACTION = 0.6
LESION_MIN_MARGIN_MM = 10.0
#: Screen pixels of right drag that move the window by its own width.
DRAG_PIXELS_PER_WIDTH = 300.0
#: Source pixels per screen pixel below which the images are drawn interpolated (zoomed in
#: beyond 1:1 by more than 10 %).
MAGNIFIED_BELOW = 0.9
#: How long a zoom must settle before a finer pyramid level is drawn (ms).
LEVEL_SWITCH_DELAY_MS = 80
_INVERTED_LUT = np.arange(255, -1, -1, dtype=np.uint8)


class WindowingViewBox(pg.ViewBox):
    """A ViewBox whose right drag sets window/level instead of zooming (and has no menu)."""

    window_dragged = Signal(float, float)

    def __init__(self) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.setBackgroundColor("k")

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 (pyqtgraph's name)
        if ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            delta = ev.screenPos() - ev.lastScreenPos()
            self.window_dragged.emit(float(delta.x()), float(delta.y()))
            return
        super().mouseDragEvent(ev, axis)


@dataclass
class ImagePanel:
    """One view and what it draws; :attr:`CaseViewer.panels` holds the low-energy panel first."""

    name: str
    view: WindowingViewBox
    image: pg.ImageItem
    heatmap: pg.ImageItem
    outline_shadow: pg.PlotCurveItem
    outline: pg.PlotCurveItem
    corner_label: QGraphicsSimpleTextItem
    displayed: DisplayImage | None = None
    level: int = 0
    window: Window | None = None


class CaseViewer(QWidget):
    """Two linked views of a prepared case; see the module docstring."""

    #: The heat map went on (True) or off (False) on screen by the reader's action.
    heatmap_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground("k")
        self._graphics.ci.setContentsMargins(2, 2, 2, 2)
        self._graphics.ci.setSpacing(12)  # a clear gap between the two images
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics)

        titles = ("Low energy", "Recombined")
        for column, title in enumerate(titles):
            self._graphics.addLabel(title, row=0, col=column, color=TEXT_GREY, size="11pt")
        self.panels: tuple[ImagePanel, ImagePanel] = tuple(  # type: ignore[assignment]
            self._make_panel(title, column) for column, title in enumerate(titles)
        )
        grid = self._graphics.ci.layout
        for column in range(2):  # two equal views, whatever their titles' widths
            grid.setColumnStretchFactor(column, 1)
            grid.setColumnMinimumWidth(column, 50)
            grid.setColumnPreferredWidth(column, 400)
        left, right = self.panels
        right.view.setXLink(left.view)
        right.view.setYLink(left.view)

        self._legend = HeatmapLegend(right.view)
        self._legend.setZValue(1000)
        self._legend.hide()

        self._case: PreparedCase | None = None
        self._inverted = False
        self._heatmap_on = False
        self._outline_on = True
        self._opacity = DEFAULT_HEATMAP_OPACITY
        self._mouse_scene: QPointF | None = None

        self._level_timer = QTimer(self)
        self._level_timer.setSingleShot(True)
        self._level_timer.setInterval(LEVEL_SWITCH_DELAY_MS)
        self._level_timer.timeout.connect(self._update_levels)
        left.view.sigRangeChanged.connect(lambda *_: self._level_timer.start())
        left.view.sigResized.connect(self._place_overlays)
        self._graphics.scene().sigMouseMoved.connect(self._remember_mouse)

    def _make_panel(self, name: str, column: int) -> ImagePanel:
        view = WindowingViewBox()
        self._graphics.addItem(view, row=1, col=column)
        image = pg.ImageItem(axisOrder="row-major")
        heatmap = pg.ImageItem(axisOrder="row-major")
        heatmap.setZValue(10)
        heatmap.setOpacity(DEFAULT_HEATMAP_OPACITY)
        heatmap.hide()
        shadow = pg.PlotCurveItem(pen=pg.mkPen(OUTLINE_SHADOW, width=3.5), connect="pairs")
        outline = pg.PlotCurveItem(pen=pg.mkPen(OUTLINE_COLOUR, width=1.5), connect="pairs")
        shadow.setZValue(20)
        outline.setZValue(21)
        for item in (image, heatmap, shadow, outline):
            view.addItem(item, ignoreBounds=item is not image)
        label = QGraphicsSimpleTextItem(view)  # child of the box: fixed on screen
        font = QFont()
        font.setPointSize(20)
        font.setBold(True)
        label.setFont(font)
        label.setBrush(TEXT_GREY)
        label.setZValue(1000)
        panel = ImagePanel(name, view, image, heatmap, shadow, outline, label)
        view.window_dragged.connect(lambda dx, dy, p=panel: self._drag_window(p, dx, dy))
        return panel

    # ------------------------------------------------------------------------------- cases

    def show_case(self, prepared: PreparedCase) -> None:
        """Show ``prepared``: fitted, default windows, not inverted, heat map off. Fast: hands
        display-resolution arrays to the image items, nothing more."""
        self._level_timer.stop()
        self._case = prepared
        self._inverted = False
        self._graphics.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # fitted
        self._heatmap_on = False
        segments = prepared.outline
        whole_image = (0.0, 0.0, float(prepared.source_shape[1]), float(prepared.source_shape[0]))
        for panel, displayed in zip(
            self.panels, (prepared.low_energy, prepared.recombined), strict=True
        ):
            panel.displayed = displayed
            panel.window = displayed.window
            panel.level = displayed.display_level
            self._draw(panel)
            if prepared.heatmap_rgba is not None:
                panel.heatmap.setImage(prepared.heatmap_rgba, autoLevels=False, levels=None)
                panel.heatmap.setRect(QRectF(*(prepared.heatmap_rect or whole_image)))
            else:
                panel.heatmap.clear()
            panel.heatmap.hide()
            if segments is not None:
                x = segments[:, :, 0].ravel()
                y = segments[:, :, 1].ravel()
                panel.outline.setData(x, y, connect="pairs")
                panel.outline_shadow.setData(x, y, connect="pairs")
            else:
                panel.outline.setData([], [])
                panel.outline_shadow.setData([], [])
            panel.outline.setVisible(self._outline_on and segments is not None)
            panel.outline_shadow.setVisible(self._outline_on and segments is not None)
            panel.corner_label.setText(prepared.label)
        self._legend.hide()
        self._place_overlays()
        self._fit()

    def clear(self) -> None:
        """Show nothing (between cases that are not ready, or after the last one)."""
        self._level_timer.stop()
        self._case = None
        self._heatmap_on = False
        for panel in self.panels:
            panel.image.clear()
            panel.heatmap.clear()
            panel.heatmap.hide()
            panel.outline.setData([], [])
            panel.outline_shadow.setData([], [])
            panel.corner_label.setText("")
            panel.displayed = None
            panel.window = None
        self._legend.hide()

    def current_case(self) -> PreparedCase | None:
        """The case on screen, or ``None``."""
        return self._case

    def display_size(self) -> tuple[int, int]:
        """(rows, columns) of one view in device pixels: the size to prepare cases for."""
        view = self.panels[0].view
        ratio = self.devicePixelRatioF()
        return (max(1, round(view.height() * ratio)), max(1, round(view.width() * ratio)))

    # ---------------------------------------------------------------------------- heat map

    def set_heatmap_visible(self, visible: bool) -> None:
        """Show or hide the heat map over both views; a case without one shows nothing.
        Emits :attr:`heatmap_toggled` when what is on screen changes."""
        visible = bool(visible) and self._case is not None and self._case.heatmap is not None
        if visible == self._heatmap_on:
            return
        self._heatmap_on = visible
        for panel in self.panels:
            panel.heatmap.setVisible(visible)
        self._legend.setVisible(visible)
        self.heatmap_toggled.emit(visible)

    def heatmap_visible(self) -> bool:
        """Whether the heat map is on screen."""
        return self._heatmap_on

    def toggle_heatmap(self) -> None:
        """Heat map on if off, off if on (the H key)."""
        self.set_heatmap_visible(not self._heatmap_on)

    def set_heatmap_opacity(self, opacity: float) -> None:
        """The heat map's opacity, 0 (invisible) … 1 (opaque); kept from case to case."""
        self._opacity = float(min(max(opacity, 0.0), 1.0))
        for panel in self.panels:
            panel.heatmap.setOpacity(self._opacity)

    def heatmap_opacity(self) -> float:
        return self._opacity

    def set_heatmap_note(self, note: str) -> None:
        """A line under the legend, e.g. "SIMULATED heat map" when the map is not a model's."""
        self._legend.set_note(note)
        self._place_overlays()

    # ------------------------------------------------------------------------------- tools

    def toggle_invert(self) -> None:
        """Invert both images' grey scale (white ↔ black), or undo it."""
        self._inverted = not self._inverted
        for panel in self.panels:
            if panel.displayed is not None:
                self._draw(panel)

    def is_inverted(self) -> bool:
        return self._inverted

    def reset_view(self) -> None:
        """Fit both images, default windows, not inverted."""
        if self._case is None:
            return
        self._inverted = False
        for panel in self.panels:
            if panel.displayed is not None:
                panel.window = panel.displayed.window
                self._draw(panel)
        self._fit()

    def zoom_to_lesion(self) -> None:
        """Zoom both views onto the lesion's box with a margin; nothing without a mask."""
        if self._case is None or self._case.lesion_box is None:
            return
        row0, col0, row1, col1 = self._case.lesion_box
        spacing = self._case.pixel_spacing_mm
        minimum = LESION_MIN_MARGIN_MM / min(spacing) if spacing else 100.0
        margin = max(LESION_MARGIN_FRACTION * max(row1 - row0, col1 - col0), minimum)
        rect = QRectF(
            col0 - margin, row0 - margin, col1 - col0 + 2 * margin, row1 - row0 + 2 * margin
        )
        self.panels[0].view.setRange(rect, padding=0)

    def set_outline_visible(self, visible: bool) -> None:
        """Show or hide the lesion outline on both views (kept from case to case)."""
        self._outline_on = bool(visible)
        has_outline = self._case is not None and self._case.outline is not None
        for panel in self.panels:
            panel.outline.setVisible(self._outline_on and has_outline)
            panel.outline_shadow.setVisible(self._outline_on and has_outline)

    def outline_visible(self) -> bool:
        """Whether the reader wants the outline (it shows when the case has a mask)."""
        return self._outline_on

    def toggle_outline(self) -> None:
        self.set_outline_visible(not self._outline_on)

    def toggle_magnifier(self) -> None:
        """1:1 pixel zoom (one full-resolution pixel per screen pixel) centred on the mouse,
        else the lesion, else the image centre; from 1:1, back to the fitted view."""
        if self._case is None:
            return
        view = self.panels[0].view
        ratio = self.devicePixelRatioF()
        if abs(view.viewPixelSize()[0] * ratio - 1.0) < 0.02:
            self._fit()
            return
        centre = self._magnifier_centre()
        width, height = view.width() / ratio, view.height() / ratio
        view.setRange(
            QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height), padding=0
        )

    def apply_window_preset(self, name: str) -> None:
        """Set both images to their preset ``name`` (one of :data:`PRESET_NAMES`)."""
        if name not in PRESET_NAMES:
            raise ValueError(f"unknown window preset '{name}'; known: {', '.join(PRESET_NAMES)}")
        for panel in self.panels:
            if panel.displayed is not None:
                self._set_window(panel, panel.displayed.presets[name])

    def grey_window(self, panel_index: int) -> Window | None:
        """The window/level of panel 0 (low energy) or 1 (recombined) now."""
        return self.panels[panel_index].window

    def magnified_smoothly(self) -> bool:
        """Whether the images are drawn interpolated now (zoomed in beyond 1:1)."""
        hints = self._graphics.renderHints()
        return bool(hints & QPainter.RenderHint.SmoothPixmapTransform)

    # ----------------------------------------------------------------------------- drawing

    def _draw(self, panel: ImagePanel) -> None:
        """Hand the panel's level, window and grey scale to its image item. A case as it
        opens uses the prepared uint8 image (no conversion at all); anything else windows the
        pyramid level through a lookup table."""
        displayed, window = panel.displayed, panel.window
        assert displayed is not None and window is not None
        rows, columns = displayed.source_shape
        if (
            panel.level == displayed.display_level
            and window == displayed.window
            and not self._inverted
        ):
            panel.image.setImage(displayed.display_grey, autoLevels=False, levels=None, lut=None)
        else:
            panel.image.setImage(
                displayed.levels[panel.level],
                autoLevels=False,
                levels=window.levels,
                lut=_INVERTED_LUT if self._inverted else None,
            )
        panel.image.setRect(QRectF(0, 0, columns, rows))

    def _set_window(self, panel: ImagePanel, window: Window) -> None:
        panel.window = window
        self._draw(panel)

    def _drag_window(self, panel: ImagePanel, dx: float, dy: float) -> None:
        if panel.window is None:
            return
        step = panel.window.width / DRAG_PIXELS_PER_WIDTH
        self._set_window(panel, panel.window.dragged(d_center=dy * step, d_width=dx * step))

    def _fit(self) -> None:
        """The whole image in view, its chest wall against the view's edge on that side (the
        hanging of every mammography workstation), any spare width on the nipple side."""
        if self._case is None:
            return
        rows, columns = self._case.source_shape
        view = self.panels[0].view
        width, height = max(view.width(), 1.0), max(view.height(), 1.0)
        scale = max(columns / width, rows / height)  # source pixels per screen pixel
        shown_width, shown_height = width * scale, height * scale
        top = (rows - shown_height) / 2
        if self._case.laterality == "R":
            left = columns - shown_width
        elif self._case.laterality == "L":
            left = 0.0
        else:
            left = (columns - shown_width) / 2
        view.setRange(QRectF(left, top, shown_width, shown_height), padding=0)

    def _update_levels(self) -> None:
        """Draw the level the zoom needs: finer than the display level when zoomed in, and
        interpolated beyond 1:1 (blocks of pixels there would show as staircases on every
        edge; up to 1:1, and when fitted, each screen pixel shows an image pixel as it is)."""
        if self._case is None:
            return
        scale = self.panels[0].view.viewPixelSize()[0] * self.devicePixelRatioF()
        magnified = scale < MAGNIFIED_BELOW
        if self.magnified_smoothly() != magnified:
            self._graphics.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, magnified)
            self._graphics.viewport().update()
        for panel in self.panels:
            if panel.displayed is None:
                continue
            level = min(
                level_for_scale(panel.displayed.levels, scale), panel.displayed.display_level
            )
            if level != panel.level:
                panel.level = level
                self._draw(panel)

    def _magnifier_centre(self) -> QPointF:
        assert self._case is not None
        rows, columns = self._case.source_shape
        if self._mouse_scene is not None:
            for panel in self.panels:
                if panel.view.sceneBoundingRect().contains(self._mouse_scene):
                    point = panel.view.mapSceneToView(self._mouse_scene)
                    if 0 <= point.x() < columns and 0 <= point.y() < rows:
                        return QPointF(point)
        if self._case.lesion_box is not None:
            row0, col0, row1, col1 = self._case.lesion_box
            return QPointF((col0 + col1) / 2, (row0 + row1) / 2)
        return QPointF(columns / 2, rows / 2)

    def _remember_mouse(self, position: QPointF) -> None:
        self._mouse_scene = QPointF(position)

    def _place_overlays(self) -> None:
        """Corner labels on the nipple side (over air), legend in the recombined view's lower
        corner on the same side."""
        chest_wall_right = self._case is not None and self._case.laterality == "R"
        margin = 10.0
        for panel in self.panels:
            box = panel.view.boundingRect()
            label = panel.corner_label.boundingRect()
            x = margin if chest_wall_right else box.width() - label.width() - margin
            panel.corner_label.setPos(x, margin)
        box = self.panels[1].view.boundingRect()
        legend = self._legend.boundingRect()
        x = margin if chest_wall_right else box.width() - legend.width() - margin
        self._legend.setPos(x, box.height() - legend.height() - margin)
