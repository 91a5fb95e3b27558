"""A CSV table of text cells whose rows know their line, and the cell checks of the data formats.

:func:`read_located_table` gives a :class:`pandas.DataFrame` of stripped strings with each row's
line in column :data:`LINE`; the ``parse_*`` and ``report_rows`` helpers check whole columns at
once (vectorised: a reads export has 10⁵ rows) and record every bad cell with its line and
column. Structural problems (not a CSV, wrong field counts, blank or repeated header names) are
recorded too, and rows with the wrong number of fields are left out so that the other checks
still run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from model_core.formats.csv_text import CsvTextError, read_csv_text, split_table
from model_core.formats.problems import ProblemCollector
from model_core.formats.text_safety import UNSAFE_CHARACTERS, unsafe_text_refusal

#: Column holding each row's line number in its file.
LINE = "__line__"


def read_located_table(path: str | Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """Read a UTF-8 CSV as stripped strings, with each row's line number in column :data:`LINE`.

    The table's shape is judged by :func:`~model_core.formats.csv_text.split_table` (blank rows
    skipped, above the header too; empty trailing columns dropped). Returns ``None`` when the
    file cannot be read at all; every problem is recorded in ``problems``.
    """
    name = str(path)
    try:
        text = read_csv_text(path)
    except CsvTextError as error:
        problems.add(name, error.line, None, error.message)
        return None
    table = split_table(text)
    for problem in table.problems:
        problems.add(name, problem.line, None, problem.message)
    if table.header_line is None:
        problems.add(name, None, None, "is empty (no header, no rows)")
        return None
    header = list(table.header)
    for column in sorted({c for c in header if c and header.count(c) > 1}):
        problems.add(name, table.header_line, column, "column appears more than once in the header")
    frame = pd.DataFrame([list(cells) for _, cells in table.rows], columns=header, dtype=object)
    if frame.columns.has_duplicates:
        frame = frame.loc[:, ~frame.columns.duplicated()]
    frame[LINE] = np.asarray([line for line, _ in table.rows], dtype=np.int64)
    return frame


def require_columns(
    frame: pd.DataFrame, required: Iterable[str], name: str, problems: ProblemCollector
) -> bool:
    """Record each required column the table lacks; ``True`` when it has them all."""
    missing = [column for column in required if column not in frame.columns]
    for column in missing:
        problems.add(name, 1, column, "required column is missing")
    return not missing


def report_rows(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    name: str,
    column: str,
    problems: ProblemCollector,
    describe: str | Callable[[str], str],
) -> None:
    """Record a problem in ``column`` for every row of ``frame`` where ``mask`` is True.

    ``describe`` is the message, or a function of the cell's text that returns it.
    """
    bad = frame.loc[np.asarray(mask, dtype=bool)]
    for line, value in zip(bad[LINE], bad[column], strict=True):
        message = describe(value) if callable(describe) else describe
        problems.add(name, int(line), column, message)


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    name: str,
    problems: ProblemCollector,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    allow_empty: bool = False,
    rows: pd.Series | None = None,
) -> pd.Series:
    """Parse a text column as numbers, recording every empty, non-numeric or out-of-range cell.

    Only rows where ``rows`` is True (default: all) are checked. Returns floats, NaN where the
    cell is empty or invalid.
    """
    text = frame[column].astype(str)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    checked = pd.Series(True, index=frame.index) if rows is None else rows
    empty = (text == "") & checked
    if not allow_empty:
        report_rows(frame, empty, name, column, problems, "is empty")
    not_number = (text != "") & values.isna() & checked
    report_rows(frame, not_number, name, column, problems, lambda v: f"{v!r} is not a number")
    infinite = np.isinf(values) & checked
    report_rows(frame, infinite, name, column, problems, lambda v: f"{v!r} is not finite")
    finite = np.isfinite(values) & checked
    if integer:
        fractional = finite & (values != np.round(values))
        report_rows(frame, fractional, name, column, problems, lambda v: f"{v!r} is not whole")
    range_text = f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]"
    outside = pd.Series(False, index=frame.index)
    if low is not None:
        outside |= finite & (values < low)
    if high is not None:
        outside |= finite & (values > high)
    report_rows(frame, outside, name, column, problems, lambda v: f"{v!r} is outside {range_text}")
    return values.where(np.isfinite(values) & ~outside)


def parse_binary(
    frame: pd.DataFrame, column: str, name: str, problems: ProblemCollector
) -> pd.Series:
    """Parse a 0 (benign) / 1 (malignant) column, recording every other cell."""
    text = frame[column].astype(str)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = ~values.isin([0, 1])
    report_rows(
        frame,
        bad,
        name,
        column,
        problems,
        lambda v: f"{v!r} is not 0 (benign) or 1 (malignant)" if v != "" else "is empty",
    )
    return values.where(~bad)


def report_unsafe_ids(
    frame: pd.DataFrame, column: str, name: str, problems: ProblemCollector
) -> pd.Series:
    """Record every id of ``column`` that holds a control character or bidirectional override
    (:mod:`model_core.formats.text_safety`); returns the mask of the rows whose id is safe."""
    unsafe = frame[column].str.contains(UNSAFE_CHARACTERS.pattern, regex=True)
    report_rows(
        frame,
        unsafe,
        name,
        column,
        problems,
        lambda value: unsafe_text_refusal(value, column) or "",
    )
    return ~unsafe


def parse_simulated_flag(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> pd.Series:
    """The optional ``simulated`` column: 1 = the row was made by a simulation, 0 or empty = not.

    A provenance mark that travels inside the file (docs/formats.md, "Simulated data"): a
    report of the file can then say that its data are simulated, however the file was copied.
    """
    text = frame["simulated"].astype(str).str.strip().str.lower()
    values = text.map({"": 0, "0": 0, "1": 1})
    bad = values.isna()
    report_rows(
        frame,
        bad,
        name,
        "simulated",
        problems,
        lambda v: f"{v!r} is not 1 (simulated) or 0 / empty (not simulated)",
    )
    return values.fillna(0).astype(int)


def report_blank_and_repeated_ids(
    frame: pd.DataFrame,
    column: str,
    name: str,
    problems: ProblemCollector,
    describe_repeat: Callable[[str, int], str],
) -> pd.Series:
    """Record empty ids, ids holding control characters, and every repetition of an id (naming
    its first line).

    ``describe_repeat(id, first_line)`` words the message. Returns the mask of the rows to keep:
    non-empty, safe ids, first occurrence.
    """
    blank = frame[column] == ""
    report_rows(frame, blank, name, column, problems, "is empty")
    safe = report_unsafe_ids(frame, column, name, problems)
    first_line: dict[str, int] = {}
    keep = (~blank & safe).to_numpy(copy=True)
    for position, (value, line) in enumerate(zip(frame[column], frame[LINE], strict=True)):
        if not keep[position]:
            continue
        if value in first_line:
            problems.add(name, int(line), column, describe_repeat(value, first_line[value]))
            keep[position] = False
        else:
            first_line[value] = int(line)
    return pd.Series(keep, index=frame.index)
