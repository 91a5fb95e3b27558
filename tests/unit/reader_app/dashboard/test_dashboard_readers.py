"""Readers page: a reader enrolled mid-study gets an order and nobody else's changes; a new PIN
is shown once and works; a deactivated reader can no longer log in."""

from __future__ import annotations

import re

import pytest
from dashboard_fixtures import DemoStudy, settle
from pytestqt.qtbot import QtBot
from store_contents import audit_kinds, orders_of

from reader_app.dashboard.readers_page import ReadersPage
from reader_app.dashboard.widgets import table_text
from reader_app.dashboard.window import DashboardWindow
from studies.engine.reader_api import LoginError, ReaderSession
from studies.engine.simulate import simulate_readers


def _shown_pin(page: ReadersPage) -> str:
    match = re.search(r">(\d{6})<", page.pin_notice.text())
    assert match, page.pin_notice.text()
    return match.group(1)


def _select(page: ReadersPage, reader_id: str) -> None:
    rows = [row[0] for row in table_text(page.table)]
    page.table.selectRow(rows.index(reader_id))


def test_enrol_a_reader_mid_study(qtbot: QtBot, demo_study: DemoStudy) -> None:
    store = demo_study.store
    simulate_readers(store, readers=["R1"], stop_after=5)  # the study is under way
    before = {reader: orders_of(store, reader) for reader in ("R1", "R2")}
    window = DashboardWindow(demo_study.url, store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Readers")
    settle(qtbot, page)
    page.new_id.setText("R3")
    page.new_name.setText("Dr C. Later")
    page.new_years.setValue(3)
    page.enrol()
    settle(qtbot, page)  # enrolled
    settle(qtbot, page)  # and the table reloaded
    assert "R3 enrolled" in page.notice.text()
    assert [row[:3] for row in table_text(page.table)][-1] == ["R3", "Dr C. Later", "active"]
    pin = _shown_pin(page)
    assert {reader: orders_of(store, reader) for reader in ("R1", "R2")} == before
    assert len(orders_of(store, "R3")) == 2 * 12
    assert ReaderSession.login(store, "R3", pin).sessions()[0].index == 1

    _select(page, "R3")
    page.reset_pin()
    settle(qtbot, page)
    new_pin = _shown_pin(page)
    ReaderSession.login(store, "R3", new_pin)
    if new_pin != pin:  # (one chance in a million that the same PIN is drawn again)
        with pytest.raises(LoginError):
            ReaderSession.login(store, "R3", pin)

    _select(page, "R3")
    page.reason.setText("left the hospital")
    page.set_active(False)
    settle(qtbot, page)
    settle(qtbot, page)
    assert ["R3", "Dr C. Later", "deactivated"] in [row[:3] for row in table_text(page.table)]
    with pytest.raises(LoginError):
        ReaderSession.login(store, "R3", new_pin)
    events = audit_kinds(store)
    assert ("coordinator", "reader_added") in [(a, k) for a, k, _ in events]
    deactivated = [p for _, k, p in events if k == "reader_deactivated"]
    assert deactivated and "left the hospital" in deactivated[0]
    window.close()
