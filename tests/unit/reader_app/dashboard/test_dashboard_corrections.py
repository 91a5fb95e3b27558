"""Corrections and integrity pages: a correction needs a reason and makes a new version (the
original kept, both audited, the store still verifies); verification shows a changed image."""

from __future__ import annotations

import json

from dashboard_fixtures import DemoStudy, settle
from pytestqt.qtbot import QtBot
from store_contents import audit_kinds

from reader_app.dashboard.corrections_page import CorrectionsPage
from reader_app.dashboard.integrity_page import IntegrityPage
from reader_app.dashboard.widgets import table_text
from reader_app.dashboard.window import DashboardWindow
from studies.engine.coordinator_api import reader_answers
from studies.engine.export import collect_export
from studies.engine.simulate import simulate_readers
from studies.store.verify import verify_store


def test_a_correction_is_a_new_version_with_its_reason(qtbot: QtBot, demo_study: DemoStudy) -> None:
    store = demo_study.store
    simulate_readers(store, readers=["R1"], stop_after=4)
    window = DashboardWindow(demo_study.url, store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Corrections")
    assert isinstance(page, CorrectionsPage)
    qtbot.waitUntil(lambda: page.table.rowCount() == 4 and not page.busy(), timeout=60000)
    assert page.reader.currentText() == "R1"
    page.table.selectRow(0)
    original = page.selected_answer()
    assert original is not None and original.current and original.version == 1
    page.decision.setCurrentIndex(1 - original.decision)
    page.pom.setValue(100 - original.pom)

    page.correct()  # no reason: refused by the engine, nothing changes
    settle(qtbot, page)
    assert page.notice.kind == "error" and "needs a reason" in page.notice.text()
    assert len(reader_answers(store, "R1")) == 4

    page.reason.setText("the reader reported a mis-click")
    page.correct()
    settle(qtbot, page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 5 and not page.busy(), timeout=60000)
    rows = table_text(page.table)
    assert [r[2:5] for r in rows[:2]] == [
        [original.case_id, "1", "no (replaced)"],
        [original.case_id, "2", "yes"],
    ]
    assert rows[1][10] == "the reader reported a mis-click (by coordinator)"
    answers = reader_answers(store, "R1")
    first, second = answers[0], answers[1]
    assert (first.decision, first.pom, first.current) == (
        original.decision,
        original.pom,
        False,
    )
    assert (second.decision, second.pom, second.current) == (
        1 - original.decision,
        100 - original.pom,
        True,
    )
    events = [(a, k, json.loads(p)) for a, k, p in audit_kinds(store)]
    decision_events = [
        e
        for e in events
        if e[1] in ("decision", "correction") and e[2]["case_id"] == original.case_id
    ]
    assert [(a, k) for a, k, _ in decision_events] == [
        ("R1", "decision"),
        ("coordinator", "correction"),
    ]
    assert decision_events[1][2]["correction_reason"] == "the reader reported a mis-click"
    exported = collect_export(store).reads
    used = exported.loc[exported["case_id"] == original.case_id, "pom"].tolist()
    assert used == [100 - original.pom]  # exports use the current version
    assert verify_store(store).ok

    integrity = window.show_page("Integrity")
    assert isinstance(integrity, IntegrityPage)
    integrity.verify()
    settle(qtbot, integrity)
    assert integrity.notice.kind == "ok" and integrity.table.isHidden()
    window.close()


def test_integrity_shows_a_changed_image(qtbot: QtBot, demo_study: DemoStudy) -> None:
    store = demo_study.store
    window = DashboardWindow(demo_study.url, store, demo_study.access)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page("Integrity")
    assert isinstance(page, IntegrityPage)
    with store.session(read_only=True) as session:
        from sqlalchemy import select

        from studies.store.schema import CaseFileRow

        row = session.scalars(select(CaseFileRow).order_by(CaseFileRow.case_id)).first()
        assert row is not None
        path, case_id = row.path, row.case_id
    from pathlib import Path

    image = Path(path)
    original = image.read_bytes()
    try:
        image.write_bytes(original + b"changed")
        page.verify()
        settle(qtbot, page)
    finally:
        image.write_bytes(original)
    assert page.notice.kind == "error"
    assert "1 image file(s) changed or went missing" in page.notice.text()
    rows = table_text(page.table)
    assert len(rows) == 1 and rows[0][0] == "file_changed" and case_id in rows[0][2]
    assert not page.table.isHidden()
    window.close()
