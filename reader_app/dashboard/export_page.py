"""Export: the reads, the model scores, the MRMC tools' files and the report, into one folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QWidget,
)

from reader_app.dashboard.jobs import JobControl
from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import PathField
from studies.engine.export import export_study
from studies.engine.study_analysis import analyse_study
from studies.errors import AnalysisInputError
from studies.store.database import Store

#: The analysis report goes in this subfolder of the export folder.
ANALYSIS_SUBFOLDER = "analysis"


@dataclass(frozen=True)
class ExportOutcome:
    """The files written and the notes (files skipped and why)."""

    written: tuple[Path, ...]
    notes: tuple[str, ...]


def export_with_report(
    store: Store, folder: Path, report: bool, control: JobControl
) -> ExportOutcome:
    """``study export`` into ``folder`` and, when asked, the analysis into ``folder/analysis``."""
    control.report(0, 0, "Exporting the reads and model scores…")
    written, notes = export_study(store, folder)
    paths = list(written)
    if report:
        control.report(0, 0, "Analysing the study for the report…")
        try:
            analysis = analyse_study(store, folder / ANALYSIS_SUBFOLDER)
        except AnalysisInputError as error:
            notes.append(f"report not written: the answers cannot be analysed yet: {error}")
        else:
            paths.extend(analysis.written)
            notes.extend(analysis.warnings)
    return ExportOutcome(tuple(paths), tuple(notes))


class ExportPage(Page):
    """Write the study's files to a folder the coordinator picks."""

    title = "Export"
    explanation = (
        "Writes reads.csv and model_scores.csv (the analysis' inputs), reads.imrmc for iMRMC, "
        "reads_rjafroc.xlsx for RJafroc, export.json, and — when asked — the analysis "
        "(report.html, results.json, tables) in an 'analysis' subfolder. Practice reads and "
        "corrected-away answers are left out. The same files as `cesm-reader study export`."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout()
        self.folder = PathField(folder=True, caption="Export folder")
        self.with_report = QCheckBox("also write the analysis report")
        self.with_report.setChecked(True)
        self.export_button = QPushButton("Export")
        self.export_button.clicked.connect(self.export)
        self.open_button = QPushButton("Open the folder")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_folder)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        form.addRow("Folder", self.folder)
        form.addRow("", self.with_report)
        form.addRow("", buttons)
        self.layout_.addLayout(form)
        self.finish_layout()
        self.files = QListWidget()
        self.layout_.addWidget(self.files, 1)
        self.outcome: ExportOutcome | None = None

    def set_controls_enabled(self, enabled: bool) -> None:
        self.export_button.setEnabled(enabled)

    def export(self) -> None:
        """Export into the chosen folder, in a worker thread."""
        store, folder = self.store, self.folder.path()
        if store is None:
            return
        if folder is None:
            self.notice.show_message("Choose the folder to export into.", "error")
            return
        report = self.with_report.isChecked()
        self.files.clear()
        self.run_job(
            lambda control: export_with_report(store, folder, report, control), self.show_outcome
        )

    def show_outcome(self, outcome: ExportOutcome) -> None:
        """List the files written and the notes."""
        self.outcome = outcome
        self.open_button.setEnabled(True)
        self.files.clear()
        self.files.addItems([str(path) for path in outcome.written])
        text = f"{len(outcome.written)} files written."
        if outcome.notes:
            text += "\n" + "\n".join(f"• {note}" for note in outcome.notes)
        self.notice.show_message(text, "warning" if outcome.notes else "ok")

    def open_folder(self) -> bool:
        """Open the export folder in the system's file manager."""
        folder = self.folder.path()
        return folder is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
