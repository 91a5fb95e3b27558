"""Only the coordinator reaches the dashboard: the window opens a study only with the proof that
check_coordinator returns for that study's store; a reader's login gives no such proof."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from dashboard_fixtures import PASSWORD, DemoStudy, demo_text
from pytestqt.qtbot import QtBot

from reader_app.dashboard.window import DashboardWindow
from studies.engine.coordinator_api import CoordinatorAccess, check_coordinator
from studies.engine.reader_api import LoginError, ReaderSession
from studies.engine.study_creation import create_study_from_text


def test_a_reader_login_never_reaches_the_dashboard(
    qtbot: QtBot, demo_study: DemoStudy, demo_cohort: Path, tmp_path: Path
) -> None:
    store = demo_study.store
    reader = ReaderSession.login(store, "R1", demo_study.pins["R1"])
    for not_a_proof in (None, reader, "coordinator", True):
        with pytest.raises(PermissionError, match="coordinator's password"):
            DashboardWindow(demo_study.url, store, not_a_proof)  # type: ignore[arg-type]
    with pytest.raises(PermissionError, match="check_coordinator only"):
        CoordinatorAccess(object(), "demo", store.display_url, datetime.now(UTC))
    with pytest.raises(LoginError, match="wrong coordinator password"):
        check_coordinator(store, demo_study.pins["R1"])  # a reader's PIN is not the password

    other = create_study_from_text(
        demo_text(demo_cohort),
        tmp_path / "other",
        f"sqlite:///{tmp_path / 'other.db'}",
        coordinator_password=PASSWORD,
    )
    try:
        with pytest.raises(PermissionError):  # another study's access opens nothing here
            DashboardWindow(demo_study.url, store, other.access)
    finally:
        other.store.close()

    window = DashboardWindow(demo_study.url, store, check_coordinator(store, PASSWORD))
    qtbot.addWidget(window)
    assert window.store is store
    window.close()
