"""The workstation in a process of its own, driven like a reader would, for the crash test.

    python workstation_process.py URL READER PIN ANSWERS OUTBOX_ROOT

Runs the real application offscreen: logs in with the keyboard, opens the reader's session,
answers ``ANSWERS`` cases with keys (malignant, 64 %, BI-RADS 3, Enter), printing
``answered <position>`` once the store committed each (the window's ``answer_recorded``), then
prints ``waiting`` and keeps running until it is killed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reader_app.app import application, build_main_window
from studies.store.database import open_store


def _until(app: QApplication, condition: Callable[[], bool]) -> None:
    while not condition():
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)


def _keys(app: QApplication, *keys: Qt.Key | str) -> None:
    for key in keys:
        target = QApplication.focusWidget() or app.activeWindow()
        if isinstance(key, str):
            QTest.keyClicks(target, key)
        else:
            QTest.keyClick(target, key)


def main(url: str, reader_id: str, pin: str, answers: str, outbox_root: str) -> None:
    app = application()
    store = open_store(url)
    window = build_main_window(store, url, outbox_root=Path(outbox_root))
    window.resize(1200, 800)
    window.show()
    window.activateWindow()
    _until(app, lambda: app.activeWindow() is window)
    window.login.reader_field.setFocus()
    _keys(app, reader_id, Qt.Key.Key_Return, pin, Qt.Key.Key_Return)
    _until(app, lambda: window.sessions.isVisible() or window.reading is not None)
    if window.reading is None:  # nothing in progress: open the first session
        _until(app, lambda: window.sessions.list.hasFocus())
        _keys(app, Qt.Key.Key_Return)
    reading = window.reading
    assert reading is not None
    recorded: list[int] = []
    reading.answer_recorded.connect(recorded.append)
    for _ in range(int(answers)):
        _until(
            app, lambda: reading.state() == "reading" and reading.viewer.current_case() is not None
        )
        case = reading.current_case()
        assert case is not None
        before = len(recorded)
        _keys(app, "m", "6", "4", "]", Qt.Key.Key_Return)
        _until(app, lambda before=before: len(recorded) > before)
        print(f"answered {case.position}", flush=True)
    print("waiting", flush=True)
    app.exec()


if __name__ == "__main__":
    main(*sys.argv[1:])
