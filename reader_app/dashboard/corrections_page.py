"""Corrections: a reader's answers (every version), and correcting one with a reason.

Only the coordinator sees this page. A correction never edits the reader's answer: it adds a
new version with the reason (``coordinator_api.correct_decision``); the original stays in the
store, no longer current, and both are listed here and in the audit log.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from model_core.vocabulary import BI_RADS_CATEGORIES
from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import fill_table, make_table
from studies.engine.coordinator_api import (
    AnswerRecord,
    correct_decision,
    reader_answers,
    study_status,
)
from studies.engine.reader_api import Answer

_DECISIONS = {0: "benign", 1: "malignant"}


class CorrectionsPage(Page):
    """View a reader's answers and correct one."""

    title = "Corrections"
    explanation = (
        "A reader's answers, every version. Correcting an answer adds a new version with your "
        "reason; the reader's original is kept (no longer current) and both stay in the audit "
        "log. Exports and the analysis use the current version."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout()
        row.addWidget(QLabel("Reader"))
        self.reader = QComboBox()
        self.reader.currentTextChanged.connect(lambda _: self.load_answers())
        row.addWidget(self.reader)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.table = make_table(
            [
                "Session",
                "Stage",
                "Case",
                "Version",
                "Current",
                "Decision",
                "Probability (%)",
                "BI-RADS",
                "Comment",
                "Submitted",
                "Correction reason",
            ]
        )
        self.table.itemSelectionChanged.connect(self._selected)
        self.layout_.addWidget(self.table, 1)

        box = QGroupBox("Correct the selected answer")
        form = QFormLayout(box)
        self.chosen = QLabel("Select a current answer above.")
        self.decision = QComboBox()
        self.decision.addItems(["benign", "malignant"])
        self.pom = QSpinBox()
        self.pom.setRange(0, 100)
        self.pom.setSuffix(" %")
        self.bi_rads = QComboBox()
        self.bi_rads.addItems(["", *BI_RADS_CATEGORIES])
        self.comment = QLineEdit()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why (required; recorded in the audit log)")
        self.correct_button = QPushButton("Save the correction as a new version")
        self.correct_button.clicked.connect(self.correct)
        form.addRow("Answer", self.chosen)
        form.addRow("Decision", self.decision)
        form.addRow("Probability of malignancy", self.pom)
        form.addRow("BI-RADS", self.bi_rads)
        form.addRow("Comment", self.comment)
        form.addRow("Reason", self.reason)
        form.addRow("", self.correct_button)
        self.layout_.addWidget(box)
        self.finish_layout()
        self.answers: tuple[AnswerRecord, ...] = ()

    def page_shown(self) -> None:
        store = self.store
        if store is None:
            return
        self.run_job(lambda control: study_status(store), self._readers)

    def _readers(self, status: object) -> None:
        ids = [reader.reader_id for reader in status.readers]  # type: ignore[attr-defined]
        current = self.reader.currentText()
        if ids != [self.reader.itemText(i) for i in range(self.reader.count())]:
            self.reader.blockSignals(True)
            self.reader.clear()
            self.reader.addItems(ids)
            self.reader.blockSignals(False)
            if current in ids:
                self.reader.setCurrentText(current)
        self.load_answers()

    def set_controls_enabled(self, enabled: bool) -> None:
        self.correct_button.setEnabled(enabled)

    def load_answers(self) -> None:
        """Load the chosen reader's answers (worker thread)."""
        store, reader_id = self.store, self.reader.currentText()
        if store is None or not reader_id:
            return
        self.run_job(lambda control: reader_answers(store, reader_id), self.show_answers)

    def show_answers(self, answers: tuple[AnswerRecord, ...]) -> None:
        """Fill the table, every version of every answer."""
        self.answers = answers
        fill_table(
            self.table,
            [
                [
                    a.session_index,
                    a.stage + (" (practice)" if a.practice else ""),
                    a.case_id,
                    a.version,
                    "yes" if a.current else "no (replaced)",
                    _DECISIONS.get(a.decision, a.decision),
                    a.pom,
                    a.bi_rads or "",
                    a.comment or "",
                    f"{a.submitted_at:%Y-%m-%d %H:%M}",
                    (a.correction_reason or "")
                    + (f" (by {a.corrected_by})" if a.corrected_by else ""),
                ]
                for a in answers
            ],
        )
        replaced = QBrush(QColor("#8a8a8a"))
        for row, answer in enumerate(answers):
            if not answer.current:
                for column in range(self.table.columnCount()):
                    item = self.table.item(row, column)
                    if item is None:
                        continue
                    font = item.font()
                    font.setItalic(True)
                    item.setFont(font)
                    item.setForeground(replaced)

    def selected_answer(self) -> AnswerRecord | None:
        """The answer of the selected row."""
        row = self.table.currentRow()
        return self.answers[row] if 0 <= row < len(self.answers) else None

    def _selected(self) -> None:
        answer = self.selected_answer()
        if answer is None:
            return
        self.chosen.setText(
            f"case {answer.case_id}, session {answer.session_index}, {answer.stage}, "
            f"version {answer.version}" + ("" if answer.current else " — replaced already")
        )
        self.decision.setCurrentIndex(answer.decision)
        self.pom.setValue(answer.pom)
        self.bi_rads.setCurrentText(answer.bi_rads or "")
        self.comment.setText(answer.comment or "")

    def correct(self) -> None:
        """Save the form as a new version of the selected answer, with the reason."""
        store, reader_id, answer = self.store, self.reader.currentText(), self.selected_answer()
        if store is None or answer is None:
            self.notice.show_message("Select the answer to correct first.", "error")
            return
        if not answer.current:
            self.notice.show_message(
                "That version was replaced already; correct the current one.", "error"
            )
            return
        new = Answer(
            self.decision.currentIndex(),
            self.pom.value(),
            self.bi_rads.currentText() or None,
            self.comment.text().strip() or None,
        )
        reason = self.reason.text()

        def done(_: object) -> None:
            self.reason.clear()
            self.notice.show_message(
                f"Correction saved as version {answer.version + 1} of case {answer.case_id}; "
                "the original is kept.",
                "ok",
            )
            self.load_answers()

        self.run_job(
            lambda control: correct_decision(
                store,
                reader_id,
                answer.session_index,
                answer.case_id,
                answer.stage,
                new,
                reason,
            ),
            done,
        )
