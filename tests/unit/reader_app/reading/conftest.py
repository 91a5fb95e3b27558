"""Fixtures of the reading workstation's tests: the shared small cohort, the store fixtures
(SQLite and PostgreSQL), a workstation window on a store, shown offscreen, and a reader
logged in at one on a new study."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from keys import log_in
from reading_study import PINS, make_cohort, make_study
from store_fixtures import store_url

from reader_app.app import application, build_main_window
from reader_app.main_window import MainWindow
from studies.engine.clock import Clock
from studies.store.database import Store

__all__ = [
    "cohort",
    "open_workstation",
    "seat_reader",
    "store_url",
    "study_database",
    "study_url",
]


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


@pytest.fixture
def study_database(tmp_path: Path) -> Path:
    """This test's SQLite store file (made by :func:`seat_reader` or ``make_study``)."""
    return tmp_path / "study.db"


@pytest.fixture
def study_url(study_database: Path) -> str:
    """The URL of :func:`study_database`."""
    return f"sqlite:///{study_database}"


@pytest.fixture
def seat_reader(qtbot, cohort: Path, study_url: str, open_workstation):  # type: ignore[no-untyped-def]
    """Makes a study on the shared cohort at ``study_url``, opens the workstation on it and
    logs a reader in with their PIN: ``store, window = seat_reader("R2", {"design":
    "sequential"})``. The window then shows the reader's sessions (or opens the one they left).
    """

    def seated(
        reader: str = "R1", overrides: dict | None = None, *, clock: Clock | None = None
    ) -> tuple[Store, MainWindow]:
        store = make_study(cohort, study_url, overrides, clock=clock)
        window = open_workstation(store, study_url, clock=clock)
        log_in(qtbot, window, reader, PINS[reader])
        return store, window

    return seated
