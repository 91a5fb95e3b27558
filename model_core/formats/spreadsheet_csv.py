"""CSV files written for people to open in a spreadsheet, safe from formula injection.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel and LibreOffice when the file is opened (``=HYPERLINK(...)`` in a reader id would be a
live link in the coordinator's table). As OWASP recommends, such a cell is written with a leading
apostrophe, which spreadsheets show as plain text; a cell that is just a number (``-0.12``) is
left alone. The file carries a UTF-8 byte-order mark, without which Excel reads a CSV in the
local code page and garbles "–", "≤" and "−".

**Where the line is drawn:** only tables for people (the analysis's ``table_*.csv``) go through
here. The data formats that programs read back — manifests, reads exports, model scores
(``docs/formats.md``) — are written verbatim: altering an id there would break the join with
the other files, and those files are not meant to be opened as spreadsheets.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def neutralise_formula(value: object) -> object:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


def write_spreadsheet_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` (header included, no index) for a spreadsheet; returns the path."""
    safe = table.rename(columns=lambda name: neutralise_formula(str(name)))
    safe = safe.apply(lambda column: column.map(neutralise_formula))
    target = Path(path)
    safe.to_csv(target, index=False, encoding="utf-8-sig")
    return target
