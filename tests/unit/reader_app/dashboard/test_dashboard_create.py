"""The study wizard: the demo study made through it equals `study init` of the study.toml it
saved; a manifest with errors shows every error and nothing is created; a cancelled creation
leaves nothing; without a store only *Create study* is offered."""

from __future__ import annotations

from pathlib import Path

import pytest
from dashboard_fixtures import PASSWORD, settle
from pytestqt.qtbot import QtBot
from store_contents import store_contents

from cesm_cli.main import main
from reader_app.dashboard.create_page import STEPS, CreateStudyPage
from reader_app.dashboard.widgets import table_text
from reader_app.dashboard.window import PAGE_NAMES, DashboardWindow
from studies.engine.demo_study import DEMO_PINS
from studies.store.database import open_store


def _window(qtbot: QtBot, url: str) -> DashboardWindow:
    window = DashboardWindow(url, None)
    qtbot.addWidget(window)
    return window


def _check_demo(qtbot: QtBot, wizard: CreateStudyPage, folder: Path) -> None:
    wizard.folder.set_path(folder)
    wizard.use_demo.setChecked(True)
    wizard.demo_cases.setValue(12)
    wizard.demo_size.setCurrentText("small")
    wizard.check_cases()
    settle(qtbot, wizard)


def test_without_a_store_only_create_study_is_offered(qtbot: QtBot, tmp_path: Path) -> None:
    window = _window(qtbot, f"sqlite:///{tmp_path / 'study.db'}")
    enabled = [bool(window.navigation.item(row).flags() & _enabled()) for row in range(7)]
    assert enabled == [name == "Create study" for name in PAGE_NAMES]
    assert window.current_page() is window.create_page
    assert window.create_page.folder.path() == tmp_path  # the store's folder is proposed


def _enabled():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.ItemFlag.ItemIsEnabled


