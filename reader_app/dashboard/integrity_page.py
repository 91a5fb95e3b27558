"""Integrity: ``cesm-reader study verify`` from the dashboard, its findings in plain words."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QPushButton, QWidget

from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import fill_table, make_table
from studies.store.verify import VerifyReport, verify_store

#: What each kind of finding means (docs/study_store.md#verification), for a coordinator.
MEANINGS = {
    "event_altered": "An audit event was edited in place after it was written.",
    "chain_broken": "The audit chain is broken: an event was replaced or added around the program.",
    "events_missing": "Audit events were deleted.",
    "decision_unaudited": "An answer exists without its audit event: it was inserted around "
    "the program.",
    "decision_edited": "An answer differs from what its audit event sealed: it was edited.",
    "decision_deleted": "An audited answer is no longer in the store: it was deleted.",
    "decision_audited_twice": "An answer is recorded by two audit events.",
    "decision_versions": "The versions of an answer are out of order.",
    "definition_changed": "The stored study.toml no longer matches its checksum.",
    "file_missing": "An image file is gone (moved, deleted or unreadable).",
    "file_changed": "An image file changed since the study was created.",
}


class IntegrityPage(Page):
    """Run the store's verification and show each finding with what it means."""

    title = "Integrity"
    explanation = (
        "Checks the audit chain, that every answer matches its audit event, the stored study "
        "definition and (optionally) every image file's checksum — the same checks as "
        "`cesm-reader study verify`."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout()
        self.verify_button = QPushButton("Verify the study")
        self.verify_button.clicked.connect(self.verify)
        self.check_files = QCheckBox("also re-read every image file (slower)")
        self.check_files.setChecked(True)
        row.addWidget(self.verify_button)
        row.addWidget(self.check_files)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.finish_layout()
        self.table = make_table(["Finding", "What it means", "Where"])
        self.layout_.addWidget(self.table, 1)
        self.table.hide()
        self.layout_.addStretch(1)
        self.report: VerifyReport | None = None

    def set_controls_enabled(self, enabled: bool) -> None:
        self.verify_button.setEnabled(enabled)

    def verify(self) -> None:
        """Run the verification in a worker thread."""
        store = self.store
        if store is None:
            return
        files = self.check_files.isChecked()
        self.run_job(
            lambda control: verify_store(store, check_files=files),
            self.show_report,
            busy_text="Verifying the study…",
        )

    def show_report(self, report: VerifyReport) -> None:
        """Show the summary and each finding."""
        self.report = report
        self.table.setVisible(not report.ok)
        fill_table(
            self.table,
            [[f.kind, MEANINGS.get(f.kind, ""), f.message] for f in report.findings],
        )
        if report.ok:
            counts = (
                f"{report.events_checked} audit events, {report.decisions_checked} answers and "
                f"{report.files_checked} image files checked"
            )
            self.notice.show_message(f"No problem found: {counts}.", "ok")
        else:
            count = len(report.findings)
            files = sum(f.kind in ("file_missing", "file_changed") for f in report.findings)
            causes = []
            if files:
                causes.append(
                    f"{files} image file(s) changed or went missing since the study was created"
                )
            if count > files:
                causes.append(f"{count - files} change(s) to the store made around the program")
            self.notice.show_message(
                f"{count} problem{'s' if count != 1 else ''} found: {'; '.join(causes)}. "
                "Each is listed below.",
                "error",
            )
