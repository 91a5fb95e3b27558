"""Overlays drawn over the reading window: pause and help.

They are child widgets, not dialogs: nothing modal ever appears in the reading loop, and the key
that opened an overlay closes it. The pause overlay covers the images completely — a paused case
is not being read, and the reading timer is stopped.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from .keyboard import MOUSE_HELP, SHORTCUTS


class _Overlay(QWidget):
    """A widget that covers its parent and follows its size."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._covered().rect())
        return False

    def _covered(self) -> QWidget:
        parent = self.parentWidget()
        assert parent is not None  # made with a parent, which owns it
        return parent

    def show_over(self) -> None:
        """Cover the parent now."""
        self.setGeometry(self._covered().rect())
        self.raise_()
        self.show()


class PauseOverlay(_Overlay):
    """ "Paused": the images hidden, the timer stopped, Space to resume."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "pauseOverlay")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Paused")
        title.setObjectName("overlayTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("The reading timer is stopped.\nPress Space to resume.")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        layout.addWidget(self.detail)


class HelpOverlay(_Overlay):
    """Every shortcut of the reading window (F1 or Esc closes it)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "helpOverlay")
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box = QWidget()
        box.setObjectName("helpBox")
        box.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        grid = QGridLayout(box)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(6)
        title = QLabel("Keyboard")
        title.setObjectName("overlayTitle")
        grid.addWidget(title, 0, 0, 1, 2)
        row = 1
        for shortcut in SHORTCUTS:
            grid.addWidget(_key_label(shortcut.label), row, 0)
            text = shortcut.description + ("   (aided reads)" if shortcut.aided_only else "")
            grid.addWidget(QLabel(text), row, 1)
            row += 1
        mouse = QLabel("Mouse")
        mouse.setObjectName("sectionHeading")
        grid.addWidget(mouse, row, 0, 1, 2)
        row += 1
        for gesture, text in MOUSE_HELP:
            grid.addWidget(_key_label(gesture), row, 0)
            grid.addWidget(QLabel(text), row, 1)
            row += 1
        closing = QLabel("F1 or Esc closes this help.")
        closing.setObjectName("note")
        grid.addWidget(closing, row, 0, 1, 2)
        outer.addWidget(box)


def _key_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("keyCap")
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label
