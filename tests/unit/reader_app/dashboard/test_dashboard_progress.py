"""Progress page: it follows answers submitted elsewhere (a poll in a worker thread, on SQLite
and PostgreSQL), and a washout override needs a reason, which is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dashboard_fixtures import PASSWORD, DemoStudy, demo_text, settle
from pytestqt.qtbot import QtBot
from store_contents import audit_kinds

from reader_app.dashboard.progress_page import ProgressPage
from reader_app.dashboard.widgets import table_text
from reader_app.dashboard.window import DashboardWindow
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.simulate import simulate_readers
from studies.engine.study_creation import create_study_from_text


def _rows(page: ProgressPage) -> dict[tuple[str, str], list[str]]:
    return {(row[0], row[2]): row for row in table_text(page.table)}


def test_progress_follows_other_workstations(qtbot: QtBot, demo_study: DemoStudy) -> None:
    window = DashboardWindow(demo_study.url, demo_study.store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Progress")
    assert isinstance(page, ProgressPage)
    page.timer.setInterval(50)
    qtbot.waitUntil(
        lambda: _rows(page).get(("R1", "1 (unaided)"), [""] * 5)[4] == "0 of 12", timeout=60000
    )
    # a reader at another workstation: another connection to the same store
    simulate_readers(demo_study.store, readers=["R1"], stop_after=5)
    qtbot.waitUntil(lambda: _rows(page)[("R1", "1 (unaided)")][4] == "5 of 12", timeout=60000)
    assert _rows(page)[("R1", "1 (unaided)")][3] == "reading"
    assert _rows(page)[("R2", "1 (unaided)")][3] == "not started"
    simulate_readers(demo_study.store, readers=["R1"])
    qtbot.waitUntil(lambda: _rows(page)[("R1", "2 (aided)")][3] == "completed", timeout=60000)
    assert "SIMULATED" in window.simulated.text()  # the store is now marked simulated
    assert "24 of 48" in page.summary.text()
    window.close()


@pytest.fixture
def washout_study(demo_cohort: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The demo study with a 56-day washout, R1's first session completed."""
    created = create_study_from_text(
        demo_text(demo_cohort, washout_days=56),
        tmp_path / "study",
        f"sqlite:///{tmp_path / 'study.db'}",
        coordinator_password=PASSWORD,
    )
    reader = ReaderSession.login(created.store, "R1", created.plan.pins["R1"])
    case = reader.open(1)
    while case is not None:  # R1 reads session 1 through the reader API
        case = reader.submit(Answer(0, 20, "2")).next_case
    yield created
    created.store.close()


def test_a_washout_override_needs_a_reason_and_is_audited(
    qtbot: QtBot,
    washout_study,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    store = washout_study.store
    window = DashboardWindow(store.display_url, store, washout_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Progress")
    assert isinstance(page, ProgressPage)
    qtbot.waitUntil(lambda: ("R1", "2 (aided)") in _rows(page), timeout=60000)
    assert _rows(page)[("R1", "1 (unaided)")][3] == "completed"
    assert _rows(page)[("R1", "2 (aided)")][8].startswith("opens ")  # 56 days after session 1
    assert [page.override_reader.itemText(i) for i in range(page.override_reader.count())] == [
        "R1"
    ]  # R2 has not completed session 1: nothing to override
    page.override_reader.setCurrentText("R1")

    page.override_reason.setText("   ")
    page.override()
    settle(qtbot, page)
    assert page.notice.kind == "error" and "needs a reason" in page.notice.text()
    assert "washout_override" not in [kind for _, kind, _ in audit_kinds(store)]

    page.override_reason.setText("reader leaves the hospital next week")
    page.override()
    settle(qtbot, page)
    assert page.notice.kind == "ok", page.notice.text()
    overrides = [(a, json.loads(p)) for a, k, p in audit_kinds(store) if k == "washout_override"]
    assert overrides == [
        ("coordinator", {"reader_id": "R1", "reason": "reader leaves the hospital next week"})
    ]
    qtbot.waitUntil(
        lambda: _rows(page)[("R1", "2 (aided)")][8] == "open now (washout overridden)",
        timeout=60000,
    )
    assert page.override_reader.count() == 0  # nobody waits any more
    assert _rows(page)[("R1", "2 (aided)")][9] == "reader leaves the hospital next week"
    window.close()
