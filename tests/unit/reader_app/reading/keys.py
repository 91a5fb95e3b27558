"""Typing at the workstation as a reader does: key by key, through Qt's event system."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from reader_app.main_window import MainWindow


def press(window: QWidget, *keys: Qt.Key | str) -> None:
    """Press each key (a ``Qt.Key`` or a one-character text) on the focused widget."""
    for key in keys:
        target = QApplication.focusWidget() or window
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key)


def log_in(qtbot, window: MainWindow, reader: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    """Type the reader id, Enter, the PIN, Enter."""
    window.login.reader_field.setFocus()
    press(window, reader, Qt.Key.Key_Return, pin, Qt.Key.Key_Return)


def wait_for_sessions(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Wait until the session list is up and has the keyboard."""
    qtbot.waitUntil(lambda: window.sessions.isVisible() and window.sessions.list.hasFocus())
