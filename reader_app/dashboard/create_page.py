"""Create study: a wizard over ``cesm-reader study init``.

Five steps: the cases (a manifest, or the demo's synthetic cohort, generated here) with their
validation report — errors and warnings apart, each with its line, case and column; the study's
settings; the readers; the model's outputs and the thresholds shown; then the ``study.toml`` the
wizard will save beside the store, the coordinator's password, and *Create*. Creating runs in a
worker thread with a progress bar and can be cancelled; a failure or a cancellation leaves no
store and no file (``studies.engine.study_creation``).
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model_core.manifest import ValidationReport, validate_manifest
from reader_app.dashboard.jobs import JobControl
from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import Notice, PathField, fill_table, make_table
from studies.engine.definition import (
    CLINICAL_FIELDS,
    DEFAULT_WASHOUT_DAYS,
    StudyDefinitionError,
    parse_study_definition,
)
from studies.engine.definition_text import render_study_toml, study_toml_values
from studies.engine.demo_study import DEMO_CASES, DEMO_PINS, prepare_demo_files
from studies.engine.study_creation import CreatedStudy, create_study_from_text, store_folder

STEPS = ("Cases", "Study", "Readers", "Model", "Create")
DESIGNS = ("crossover", "counterbalanced", "sequential")
THRESHOLDS = ("youden", "high_sensitivity", "high_specificity")
#: Whether the model-bundle route exists in this version (studies.engine.model_outputs).
BUNDLE_AVAILABLE = importlib.util.find_spec("studies.engine.model_outputs") is not None
BUNDLE_NOTE = (
    "Computing the model's outputs from a model bundle needs studies.engine.model_outputs, "
    "which this version does not have yet: give precomputed scores (`cesm-reader predict`)."
)
_ISSUE_HEADERS = ["Line", "Case", "Column", "Problem", "File"]


def _issue_rows(issues: Any) -> list[list[object]]:
    return [
        [issue.line, issue.case_id or "", issue.column or "", issue.message, issue.path or ""]
        for issue in issues
    ]


def _relative(path: Path, base: Path) -> str:
    try:
        return path.absolute().relative_to(base.absolute()).as_posix()
    except ValueError:
        return str(path.absolute())


class CreateStudyPage(Page):
    """The study wizard; emits ``created`` with the :class:`CreatedStudy`."""

    title = "Create study"
    explanation = (
        "Creates a study as `cesm-reader study init` does and saves the study.toml it used in "
        "the study folder, so the study can be created again from the command line."
    )
    created = Signal(object)
    #: The coordinator has noted the PINs and goes on to the study.
    continue_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: ValidationReport | None = None
        self.step_label = QLabel()
        self.layout_.addWidget(self.step_label)
        self.stack = QStackedWidget()
        self.layout_.addWidget(self.stack, 1)
        for build in (
            self._cases_step,
            self._study_step,
            self._readers_step,
            self._model_step,
            self._create_step,
        ):
            self.stack.addWidget(build())
        navigation = QHBoxLayout()
        self.back_button = QPushButton("◀ Back")
        self.back_button.clicked.connect(lambda: self.go(self.stack.currentIndex() - 1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.clicked.connect(lambda: self.go(self.stack.currentIndex() + 1))
        navigation.addWidget(self.back_button)
        navigation.addStretch(1)
        navigation.addWidget(self.next_button)
        self.layout_.addLayout(navigation)
        self.finish_layout()
        self.result: CreatedStudy | None = None
        self.go(0)

    # ------------------------------------------------------------------------- the steps

    def _cases_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        source = QGroupBox("Cases")
        form = QFormLayout(source)
        self.use_demo = QRadioButton("The demo cohort (synthetic cases, simulated model scores)")
        self.use_manifest = QRadioButton("A case manifest (CSV)")
        group = QButtonGroup(page)
        group.addButton(self.use_demo)
        group.addButton(self.use_manifest)
        self.use_demo.setChecked(True)
        self.demo_cases = QSpinBox()
        self.demo_cases.setRange(8, 500)
        self.demo_cases.setValue(DEMO_CASES)
        self.demo_size = QComboBox()
        self.demo_size.addItems(["full", "small"])
        demo_row = QHBoxLayout()
        demo_row.addWidget(QLabel("cases"))
        demo_row.addWidget(self.demo_cases)
        demo_row.addWidget(QLabel("image size"))
        demo_row.addWidget(self.demo_size)
        demo_row.addStretch(1)
        self.manifest = PathField(folder=False, caption="Case manifest", filter_text="CSV (*.csv)")
        form.addRow(self.use_demo, demo_row)
        form.addRow(self.use_manifest, self.manifest)
        layout.addWidget(source)

        where = QGroupBox("Where the study lives")
        form = QFormLayout(where)
        self.folder = PathField(folder=True, caption="Study folder")
        self.folder.edit.textChanged.connect(self._folder_changed)
        self.url = QLineEdit()
        self.url.setPlaceholderText("sqlite:////path/study.db or postgresql+psycopg://user@host/db")
        self.url.textEdited.connect(lambda _: setattr(self, "_url_edited", True))
        self._url_edited = False
        form.addRow("Study folder (study.toml, demo cohort)", self.folder)
        form.addRow("Study store (database URL)", self.url)
        layout.addWidget(where)

        self.check_button = QPushButton("Check the cases")
        self.check_button.clicked.connect(self.check_cases)
        self.check_cancel_button = QPushButton("Cancel")
        self.check_cancel_button.setEnabled(False)
        self.check_cancel_button.clicked.connect(self.cancel)
        checking = QHBoxLayout()
        checking.addWidget(self.check_button, 1)
        checking.addWidget(self.check_cancel_button)
        layout.addLayout(checking)
        self.report_summary = QLabel()
        layout.addWidget(self.report_summary)
        self.errors_label = QLabel(
            "<b>Errors</b> (the study cannot be created until they are fixed)"
        )
        self.errors_table = make_table(_ISSUE_HEADERS)
        self.warnings_label = QLabel("<b>Warnings</b> (worth a look; they do not stop the study)")
        self.warnings_table = make_table(_ISSUE_HEADERS)
        for widget in (
            self.errors_label,
            self.errors_table,
            self.warnings_label,
            self.warnings_table,
        ):
            layout.addWidget(widget)
            widget.hide()
        for table in (self.errors_table, self.warnings_table):
            table.horizontalHeader().setStretchLastSection(False)
            table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
            table.setWordWrap(True)
        layout.addStretch(1)
        return page

    def _study_step(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.study_id = QLineEdit()
        self.study_id.setPlaceholderText("e.g. cesm-2026 (letters, digits, '_' or '-')")
        self.study_title = QLineEdit()
        self.design = QComboBox()
        self.design.addItems(DESIGNS)
        self.washout = QSpinBox()
        self.washout.setRange(0, 3650)
        self.washout.setValue(DEFAULT_WASHOUT_DAYS)
        self.washout.setSuffix(" days")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(secrets.randbelow(2**31))
        self.blocking = QCheckBox("balance benign and malignant cases in blocks of")
        self.blocking.setChecked(True)
        self.block_size = QSpinBox()
        self.block_size.setRange(2, 1000)
        self.block_size.setSingleStep(2)
        self.block_size.setValue(4)
        blocking = QHBoxLayout()
        blocking.addWidget(self.blocking)
        blocking.addWidget(self.block_size)
        blocking.addStretch(1)
        self.practice = QLineEdit()
        self.practice.setPlaceholderText(
            "case ids read first in every session, never scored: P01, P02"
        )
        self.ask_bi_rads = QCheckBox("BI-RADS category")
        self.ask_comment = QCheckBox("free-text comment")
        answers = QHBoxLayout()
        for box in (self.ask_bi_rads, self.ask_comment):
            box.setChecked(True)
            answers.addWidget(box)
        answers.addStretch(1)
        self.clinical = {name: QCheckBox(name.replace("_", " ")) for name in CLINICAL_FIELDS}
        clinical = QHBoxLayout()
        for box in self.clinical.values():
            box.setChecked(True)
            clinical.addWidget(box)
        clinical.addStretch(1)
        for narrow in (self.design, self.washout, self.seed):
            narrow.setMaximumWidth(260)
        form.addRow("Study id", self.study_id)
        form.addRow("Title", self.study_title)
        form.addRow("Design", self.design)
        form.addRow("Washout", self.washout)
        form.addRow("Randomisation seed", self.seed)
        form.addRow("Blocking", blocking)
        form.addRow("Practice cases", self.practice)
        form.addRow("Also ask for", answers)
        form.addRow("Clinical fields shown", clinical)
        note = QLabel(
            "Decision (benign/malignant) and probability of malignancy are always asked. "
            "Crossover: session 1 unaided, session 2 aided after the washout; counterbalanced: "
            "half of the cases aided in each session; sequential: one session, the aided answer "
            "right after the unaided one."
        )
        note.setWordWrap(True)
        form.addRow("", note)
        return page

    def _readers_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.readers = QTableWidget(0, 3)
        self.readers.setHorizontalHeaderLabels(["Reader id", "Name", "Years of experience"])
        self.readers.horizontalHeader().setStretchLastSection(True)
        self.readers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.readers, 1)
        row = QHBoxLayout()
        add = QPushButton("Add a reader")
        add.clicked.connect(lambda: self.add_reader_row("", "", 0))
        remove = QPushButton("Remove the selected reader")
        remove.clicked.connect(lambda: self.readers.removeRow(self.readers.currentRow()))
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        note = QLabel(
            "Each reader gets a random PIN, shown once when the study is created. Readers can "
            "also be enrolled later, on the Readers page."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        return page

    def _model_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        outputs = QGroupBox("The model's outputs shown in aided reads")
        form = QFormLayout(outputs)
        self.use_scores = QRadioButton("Precomputed scores (and heat maps)")
        self.use_bundle = QRadioButton("Compute them now from a model bundle")
        group = QButtonGroup(page)
        group.addButton(self.use_scores)
        group.addButton(self.use_bundle)
        self.use_scores.setChecked(True)
        self.scores = PathField(folder=False, caption="Model scores", filter_text="CSV (*.csv)")
        self.heatmaps = PathField(folder=True, caption="Heat maps (<case_id>.npy)")
        self.bundle = PathField(folder=True, caption="Model bundle")
        form.addRow(self.use_scores)
        form.addRow("Scores CSV (case_id, probability)", self.scores)
        form.addRow("Heat maps folder (optional)", self.heatmaps)
        form.addRow(self.use_bundle)
        form.addRow("Model bundle folder", self.bundle)
        if not BUNDLE_AVAILABLE:
            self.use_bundle.setEnabled(False)
            self.bundle.setEnabled(False)
            note = QLabel(BUNDLE_NOTE)
            note.setWordWrap(True)
            form.addRow("", note)
        self.simulated_scores = Notice()
        layout.addWidget(outputs)
        layout.addWidget(self.simulated_scores)
        shown = QGroupBox("Operating points shown with the probability")
        form = QFormLayout(shown)
        self.threshold_shown: dict[str, QCheckBox] = {}
        self.threshold_value: dict[str, QDoubleSpinBox] = {}
        for name in THRESHOLDS:
            box = QCheckBox("show")
            value = QDoubleSpinBox()
            value.setRange(0.0, 1.0)
            value.setDecimals(3)
            value.setSingleStep(0.01)
            value.setValue(0.5)
            row = QHBoxLayout()
            row.addWidget(box)
            row.addWidget(QLabel("at probability"))
            row.addWidget(value)
            row.addStretch(1)
            self.threshold_shown[name] = box
            self.threshold_value[name] = value
            form.addRow(name.replace("_", " ").capitalize(), row)
        layout.addWidget(shown)
        layout.addStretch(1)
        return page

    def _create_step(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("<b>study.toml</b> — saved in the study folder"))
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        layout.addWidget(self.preview, 1)
        self.definition_notice = Notice()
        layout.addWidget(self.definition_notice)
        form = QFormLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Coordinator password (8 characters or more)", self.password)
        form.addRow("Password again", self.password_again)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.create_button = QPushButton("Create the study")
        self.create_button.clicked.connect(self.create_study)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.create_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.pins_label = QLabel()
        self.pins_table = make_table(["Reader", "Name", "PIN (shown once)"])
        self.pins_label.hide()
        self.pins_table.hide()
        layout.addWidget(self.pins_label)
        layout.addWidget(self.pins_table)
        self.continue_button = QPushButton("I have noted the PINs — continue to the study ▶")
        self.continue_button.clicked.connect(self.continue_requested.emit)
        self.continue_button.hide()
        layout.addWidget(self.continue_button)
        return page

    # ----------------------------------------------------------------------- navigation

    def go(self, index: int) -> None:
        """Show step ``index`` (the create step renders the study.toml first)."""
        index = max(0, min(index, len(STEPS) - 1))
        if index > 0 and (self.report is None or not self.report.ok):
            self.notice.show_message(
                "Check the cases first: the study needs a valid manifest.", "error"
            )
            index = 0
        if index != self.stack.currentIndex() and self.notice.kind != "error":
            self.notice.clear_message()
        self.stack.setCurrentIndex(index)
        marks = [
            f"<b>{n + 1}. {name}</b>" if n == index else f"{n + 1}. {name}"
            for n, name in enumerate(STEPS)
        ]
        self.step_label.setText("  ›  ".join(marks))
        self.back_button.setEnabled(index > 0)
        cases_ready = self.report is not None and self.report.ok
        self.next_button.setEnabled(index < len(STEPS) - 1 and cases_ready)
        if index == len(STEPS) - 1:
            self.render_preview()
        if self.use_demo.isChecked():
            self.simulated_scores.show_message(
                "SIMULATED: the demo cohort's model scores are simulated probabilities, not a "
                "trained model's outputs; readers of this study see them as the model.",
                "simulated",
            )
        else:
            self.simulated_scores.clear_message()

    def set_defaults(self, store_url: str) -> None:
        """Propose the store at ``store_url`` (and, for SQLite, its folder as the study's)."""
        folder = store_folder(store_url) if store_url else None
        if folder is not None and self.folder.path() is None:
            self.folder.set_path(folder)
        if store_url:
            self.url.setText(store_url)
            self._url_edited = True

    def _folder_changed(self, text: str) -> None:
        if not self._url_edited and text.strip():
            self.url.setText(f"sqlite:///{Path(text.strip()).expanduser().absolute() / 'study.db'}")

    def set_controls_enabled(self, enabled: bool) -> None:
        for button in (self.check_button, self.create_button, self.back_button, self.next_button):
            button.setEnabled(enabled and self.result is None)
        self.cancel_button.setEnabled(not enabled)
        self.check_cancel_button.setEnabled(not enabled)
        if enabled:
            self.go(self.stack.currentIndex())

    # -------------------------------------------------------------------- step 1: cases

    def check_cases(self) -> None:
        """Generate the demo cohort (when chosen) and validate the manifest, in a worker."""
        folder = self.folder.path()
        demo = self.use_demo.isChecked()
        if folder is None:
            self.notice.show_message("Choose the study folder first.", "error")
            return
        manifest = folder / "cohort" / "manifest.csv" if demo else self.manifest.path()
        if manifest is None:
            self.notice.show_message("Choose the case manifest.", "error")
            return
        cases, size = self.demo_cases.value(), self.demo_size.currentText()

        def work(control: JobControl) -> tuple[ValidationReport, str | None]:
            text = None
            if demo:

                def generated(done: int, total: int) -> None:
                    control.check()
                    control.report(done, total, "Generating the synthetic cohort")

                text = prepare_demo_files(folder, cases=cases, size=size, progress=generated)

            def checked(done: int, total: int) -> None:
                control.check()
                control.report(done, total, "Checking the cases and their image files")

            return validate_manifest(manifest, progress=checked), text

        self.report = None
        self.run_job(work, self._show_report)

    def _show_report(self, outcome: tuple[ValidationReport, str | None]) -> None:
        report, demo_text = outcome
        self.report = report
        fill_table(self.errors_table, _issue_rows(report.errors))
        fill_table(self.warnings_table, _issue_rows(report.warnings))
        for label, table, count in (
            (self.errors_label, self.errors_table, len(report.errors)),
            (self.warnings_label, self.warnings_table, len(report.warnings)),
        ):
            label.setVisible(count > 0)
            table.setVisible(count > 0)
            table.resizeRowsToContents()
        self.report_summary.setText(
            f"<b>{report.summary()}</b> in {report.manifest}"
            + ("" if report.issues else " — no problem found.")
        )
        if demo_text is not None:
            self._fill_from_definition(demo_text)
        if not report.readable:
            self.notice.show_message(
                "This file is not a case manifest; the problems are listed below.", "error"
            )
        elif report.errors:
            self.notice.show_message(
                f"{len(report.errors)} error(s) must be fixed in the manifest before the study "
                "can be created; every one is listed below. Nothing was created.",
                "error",
            )
        else:
            self.notice.show_message(
                f"The cases are ready ({report.summary()}). Go on with Next.", "ok"
            )

    def _fill_from_definition(self, text: str) -> None:
        folder = self.folder.path() or Path(".")
        definition = parse_study_definition(text, source="demo", base_dir=folder).definition
        values = study_toml_values(definition, folder)
        self.study_id.setText(values["id"])
        self.study_title.setText(values["title"])
        self.design.setCurrentText(values["design"])
        self.washout.setValue(values["washout_days"])
        self.seed.setValue(values["seed"])
        self.blocking.setChecked(values["blocking"]["enabled"])
        self.block_size.setValue(values["blocking"]["block_size"])
        self.practice.setText(", ".join(values["practice_cases"]))
        self.ask_bi_rads.setChecked(values["answers"]["bi_rads"])
        self.ask_comment.setChecked(values["answers"]["comment"])
        for name, box in self.clinical.items():
            box.setChecked(name in values["clinical_fields"])
        self.readers.setRowCount(0)
        for reader in values["readers"]:
            self.add_reader_row(reader["id"], reader["name"], reader["years_experience"])
        model = values.get("model") or {}
        self.scores.set_path(folder / model["scores"] if model.get("scores") else None)
        self.heatmaps.set_path(folder / model["heatmaps"] if model.get("heatmaps") else None)
        for threshold in THRESHOLDS:
            shown = threshold in model.get("thresholds_shown", ())
            self.threshold_shown[threshold].setChecked(shown)
            if threshold in model.get("thresholds", {}):
                self.threshold_value[threshold].setValue(model["thresholds"][threshold])

    def add_reader_row(self, reader_id: str, name: str, years: int) -> None:
        """Add a reader to the readers step."""
        row = self.readers.rowCount()
        self.readers.insertRow(row)
        for column, value in enumerate((reader_id, name, str(years))):
            self.readers.setItem(row, column, QTableWidgetItem(value))

    # ----------------------------------------------------------------- the definition

    def _cell(self, row: int, column: int) -> str:
        item = self.readers.item(row, column)
        return item.text().strip() if item is not None else ""

    def definition_values(self) -> dict[str, Any]:
        """The form as the fields of ``study.toml`` (paths relative to the study folder)."""
        folder = self.folder.path() or Path(".")
        manifest = (
            folder / "cohort" / "manifest.csv"
            if self.use_demo.isChecked()
            else self.manifest.path() or Path("")
        )
        readers = []
        for row in range(self.readers.rowCount()):
            years_text = self._cell(row, 2)
            readers.append(
                {
                    "id": self._cell(row, 0),
                    "name": self._cell(row, 1),
                    "years_experience": int(years_text) if years_text.isdigit() else years_text,
                }
            )
        shown = [name for name in THRESHOLDS if self.threshold_shown[name].isChecked()]
        values: dict[str, Any] = {
            "id": self.study_id.text().strip(),
            "title": self.study_title.text().strip(),
            "manifest": _relative(manifest, folder),
            "design": self.design.currentText(),
            "washout_days": self.washout.value(),
            "seed": self.seed.value(),
            "practice_cases": [c.strip() for c in self.practice.text().split(",") if c.strip()],
            "clinical_fields": [n for n, box in self.clinical.items() if box.isChecked()],
            "allow_revisit": False,
            "blocking": {
                "enabled": self.blocking.isChecked(),
                "block_size": self.block_size.value(),
            },
            "answers": {
                "bi_rads": self.ask_bi_rads.isChecked(),
                "comment": self.ask_comment.isChecked(),
            },
            "readers": readers,
        }
        scores, heatmaps = self.scores.path(), self.heatmaps.path()
        if self.use_bundle.isChecked():
            scores = folder / "model_outputs" / "scores.csv"
            heatmaps = folder / "model_outputs" / "heatmaps.npz"
        if scores is not None:
            values["model"] = {
                "scores": _relative(scores, folder),
                "heatmaps": None if heatmaps is None else _relative(heatmaps, folder),
                "thresholds_shown": shown,
                "thresholds": {
                    name: round(self.threshold_value[name].value(), 3) for name in shown
                },
            }
        return values

    def definition_text(self, values: dict[str, Any] | None = None) -> str:
        """The ``study.toml`` the wizard will save and create the study from."""
        return render_study_toml(
            self.definition_values() if values is None else values,
            header=(
                "Written by the CESM Reader Study dashboard's study wizard.\n"
                "Re-create the study from the command line with:\n"
                "  cesm-reader study init study.toml --db URL"
            ),
        )

    def render_preview(self) -> None:
        """Show the study.toml, and what is wrong or unwise in it."""
        text = self.definition_text()
        self.preview.setPlainText(text)
        folder = self.folder.path() or Path(".")
        try:
            loaded = parse_study_definition(text, source="study.toml", base_dir=folder)
        except StudyDefinitionError as error:
            self.definition_notice.show_message(
                "Fix these before creating the study:\n" + "\n".join(error.problems), "error"
            )
            return
        if loaded.warnings:
            self.definition_notice.show_message("\n".join(loaded.warnings), "warning")
        else:
            self.definition_notice.clear_message()

    # --------------------------------------------------------------------------- create

    def create_study(self) -> None:
        """Create the study (worker thread, cancellable), then hand it to the window."""
        folder, url = self.folder.path(), self.url.text().strip()
        if folder is None or not url:
            self.notice.show_message("Choose the study folder and the store first.", "error")
            return
        if self.password.text() != self.password_again.text():
            self.notice.show_message("The two passwords differ.", "error")
            return
        password = self.password.text()
        bundle = self.bundle.path() if self.use_bundle.isChecked() else None
        pins = dict(DEMO_PINS) if self.use_demo.isChecked() else None
        values = self.definition_values()
        manifest_path = folder / values["manifest"]
        text = self.definition_text(values)

        def work(control: JobControl) -> CreatedStudy:
            outputs = folder / "model_outputs"
            made_outputs = bundle is not None and not outputs.exists()
            study_text = text
            if bundle is not None:
                # the other branch's module, looked up when used (docs/dashboard.md)
                model_outputs = importlib.import_module("studies.engine.model_outputs")
                files = model_outputs.precompute_model_outputs(
                    bundle,
                    manifest_path,
                    outputs,
                    progress=lambda done, total: control.report(
                        done, total, "Computing the model's outputs"
                    ),
                    should_stop=control.should_stop,
                )
                values["model"]["scores"] = _relative(Path(files.scores), folder)
                values["model"]["heatmaps"] = (
                    None if files.heatmaps is None else _relative(Path(files.heatmaps), folder)
                )
                study_text = self.definition_text(values)

            def step(done: int, total: int) -> None:
                control.report(done, total, "Checking and hashing the cases' files")

            control.report(0, 0, "Checking the definition")
            try:
                return create_study_from_text(
                    study_text,
                    folder,
                    url,
                    coordinator_password=password,
                    pins=pins,
                    progress=step,
                    should_stop=control.should_stop,
                )
            except BaseException:
                if made_outputs:  # nothing half-made: outputs for a study that does not exist
                    shutil.rmtree(outputs, ignore_errors=True)
                raise

        self.pins_label.hide()
        self.pins_table.hide()
        self.run_job(
            work,
            self._created,
            on_failure=lambda message: self.notice.show_message(
                f"The study was not created; nothing was written.\n{message}", "error"
            ),
            on_cancel=lambda: self.notice.show_message(
                "Cancelled: no study and no study.toml were created.", "info"
            ),
            busy_text="Creating the study…",
        )

    def forget_pins(self) -> None:
        """Hide the PINs for good (they are shown once)."""
        self.pins_table.setRowCount(0)
        self.pins_table.hide()
        self.pins_label.setText(
            "The readers' PINs were shown once; give a reader a new one on the Readers page."
        )
        self.continue_button.hide()

    def cancel(self) -> None:
        """Stop the creation; nothing is left behind."""
        if self.job is not None:
            self.job.cancel()

    def _created(self, created: CreatedStudy) -> None:
        self.result = created
        self.password.clear()
        self.password_again.clear()
        definition = created.plan.definition
        fill_table(
            self.pins_table,
            [[r.id, r.name, created.plan.pins[r.id]] for r in definition.readers],
        )
        self.pins_label.setText(
            "<b>The readers' PINs — shown only this once.</b> Write them down and give each "
            "reader theirs; the store keeps only salted hashes."
        )
        self.pins_label.show()
        self.pins_table.show()
        self.create_button.setEnabled(False)
        self.create_button.setText("Created")
        self.continue_button.show()
        self.notice.show_message(
            f"Study '{definition.id}' created in {created.store.display_url}: "
            f"{len(created.plan.cases)} cases, {len(definition.readers)} readers. "
            f"Its definition is saved as {created.definition_file}.",
            "ok",
        )
        self.created.emit(created)
