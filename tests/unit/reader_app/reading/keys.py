"""Working the workstation as a reader does: typing key by key, through Qt's event system, and
waiting for what a reader waits for (the session list, a case's images)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from reader_app.main_window import MainWindow
from reader_app.reading.window import ReadingWindow


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


def wait_for_case(qtbot, window: MainWindow) -> ReadingWindow:  # type: ignore[no-untyped-def]
    """Wait until the reading window is reading a case whose images are on screen."""
    qtbot.waitUntil(
        lambda: (
            window.reading is not None
            and window.reading.state() == "reading"
            and window.reading.viewer.current_case() is not None
        )
    )
    assert window.reading is not None
    return window.reading


def open_session(qtbot, window: MainWindow, *keys: Qt.Key | str) -> ReadingWindow:  # type: ignore[no-untyped-def]
    """From the session list, press ``keys`` (default Enter: the first session open to read)
    and wait for the session's first case."""
    wait_for_sessions(qtbot, window)
    press(window, *(keys or (Qt.Key.Key_Return,)))
    return wait_for_case(qtbot, window)
