"""Fixtures of the reading workstation's tests: the shared small cohort, the store fixtures
(SQLite and PostgreSQL), and a workstation window on a store, shown offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reading_study import make_cohort
from store_fixtures import store_url

from reader_app.app import application, build_main_window
from reader_app.main_window import MainWindow
from studies.engine.clock import Clock
from studies.store.database import Store

__all__ = ["cohort", "open_workstation", "store_url"]


@pytest.fixture(scope="session")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small cohort with model outputs (made once)."""
    return make_cohort(tmp_path_factory.mktemp("reading"))


@pytest.fixture
def open_workstation(qtbot, tmp_path: Path) -> Iterator[Callable[..., MainWindow]]:  # type: ignore[no-untyped-def]
    """Opens the workstation's window on a store (themed, outboxes under ``tmp_path``)."""
    windows: list[MainWindow] = []

    def opened(store: Store, url: str, *, clock: Clock | None = None) -> MainWindow:
        application()
        window = build_main_window(store, url, clock=clock, outbox_root=tmp_path / "outbox")
        qtbot.addWidget(window)
        window.resize(1400, 900)
        with qtbot.waitActive(window):  # keys go to the focused widget of the active window
            window.show()
            window.activateWindow()
        windows.append(window)
        return window

    yield opened
    for window in windows:
        window.close()
