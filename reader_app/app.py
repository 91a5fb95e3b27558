"""The reading workstation's start: ``main()`` opens the store and shows the login screen.

Start-up is kept short — the login screen must be up well within two seconds on a modest
machine — by importing only what the login screen needs: Qt, the study store and the reader API.
The image views (pyqtgraph, the viewer, the reading window) are imported right after the login
screen is on screen, while the reader types their PIN (:func:`_warm_up`), so the first case
opens as quickly as the next ones. TensorFlow is never imported by the application at all.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from studies.engine.clock import Clock, SystemClock
from studies.engine.outbox import default_outbox_folder
from studies.engine.reading_settings import reading_settings
from studies.store.database import Store, open_store

from .main_window import MainWindow

#: The dark reading-room theme (package data beside this module).
THEME_FILE = "reading_room.qss"
APPLICATION_NAME = "CESM Reader Study"


def theme() -> str:
    """The style sheet of the reading-room theme."""
    return resources.files("reader_app").joinpath(THEME_FILE).read_text(encoding="utf-8")


def application(argv: Sequence[str] = ()) -> QApplication:
    """The process's QApplication (made once), themed."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName(APPLICATION_NAME)
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSize(11)
    app.setFont(font)
    app.setStyleSheet(theme())
    return app


def build_main_window(
    store: Store,
    store_url: str,
    *,
    clock: Clock | None = None,
    outbox_root: Path | None = None,
) -> MainWindow:
    """The workstation's window on ``store`` (``outbox_root``: where readers' outboxes go,
    default the user's data folder)."""
    settings = reading_settings(store)

    def outbox_folder(study_id: str, reader_id: str) -> Path:
        if outbox_root is not None:
            return outbox_root / study_id / reader_id
        return default_outbox_folder(store_url, study_id, reader_id)

    return MainWindow(store, store_url, settings, clock or SystemClock(), outbox_folder)


def _warm_up() -> None:
    """Import the reading window (pyqtgraph, the viewer) once the login screen is up."""
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)
    import reader_app.reading.window  # noqa: F401


def main(store_url: str, *, argv: Sequence[str] = ()) -> int:
    """Run the workstation on the study store at ``store_url``; returns the exit status.

    Raises:
        StoreError: the store cannot be opened (the message names it).
    """
    app = application(argv)
    store = open_store(store_url)
    try:
        window = build_main_window(store, store_url)
        window.resize(1600, 1000)
        window.showMaximized()
        app.aboutToQuit.connect(window.shut_down)  # a quit that did not close the window
        QTimer.singleShot(0, _warm_up)
        return app.exec()
    finally:
        store.close()
