"""The heat map's colour legend, drawn in a corner of a view: the colour bar from 0 to 1 with
what it means ("model attention"), so that a reader never guesses what red stands for.

A :class:`QGraphicsObject` placed in the view's own (screen) coordinates, so it keeps its size
and place whatever the zoom. It uses the very table the overlay is coloured with, alpha
included, drawn over a mid-grey strip so that the transparent low end reads as "nothing".
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from reader_app.viewer.heatmap_colours import colour_table

#: Bar size in screen pixels.
BAR_WIDTH, BAR_HEIGHT = 180, 12
TEXT_COLOUR = QColor(200, 200, 200)


class HeatmapLegend(QGraphicsObject):
    """Colour bar, "0" and "1" at its ends, a title above and an optional note below."""

    def __init__(self, parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        table = colour_table(BAR_WIDTH)
        # Premultiplied ARGB from the RGBA table (QImage wants BGRA byte order on little endian).
        self._bar = QImage(BAR_WIDTH, 1, QImage.Format.Format_ARGB32)
        for x, (red, green, blue, alpha) in enumerate(table):
            self._bar.setPixelColor(x, 0, QColor(int(red), int(green), int(blue), int(alpha)))
        self._title = "Model attention (heat map)"
        self._note = ""
        self._font = QFont()
        self._font.setPointSize(10)

    def set_note(self, note: str) -> None:
        """A line under the bar, e.g. "SIMULATED heat map"; empty for none."""
        self.prepareGeometryChange()
        self._note = note
        self.update()

    def note(self) -> str:
        return self._note

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        metrics = QFontMetricsF(self._font)
        texts = [self._title, self._note] if self._note else [self._title]
        width = max([BAR_WIDTH + 40.0] + [metrics.horizontalAdvance(t) + 16 for t in texts])
        lines = 3 if self._note else 2
        return QRectF(0, 0, width, BAR_HEIGHT + 18 * lines + 4)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        painter.setFont(self._font)
        painter.setPen(QPen(TEXT_COLOUR))
        box = self.boundingRect()
        painter.fillRect(box, QColor(0, 0, 0, 160))
        left = (box.width() - BAR_WIDTH) / 2
        painter.drawText(QRectF(0, 0, box.width(), 18), Qt.AlignmentFlag.AlignHCenter, self._title)
        bar = QRectF(left, 20, BAR_WIDTH, BAR_HEIGHT)
        painter.fillRect(bar, QColor(90, 90, 90))
        painter.drawImage(bar, self._bar)
        painter.setPen(QPen(TEXT_COLOUR))
        painter.drawRect(bar)
        painter.drawText(QPointF(left - 14, 20 + BAR_HEIGHT - 1), "0")
        painter.drawText(QPointF(left + BAR_WIDTH + 4, 20 + BAR_HEIGHT - 1), "1")
        if self._note:
            painter.setPen(QPen(QColor(230, 180, 60)))
            painter.drawText(
                QRectF(0, 20 + BAR_HEIGHT + 2, box.width(), 18),
                Qt.AlignmentFlag.AlignHCenter,
                self._note,
            )
