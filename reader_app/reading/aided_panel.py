"""What an aided read adds: the locked unaided answer, the model's probability, the heat map's
controls.

The panel is filled only from a :class:`~studies.engine.reader_api.ModelOutput` that the reading
window hands it for an *aided* case; it never looks at a case itself, so an unaided read cannot
reach the model's output through it. In the sequential design the reader's own unaided answer is
shown first, marked as locked, in the same update that reveals the model's output.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from studies.engine.reader_api import Answer, ModelOutput

from .decision_panel import decision_text

#: How the threshold marks are labelled (the study's names are identifiers).
THRESHOLD_NAMES = {
    "youden": "Youden",
    "high_sensitivity": "high sensitivity",
    "high_specificity": "high specificity",
}
DEFAULT_OPACITY = 0.45


class ProbabilityBar(QWidget):
    """A horizontal bar 0–100 % filled to the model's probability, with the study's operating
    points as labelled marks (a probability right of a mark is "positive" at that point)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("probabilityBar")
        self._probability: float | None = None
        self._thresholds: dict[str, float] = {}
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_output(self, probability: float | None, thresholds: dict[str, float]) -> None:
        """Show ``probability`` (0–1) and the marks (``None``: an empty bar)."""
        self._probability = probability
        self._thresholds = dict(thresholds)
        self.update()

    def paintEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        margin = 6
        bar = QRectF(margin, 8, self.width() - 2 * margin, 16)
        painter.setPen(QPen(QColor("#5b6470"), 1))
        painter.setBrush(QColor("#1b1f24"))
        painter.drawRect(bar)
        if self._probability is not None:
            filled = QRectF(bar.left(), bar.top(), bar.width() * self._probability, bar.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#d9a441"))
            painter.drawRect(filled)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1.5, 8.0))
        painter.setFont(font)
        # labels below the bar, alternating between two rows so that close marks never overlap;
        # the marks first, then the labels on the panel's colour, so that a second-row mark
        # passes behind a first-row label instead of striking through its text
        metrics = painter.fontMetrics()
        line = metrics.height()
        marks = sorted(self._thresholds.items(), key=lambda item: item[1])
        painter.setPen(QPen(QColor("#f2f2f2"), 2))
        for row, (_, value) in enumerate(marks):
            x = bar.left() + bar.width() * value
            painter.drawLine(
                int(x), int(bar.top() - 4), int(x), int(bar.bottom() + 4 + line * (row % 2))
            )
        for row, (name, value) in enumerate(marks):
            x = bar.left() + bar.width() * value
            label = f"{THRESHOLD_NAMES.get(name, name)} {value * 100:.0f} %"
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width / 2, 0), self.width() - width)
            baseline = bar.bottom() + 4 + line * (row % 2 + 1)
            box = QRectF(left - 2, baseline - metrics.ascent(), width + 4, line)
            painter.fillRect(box, self.palette().window())
            painter.setPen(QColor("#c8ccd2"))
            painter.drawText(int(left), int(baseline), label)
        painter.end()


class AidedPanel(QWidget):
    """The model's output for the case on screen (aided reads only)."""

    #: The reader switched the heat map with the check box.
    heatmap_toggled = Signal(bool)
    #: The reader moved the opacity slider (0–1).
    opacity_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aidedPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(6)

        self.locked_banner = QLabel("")
        self.locked_banner.setObjectName("lockedBanner")
        self.locked_banner.setWordWrap(True)
        self.locked_banner.hide()

        heading = QLabel("AI MODEL — PROBABILITY OF MALIGNANCY")
        heading.setObjectName("sectionHeading")
        layout.addWidget(heading)
        self.probability_label = QLabel("")
        self.probability_label.setObjectName("modelProbability")
        layout.addWidget(self.probability_label)
        self.bar = ProbabilityBar()
        layout.addWidget(self.bar)

        heat_row = QHBoxLayout()
        self.heatmap_box = QCheckBox("Heat map  (H)")
        self.heatmap_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.heatmap_box.toggled.connect(self.heatmap_toggled)
        heat_row.addWidget(self.heatmap_box)
        heat_row.addStretch(1)
        layout.addLayout(heat_row)
        opacity_row = QHBoxLayout()
        opacity_row.addWidget(QLabel("Opacity  ( , . )"))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(0, 100)
        self.opacity_slider.setValue(round(DEFAULT_OPACITY * 100))
        self.opacity_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.opacity_slider.valueChanged.connect(lambda v: self.opacity_changed.emit(v / 100))
        opacity_row.addWidget(self.opacity_slider, 1)
        layout.addLayout(opacity_row)
        self.no_heatmap_label = QLabel("No heat map for this case.")
        self.no_heatmap_label.setObjectName("note")
        self.no_heatmap_label.setWordWrap(True)
        self.no_heatmap_label.hide()
        layout.addWidget(self.no_heatmap_label)

    def show_output(self, output: ModelOutput, locked: Answer | None) -> None:
        """Show the model's output, and first the reader's locked unaided answer (sequential)."""
        if locked is not None:
            self.locked_banner.setText(
                "<span style='color:#98a1ac'>YOUR UNAIDED ANSWER — LOCKED</span><br>"
                f"<b>{decision_text(locked)}</b><br>"
                "Now answer again with the AI model's output (below)."
            )
        self.locked_banner.setVisible(locked is not None)
        self.probability_label.setText(f"{output.probability * 100:.0f} %")
        self.bar.set_output(output.probability, output.thresholds)
        has_heatmap = output.heatmap is not None
        self.heatmap_box.setEnabled(has_heatmap)
        self.opacity_slider.setEnabled(has_heatmap)
        self.no_heatmap_label.setText(heatmap_note(output.heatmap))
        self.no_heatmap_label.setVisible(bool(self.no_heatmap_label.text()))

    def clear(self) -> None:
        """Forget the output (the next case is unaided, or not shown yet)."""
        self.locked_banner.hide()
        self.probability_label.setText("")
        self.bar.set_output(None, {})

    def set_heatmap_checked(self, on: bool) -> None:
        """Mirror the heat map's state (switched with H) without emitting a toggle."""
        self.heatmap_box.blockSignals(True)
        self.heatmap_box.setChecked(on)
        self.heatmap_box.blockSignals(False)

    def step_opacity(self, delta: float) -> None:
        """Move the opacity slider by ``delta`` (0–1 scale)."""
        self.opacity_slider.setValue(self.opacity_slider.value() + round(delta * 100))

    def opacity(self) -> float:
        """The opacity the slider sets, 0–1."""
        return self.opacity_slider.value() / 100


def heatmap_note(heatmap: np.ndarray | None) -> str:
    """What the panel says about a case's heat map, or "" when the overlay speaks for itself.

    Grad-CAM keeps only the regions that push the model toward *malignant*; on a case the model
    finds benign there may be none, and the map is zero everywhere. Shown as it is, that is an
    invisible overlay the reader would take for a fault, so the panel says what it means.
    """
    if heatmap is None:
        return "No heat map for this case."
    if not np.any(np.asarray(heatmap) > 0):
        return "Heat map empty: no region pushes the model toward malignant."
    return ""
