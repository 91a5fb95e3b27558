"""Small widgets the dashboard's pages share: tables filled from rows, notices, folder fields."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

#: Notice kinds → the colours that make them recognisable in a neutral theme.
_NOTICE_STYLES = {
    "info": "background:#e8f0fe; color:#0b2e6b; border:1px solid #8ab4f8;",
    "ok": "background:#e6f4ea; color:#0d3b1e; border:1px solid #81c995;",
    "warning": "background:#fff4ce; color:#3b2a00; border:1px solid #c69026;",
    "error": "background:#fce8e6; color:#5c0b06; border:1px solid #ee675c;",
    "simulated": "background:#b3261e; color:#ffffff; font-weight:bold; border:none;",
}


class Notice(QLabel):
    """A coloured, word-wrapped message line; hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show ``text`` in the style of ``kind`` (info, ok, warning, error, simulated)."""
        self.kind = kind
        self.setStyleSheet(f"QLabel {{ {_NOTICE_STYLES[kind]} padding:6px; border-radius:3px; }}")
        self.setText(text)
        self.setVisible(bool(text))

    def clear_message(self) -> None:
        """Hide the notice."""
        self.kind = ""
        self.setText("")
        self.hide()


def make_table(headers: Sequence[str], *, stretch_last: bool = True) -> QTableWidget:
    """A read-only table with ``headers``, whole rows selected."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    """Replace the table's rows (``None`` shown empty; numbers right-aligned)."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if isinstance(value, int | float) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def table_text(table: QTableWidget) -> list[list[str]]:
    """The table's cells as text (tests and copy)."""
    rows = []
    for r in range(table.rowCount()):
        cells = []
        for c in range(table.columnCount()):
            item = table.item(r, c)
            cells.append(item.text() if item is not None else "")
        rows.append(cells)
    return rows


class PathField(QWidget):
    """A path line edit with a *Browse…* button (a file or a folder)."""

    def __init__(
        self, *, folder: bool, caption: str, filter_text: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self._folder = folder
        self._caption = caption
        self._filter = filter_text
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def path(self) -> Path | None:
        """The path typed or chosen, ``None`` when empty."""
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str | None) -> None:
        """Show ``path`` (``None``: empty)."""
        self.edit.setText("" if path is None else str(path))

    def _browse(self) -> None:
        start = self.edit.text().strip() or str(Path.home())
        if self._folder:
            chosen = QFileDialog.getExistingDirectory(self, self._caption, start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self._caption, start, self._filter)
        if chosen:
            self.edit.setText(chosen)