@pytest.mark.slow
def test_the_wizard_makes_the_demo_study_as_study_init_does(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "demo"
    url = f"sqlite:///{folder / 'study.db'}"
    window = _window(qtbot, url)
    wizard = window.create_page
    _check_demo(qtbot, wizard, folder)
    assert wizard.report is not None and wizard.report.ok, wizard.notice.text()
    assert wizard.study_id.text() == "demo"  # filled from the demo's study.toml
    for step in range(1, len(STEPS)):
        wizard.go(step)
        assert wizard.stack.currentIndex() == step
    assert "washout_days: 0 days is shorter than 28" in wizard.definition_notice.text()
    wizard.password.setText(PASSWORD)
    wizard.password_again.setText(PASSWORD)
    wizard.create_study()
    settle(qtbot, wizard)
    assert wizard.result is not None, wizard.notice.text()
    assert table_text(wizard.pins_table) == [
        ["R1", "Demo reader 1", DEMO_PINS["R1"]],
        ["R2", "Demo reader 2", DEMO_PINS["R2"]],
    ]
    # the window holds the new study; the PINs stay on screen until the coordinator goes on
    assert window.store is wizard.result.store
    assert window.current_page() is wizard
    wizard.continue_button.click()
    assert window.current_page() is window.readers_page
    assert wizard.pins_table.rowCount() == 0 and wizard.pins_table.isHidden()
    assert not window.navigation.item(0).flags() & _enabled()
    saved = folder / "study.toml"
    assert wizard.result.definition_file == saved
    assert saved.read_text(encoding="utf-8") == wizard.preview.toPlainText()

    again = f"sqlite:///{tmp_path / 'from_cli.db'}"
    assert main(["study", "init", str(saved), "--db", again]) == 0
    capsys.readouterr()
    from_cli = open_store(again)
    try:
        made, expected = store_contents(window.store), store_contents(from_cli)  # type: ignore[arg-type]
    finally:
        from_cli.close()
    assert made == expected
    assert len(made["cases"]) == 12 and len(made["readers"]) == 2
    assert len(made["orders"]) == 2 * 2 * 12
    window.close()


def _broken_manifest(folder: Path) -> Path:
    lines = (folder / "cohort" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("low_energy.dcm", "low_energy_MISSING.dcm")
    lines[2] = lines[2].replace(",malignant,", ",maybe,")
    lines.append(lines[3])  # a duplicated case
    broken = folder / "cohort" / "broken.csv"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return broken


def test_a_manifest_with_errors_shows_every_error_and_creates_nothing(
    qtbot: QtBot, tmp_path: Path, demo_cohort: Path
) -> None:
    from model_core.manifest import validate_manifest

    broken = _broken_manifest(demo_cohort)
    expected = validate_manifest(broken).errors
    assert len(expected) >= 3
    folder = tmp_path / "study"
    window = _window(qtbot, f"sqlite:///{folder / 'study.db'}")
    wizard = window.create_page
    wizard.folder.set_path(folder)
    wizard.use_manifest.setChecked(True)
    wizard.manifest.set_path(broken)
    wizard.check_cases()
    settle(qtbot, wizard)
    shown = table_text(wizard.errors_table)
    assert [(row[0], row[1], row[2], row[3]) for row in shown] == [
        (str(e.line), e.case_id or "", e.column or "", e.message) for e in expected
    ]
    messages = " | ".join(row[3] for row in shown)
    assert "no such file" in messages and "maybe" in messages and "duplicate" in messages
    assert f"{len(expected)} error(s)" in wizard.notice.text()
    assert not wizard.next_button.isEnabled()
    wizard.go(4)  # refused: back on the cases
    assert wizard.stack.currentIndex() == 0
    wizard.study_id.setText("broken")
    wizard.study_title.setText("A study of a broken manifest")
    wizard.add_reader_row("R1", "Reader One", 3)
    wizard.scores.set_path(demo_cohort / "cohort" / "model_scores.csv")
    wizard.password.setText(PASSWORD)
    wizard.password_again.setText(PASSWORD)
    wizard.create_study()  # even pressed directly, nothing is created
    settle(qtbot, wizard)
    assert wizard.result is None
    assert "The study was not created" in wizard.notice.text()
    for error in expected:  # the engine lists every manifest error again
        assert error.message in wizard.notice.text()
    assert not (folder / "study.db").exists() and not (folder / "study.toml").exists()
    window.close()


def test_cancelling_leaves_nothing_behind(qtbot: QtBot, tmp_path: Path, demo_cohort: Path) -> None:
    folder = tmp_path / "demo"
    window = _window(qtbot, f"sqlite:///{folder / 'study.db'}")
    wizard = window.create_page
    wizard.folder.set_path(folder)
    wizard.use_demo.setChecked(True)
    wizard.demo_cases.setValue(12)
    wizard.demo_size.setCurrentText("small")
    wizard.check_cases()
    assert wizard.check_cancel_button.isEnabled()
    wizard.cancel()  # the generation stops at its next case, and its staging is removed
    settle(qtbot, wizard)
    assert "Cancelled" in wizard.notice.text()
    assert wizard.report is None
    assert not (folder / "cohort").exists()

    # a creation cancelled while it checks the cases: no store, no study.toml
    wizard.use_manifest.setChecked(True)
    wizard.manifest.set_path(demo_cohort / "cohort" / "manifest.csv")
    wizard.check_cases()
    settle(qtbot, wizard)
    assert wizard.report is not None and wizard.report.ok
    wizard.study_id.setText("cancelled")
    wizard.study_title.setText("A study that is never made")
    wizard.add_reader_row("R1", "Reader One", 3)
    wizard.scores.set_path(demo_cohort / "cohort" / "model_scores.csv")
    wizard.password.setText(PASSWORD)
    wizard.password_again.setText(PASSWORD)
    wizard.go(4)
    wizard.create_study()
    wizard.cancel()
    settle(qtbot, wizard)
    assert "Cancelled: no study and no study.toml were created" in wizard.notice.text()
    assert wizard.result is None
    assert not any(folder.glob("study*")) and not any(folder.glob(".study.toml*"))
    window.close()
