"""Quick smoke"""

from __future__ import annotations

from conftest import DemoStudy, settle
from pytestqt.qtbot import QtBot

from reader_app.dashboard.window import PAGE_NAMES, DashboardWindow


def test_every_page_opens(qtbot: QtBot, demo_study: DemoStudy) -> None:
    window = DashboardWindow(demo_study.url, demo_study.store, demo_study.access)
    qtbot.addWidget(window)
    for name in PAGE_NAMES[1:]:
        page = window.show_page(name)
        settle(qtbot, page)
        print(name, page.notice.text())
    window.close()
