"""Analysis and export pages: the analysis run from the dashboard equals `analyze --study`
(results.json, number for number); an unfinished study is said to be incomplete, in the page
and in the report; the export writes the files of `study export` and the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dashboard_fixtures import DemoStudy, settle
from pytestqt.qtbot import QtBot

from cesm_cli.main import main
from reader_app.dashboard.analysis_page import AnalysisPage
from reader_app.dashboard.export_page import ExportPage
from reader_app.dashboard.widgets import table_text
from reader_app.dashboard.window import DashboardWindow
from studies.engine.simulate import simulate_readers


def _comparable(results: dict[str, Any]) -> dict[str, Any]:
    """results.json without what names the temporary files the store was exported through."""
    results["settings"]["study"].pop("inputs")
    return results


@pytest.mark.slow
def test_the_analysis_equals_analyze_study(
    qtbot: QtBot, demo_study: DemoStudy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_readers(demo_study.store, seed=3)
    window = DashboardWindow(demo_study.url, demo_study.store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Analysis")
    assert isinstance(page, AnalysisPage)
    page.folder.set_path(tmp_path / "from_dashboard")
    page.run_analysis()
    settle(qtbot, page)
    assert page.analysis is not None, page.notice.text()
    assert main(["analyze", "--study", demo_study.url, "--out", str(tmp_path / "cli")]) == 0
    printed = capsys.readouterr().out
    ours = json.loads((tmp_path / "from_dashboard" / "results.json").read_text())
    theirs = json.loads((tmp_path / "cli" / "results.json").read_text())
    assert _comparable(ours) == _comparable(theirs)
    assert sorted(p.name for p in (tmp_path / "from_dashboard").iterdir()) == sorted(
        p.name for p in (tmp_path / "cli").iterdir()
    )
    # the key findings are those the command prints, and the tables show its numbers
    for line in page.analysis.findings:
        assert line in printed
    auc = theirs["mrmc"]["auc_delong"]["random_readers_random_cases"]
    unaided, aided = (m["estimate"] for m in auc["modalities"])
    assert table_text(page.auc_table)[0][0].startswith(f"{unaided:.3f}")
    assert table_text(page.auc_table)[0][1].startswith(f"{aided:.3f}")
    assert table_text(page.auc_table)[0][3] == (
        "< 0.001" if auc["p_value"] < 0.001 else f"{auc['p_value']:.3f}"
    )
    r1 = theirs["readers"]["R1"]
    row = table_text(page.reader_table)[0]
    assert row[0] == "R1" and row[1].startswith(f"{r1['unaided']['sensitivity']['estimate']:.3f}")
    assert row[4].startswith(f"{r1['aided']['specificity']['estimate']:.3f}")
    # simulated, and said so; complete, so no incomplete notice
    assert page.simulated.kind == "simulated" and "SIMULATED" in page.simulated.text()
    assert not page.incomplete.text()
    assert page.open_button.isEnabled()
    report = (tmp_path / "from_dashboard" / "report.html").read_text(encoding="utf-8")
    assert "SIMULATED DATA" in report and "INCOMPLETE" not in report
    window.close()


def test_an_unfinished_study_is_reported_incomplete(
    qtbot: QtBot, demo_study: DemoStudy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_readers(demo_study.store, readers=["R1"], seed=3)  # R2 has read nothing
    window = DashboardWindow(demo_study.url, demo_study.store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Analysis")
    assert isinstance(page, AnalysisPage)
    page.folder.set_path(tmp_path / "analysis")
    page.run_analysis()
    settle(qtbot, page)
    assert page.analysis is not None, page.notice.text()
    assert "INCOMPLETE" in page.incomplete.text() and "reader R2" in page.incomplete.text()
    report = (tmp_path / "analysis" / "report.html").read_text(encoding="utf-8")
    assert "INCOMPLETE" in report and "reader R2 has made 0 of 24 reads" in report
    results = json.loads((tmp_path / "analysis" / "results.json").read_text())
    assert any("reader R2" in w for w in results["settings"]["study"]["warnings"])
    # the command line says the same
    assert main(["analyze", "--study", demo_study.url, "--out", str(tmp_path / "cli")]) == 0
    assert "warning: study incomplete: reader R2" in capsys.readouterr().err

    export = window.show_page("Export")
    assert isinstance(export, ExportPage)
    export.folder.set_path(tmp_path / "export")
    export.export()
    settle(qtbot, export)
    assert export.outcome is not None, export.notice.text()
    names = {path.relative_to(tmp_path / "export").as_posix() for path in export.outcome.written}
    assert {
        "reads.csv",
        "model_scores.csv",
        "reads.imrmc",
        "reads_rjafroc.xlsx",
        "export.json",
        "analysis/report.html",
        "analysis/results.json",
    } <= names
    assert any("reader R2" in note for note in export.outcome.notes)
    window.close()


def test_an_analysis_the_answers_do_not_allow_yet_is_explained(
    qtbot: QtBot, demo_study: DemoStudy, tmp_path: Path
) -> None:
    simulate_readers(demo_study.store, readers=["R1"], stop_after=5)
    window = DashboardWindow(demo_study.url, demo_study.store, demo_study.access)
    qtbot.addWidget(window)
    page = window.show_page("Analysis")
    assert isinstance(page, AnalysisPage)
    page.folder.set_path(tmp_path / "analysis")
    page.run_analysis()
    settle(qtbot, page)
    assert page.analysis is None and page.notice.kind == "error"
    assert "reader 'R1'" in page.notice.text() and "nothing was analysed" in page.notice.text()
    assert not (tmp_path / "analysis").exists() or not any((tmp_path / "analysis").iterdir())
    window.close()
