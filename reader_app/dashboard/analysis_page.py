"""Analysis: ``cesm-reader analyze --study`` from the dashboard, with its key findings shown.

The analysis runs in a worker thread (``studies.engine.study_analysis.analyse_study``, the code
the command line runs), writes ``results.json``, the tables and ``report.html`` into a folder,
and the page shows the reader-averaged AUC unaided → aided with its confidence interval and P,
and each reader's sensitivity and specificity; the report opens in the system browser.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import Notice, PathField, fill_table, make_table
from studies.engine.study_analysis import StudyAnalysis, analyse_study


def _number(value: object) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    return f"{value:.3f}".replace("-", "\N{MINUS SIGN}")


def _interval(estimate: object, low: object, high: object) -> str:
    return f"{_number(estimate)} ({_number(low)} to {_number(high)})"


def _p(value: object) -> str:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def auc_rows(results: dict[str, Any]) -> list[list[str]]:
    """The reader-averaged AUC unaided → aided, its difference with CI and P (random readers
    and cases; with one reader, the fixed-reader analysis, which speaks for that reader only)."""
    mrmc = results["mrmc"].get("auc_delong")
    if not mrmc:
        return []
    test = mrmc["random_readers_random_cases"]
    analysis = "random readers and cases"
    if not isinstance(test.get("p_value"), int | float) or not math.isfinite(test["p_value"]):
        test = mrmc["fixed_readers_random_cases"]
        analysis = "fixed readers, random cases"
    modalities = {m["modality"]: m for m in test["modalities"]}
    unaided, aided = modalities["unaided"], modalities["aided"]
    return [
        [
            _interval(unaided["estimate"], unaided["ci_low"], unaided["ci_high"]),
            _interval(aided["estimate"], aided["ci_low"], aided["ci_high"]),
            _interval(test["difference"], test["ci_low"], test["ci_high"]),
            _p(test["p_value"]),
            analysis,
        ]
    ]


def reader_rows(results: dict[str, Any]) -> list[list[str]]:
    """Each reader's sensitivity and specificity, unaided → aided, with their intervals."""
    rows = []
    for reader_id, reader in results["readers"].items():
        cells = [reader_id]
        for measure in ("sensitivity", "specificity"):
            for session in ("unaided", "aided"):
                value = reader[session][measure]
                cells.append(_interval(value["estimate"], value["ci_low"], value["ci_high"]))
        rows.append(cells)
    return rows


class AnalysisPage(Page):
    """Run the analysis, show its key findings, open the report."""

    title = "Analysis"
    explanation = (
        "Analyses the study's current answers exactly as `cesm-reader analyze --study` does "
        "(default settings) and writes results.json, the tables and report.html into the "
        "folder below."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout()
        self.folder = PathField(folder=True, caption="Analysis folder")
        self.run_button = QPushButton("Run the analysis")
        self.run_button.clicked.connect(self.run_analysis)
        self.open_button = QPushButton("Open report.html in the browser")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_report)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        form.addRow("Folder", self.folder)
        form.addRow("", buttons)
        self.layout_.addLayout(form)
        self.finish_layout()
        self.simulated = Notice()
        self.incomplete = Notice()
        self.layout_.addWidget(self.simulated)
        self.layout_.addWidget(self.incomplete)
        self.findings = QLabel()
        self.findings.setWordWrap(True)
        self.layout_.addWidget(self.findings)
        self.layout_.addWidget(QLabel("<b>Reader-averaged AUC</b> (95 % CI)"))
        self.auc_table = make_table(
            ["Unaided", "Aided", "Difference (aided − unaided)", "P", "Analysis"]
        )
        self.auc_table.setMaximumHeight(64)
        self.auc_table.horizontalHeader().setStretchLastSection(False)
        self.layout_.addWidget(self.auc_table)
        self.layout_.addWidget(QLabel("<b>Each reader's sensitivity and specificity</b> (95 % CI)"))
        self.reader_table = make_table(
            [
                "Reader",
                "Sensitivity unaided",
                "Sensitivity aided",
                "Specificity unaided",
                "Specificity aided",
            ]
        )
        self.reader_table.horizontalHeader().setStretchLastSection(False)
        for table in (self.auc_table, self.reader_table):
            table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.auc_table.setMaximumHeight(16777215)
        self.layout_.addWidget(self.reader_table)
        self.layout_.addStretch(1)
        self.analysis: StudyAnalysis | None = None

    def set_default_folder(self, folder: Path) -> None:
        """The folder proposed for the analysis (beside the store)."""
        if self.folder.path() is None:
            self.folder.set_path(folder)

    def set_controls_enabled(self, enabled: bool) -> None:
        self.run_button.setEnabled(enabled)

    def run_analysis(self) -> None:
        """Analyse the store into the chosen folder, in a worker thread."""
        store, folder = self.store, self.folder.path()
        if store is None:
            return
        if folder is None:
            self.notice.show_message("Choose the folder for the analysis.", "error")
            return

        def work(control: Any) -> StudyAnalysis:
            return analyse_study(
                store,
                folder,
                progress=lambda step, steps, what: control.report(step, steps, what),
            )

        self.run_job(work, self.show_analysis, busy_text="Analysing the study…")

    def show_analysis(self, analysis: StudyAnalysis) -> None:
        """Show the findings of ``analysis``."""
        self.analysis = analysis
        results = analysis.result.to_dict()
        provenance = analysis.result.provenance
        if provenance.simulated:
            self.simulated.show_message(provenance.summary(), "simulated")
        else:
            self.simulated.clear_message()
        if analysis.warnings:
            self.incomplete.show_message(
                "INCOMPLETE — these results do not cover the whole study:\n"
                + "\n".join(f"• {line}" for line in analysis.warnings),
                "warning",
            )
        else:
            self.incomplete.clear_message()
        findings = [line for line in analysis.findings if not line.startswith("SIMULATED")]
        self.findings.setText(
            "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in findings) + "</ul>"
        )
        fill_table(self.auc_table, auc_rows(results))
        fill_table(self.reader_table, reader_rows(results))
        self.open_button.setEnabled(True)
        self.notice.show_message(f"Written: {analysis.report.parent}", "ok")

    def open_report(self) -> bool:
        """Open ``report.html`` in the system's browser."""
        if self.analysis is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.analysis.report)))
