"""Readers: enrol, set or reset a PIN (shown once), deactivate and reactivate.

A reader enrolled mid-study gets reading orders from the study seed and their own id
(``coordinator_api.add_reader``), so nobody else's order changes. PINs are random, shown once
on this page and stored only as salted hashes.
"""

from __future__ import annotations

import secrets
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from reader_app.dashboard.page import Page
from reader_app.dashboard.widgets import Notice, fill_table, make_table
from studies.engine.coordinator_api import (
    add_reader,
    set_pin,
    set_reader_active,
    study_status,
)


def new_pin() -> str:
    """A random 6-digit PIN (as ``cesm-reader study add-reader`` and ``set-pin`` give)."""
    return f"{secrets.randbelow(10**6):06d}"


class ReadersPage(Page):
    """The study's readers and what the coordinator may change about them."""

    title = "Readers"
    explanation = (
        "Enrol readers, give them a new PIN, or deactivate them. A PIN is shown once, here: "
        "write it down and hand it to the reader; the store keeps only a salted hash. A reader "
        "enrolled during the study gets their own reading order; nobody else's changes."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = make_table(["Reader", "Name", "Status", "Sessions"])
        self.layout_.addWidget(self.table, 1)
        self.pin_notice = Notice()
        self.layout_.addWidget(self.pin_notice)

        actions = QHBoxLayout()
        self.reset_pin_button = QPushButton("New PIN for the selected reader")
        self.reset_pin_button.clicked.connect(self.reset_pin)
        self.deactivate_button = QPushButton("Deactivate")
        self.deactivate_button.clicked.connect(lambda: self.set_active(False))
        self.reactivate_button = QPushButton("Reactivate")
        self.reactivate_button.clicked.connect(lambda: self.set_active(True))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason for deactivating (recorded in the audit log)")
        for widget in (self.reset_pin_button, self.deactivate_button, self.reactivate_button):
            actions.addWidget(widget)
        actions.addWidget(self.reason, 1)
        self.layout_.addLayout(actions)

        enrol = QGroupBox("Enrol a reader")
        form = QFormLayout(enrol)
        self.new_id = QLineEdit()
        self.new_id.setPlaceholderText("e.g. R7 (letters, digits, '_' or '-')")
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("the name shown at login")
        self.new_years = QSpinBox()
        self.new_years.setRange(0, 80)
        self.enrol_button = QPushButton("Enrol")
        self.enrol_button.clicked.connect(self.enrol)
        form.addRow("Reader id", self.new_id)
        form.addRow("Name", self.new_name)
        form.addRow("Years of experience", self.new_years)
        form.addRow("", self.enrol_button)
        self.layout_.addWidget(enrol)
        self.finish_layout()

    def page_shown(self) -> None:
        self.pin_notice.clear_message()  # a PIN is shown once: not again after leaving the page
        self.refresh()

    def set_controls_enabled(self, enabled: bool) -> None:
        for button in (
            self.reset_pin_button,
            self.deactivate_button,
            self.reactivate_button,
            self.enrol_button,
        ):
            button.setEnabled(enabled)

    def selected_reader(self) -> str | None:
        """The reader id of the selected row."""
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def refresh(self) -> None:
        """Reload the readers from the store (in a worker thread)."""
        store = self.store
        if store is None:
            return
        self.run_job(lambda control: study_status(store), self._show)

    def _show(self, status: Any) -> None:
        selected = self.selected_reader()
        rows = []
        for reader in status.readers:
            sessions = "; ".join(
                f"session {s.index}: {s.state.replace('_', ' ')} ({s.read} of {s.total})"
                for s in reader.sessions
            )
            rows.append(
                [
                    reader.reader_id,
                    reader.name,
                    "active" if reader.active else "deactivated",
                    sessions,
                ]
            )
        fill_table(self.table, rows)
        for row, values in enumerate(rows):
            if values[0] == selected:
                self.table.selectRow(row)

    def _pin_shown(self, reader_id: str, pin: str, what: str) -> None:
        self.pin_notice.setTextFormat(Qt.TextFormat.RichText)
        self.pin_notice.show_message(
            f"{what} PIN of reader <b>{reader_id}</b>: <span style='font-size:16pt; "
            f"font-weight:bold; letter-spacing:3px'>{pin}</span><br>Shown only this once: "
            "write it down and give it to the reader.",
            "warning",
        )

    def enrol(self) -> None:
        """Enrol the reader of the form, with a new PIN shown once."""
        store = self.store
        reader_id, name = self.new_id.text().strip(), self.new_name.text().strip()
        if store is None:
            return
        if not reader_id or not name:
            self.notice.show_message("Give the new reader an id and a name.", "error")
            return
        pin, years = new_pin(), self.new_years.value()

        def done(_: object) -> None:
            self.new_id.clear()
            self.new_name.clear()
            self.new_years.setValue(0)
            self.notice.show_message(
                f"Reader {reader_id} enrolled, with their own reading order.", "ok"
            )
            self._pin_shown(reader_id, pin, "The")
            self.refresh()

        self.pin_notice.clear_message()
        self.run_job(lambda control: add_reader(store, reader_id, name, years, pin), done)

    def reset_pin(self) -> None:
        """Give the selected reader a new PIN, shown once."""
        store, reader_id = self.store, self.selected_reader()
        if store is None or reader_id is None:
            self.notice.show_message("Select a reader first.", "error")
            return
        pin = new_pin()

        def done(_: object) -> None:
            self.notice.show_message(f"Reader {reader_id} has a new PIN.", "ok")
            self._pin_shown(reader_id, pin, "The new")

        self.pin_notice.clear_message()
        self.run_job(lambda control: set_pin(store, reader_id, pin), done)

    def set_active(self, active: bool) -> None:
        """Deactivate (or reactivate) the selected reader, audited with the reason given."""
        store, reader_id = self.store, self.selected_reader()
        if store is None or reader_id is None:
            self.notice.show_message("Select a reader first.", "error")
            return
        reason = self.reason.text().strip()

        def done(_: object) -> None:
            state = "reactivated" if active else "deactivated: they can no longer log in"
            self.notice.show_message(f"Reader {reader_id} {state}.", "ok")
            self.reason.clear()
            self.refresh()

        self.run_job(
            lambda control: set_reader_active(store, reader_id, active, reason=reason), done
        )
