"""Typed cells of the analysis tables: one value, two renderings.

A table is built once, with cells that keep their numbers (:class:`Interval`, :class:`PValue`,
:class:`Number`); the report shows them as a paper prints them ("0.850 (0.673–0.943)", "<0.001")
and right-aligned, while the CSV tables for spreadsheets get each estimate, lower and upper
bound in a numeric column of its own ("AUC", "AUC lower", "AUC upper"), so that a coordinator can
sort, plot and compute with them. Text cells (reader ids, sessions, group labels) stay text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

NOT_AVAILABLE = "n/a"
DASH = "–"  # en dash, as in print


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _signed(value: float, digits: int = 3) -> str:
    """``digits`` decimals with a typographic minus sign."""
    return f"{value:.{digits}f}".replace("-", "\N{MINUS SIGN}")


def format_interval(
    estimate: float | None, low: float | None, high: float | None, digits: int = 3
) -> str:
    """``0.850 (0.673–0.943)``; ``n/a`` when the estimate is undefined.

    An interval with a negative bound is written ``0.071 (−0.005 to 0.148)``: a dash between
    signed numbers reads as a minus sign.
    """
    if estimate is None or not math.isfinite(estimate):
        return NOT_AVAILABLE
    if not (_finite(low) and _finite(high)):
        return f"{estimate:.{digits}f}"
    assert low is not None and high is not None
    if min(estimate, low, high) < 0:
        signed = (_signed(value, digits) for value in (estimate, low, high))
        return "{} ({} to {})".format(*signed)
    return f"{estimate:.{digits}f} ({low:.{digits}f}{DASH}{high:.{digits}f})"


def format_p(p_value: float | None) -> str:
    """P values as journals print them: ``0.043``, ``<0.001``; ``n/a`` when undefined."""
    if p_value is None or not math.isfinite(p_value):
        return NOT_AVAILABLE
    if p_value < 0.001:
        return "<0.001"
    return f"{p_value:.3f}"


def format_number(value: float | None, digits: int = 3) -> str:
    """A point estimate with ``digits`` decimals; ``n/a`` when undefined."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    return f"{value:.{digits}f}"


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval (bounds NaN when there is none), or a median
    with its quartiles (``bounds=("Q1", "Q3")``): ``bounds`` name the spreadsheet columns."""

    estimate: float
    low: float = math.nan
    high: float = math.nan
    digits: int = 3
    bounds: tuple[str, str] = ("lower", "upper")

    def __str__(self) -> str:
        return format_interval(self.estimate, self.low, self.high, self.digits)


@dataclass(frozen=True)
class PValue:
    """A P value (NaN when undefined)."""

    value: float

    def __str__(self) -> str:
        return format_p(self.value)


@dataclass(frozen=True)
class Number:
    """A number shown with ``digits`` decimals (NaN when undefined)."""

    value: float
    digits: int = 3

    def __str__(self) -> str:
        return format_number(self.value, self.digits)


NUMERIC_CELLS = (Interval, PValue, Number, int, float)


def is_numeric(cell: object) -> bool:
    """Whether a cell holds a number (right-aligned in the report)."""
    return isinstance(cell, NUMERIC_CELLS) and not isinstance(cell, bool)


def display_text(cell: object) -> str:
    """A cell as the report shows it."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return str(cell)


def display_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every cell as the report shows it (text)."""
    return table.apply(lambda column: column.map(display_text)).astype(str)


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def spreadsheet_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table for a spreadsheet: numbers as numbers, each interval in three columns.

    A column holding any :class:`Interval` becomes ``name``, ``name lower``, ``name upper``
    (``name Q1``, ``name Q3`` for quartiles);
    P values and numbers become plain floats; undefined values empty cells.
    """
    columns: dict[str, list[object]] = {}
    for name in table.columns:
        cells = list(table[name])
        intervals = [cell for cell in cells if isinstance(cell, Interval)]
        if intervals:
            low_name, high_name = intervals[0].bounds
            columns[name] = [_number(c.estimate) if isinstance(c, Interval) else c for c in cells]
            columns[f"{name} {low_name}"] = [
                _number(c.low) if isinstance(c, Interval) else None for c in cells
            ]
            columns[f"{name} {high_name}"] = [
                _number(c.high) if isinstance(c, Interval) else None for c in cells
            ]
            continue
        converted: list[object] = []
        for cell in cells:
            if isinstance(cell, PValue | Number):
                converted.append(_number(cell.value))
            elif isinstance(cell, float):
                converted.append(_number(cell))
            else:
                converted.append(cell)
        columns[name] = converted
    return pd.DataFrame(columns)
