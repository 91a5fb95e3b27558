"""RJafroc's reader of JAFROC workbooks (ROC data), transcribed to Python to read exports back.

R and RJafroc are not installed here (RJafroc is on CRAN only), so the tests cannot call
``DfReadDataFile``. This module follows ``ReadJAFROCNewFormat``, ``checkTruthTable`` and
``preCheck4BadEntries`` of ``R/DfReadDataFile.R`` in github.com/dpc10ster/RJafroc (commit
``44b0e39e``, version 2.1.3) for ``newExcelFileFormat = TRUE`` and ROC data, raising
:class:`RjafrocReadError` where R calls ``stop()``; it is checked on RJafroc's own example and
bad files (``data/rjafroc``), with the verdicts of RJafroc's tests. ``readxl::read_xlsx`` is
stood in for by openpyxl: the first row names the columns, trailing empty rows are dropped, and
only the columns RJafroc asks for (``cell_cols``) are read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import openpyxl


class RjafrocReadError(Exception):
    """Where RJafroc's reader calls ``stop()``."""


@dataclass
class RocDataset:
    """What ``DfReadDataFile`` returns for ROC data, keyed by the ids in the file."""

    modalities: list[str]  # trtArr1D: from the TRUTH sheet's ModalityID list
    readers: list[str]  # rdrArr1D: from the TRUTH sheet's ReaderID list
    normal_cases: list[int]
    abnormal_cases: list[int]
    #: NL[modality, reader, case]: ratings of normal cases; LL[...] those of abnormal cases.
    nl: dict[tuple[str, str, int], float]
    ll: dict[tuple[str, str, int], float]


def _table(sheet: openpyxl.worksheet.worksheet.Worksheet, columns: int) -> list[dict]:
    """``data.frame(read_xlsx(file, sheet, range = cell_cols(1:columns)))``."""
    rows = [list(row[:columns]) for row in sheet.iter_rows(values_only=True)]
    rows = [row + [None] * (columns - len(row)) for row in rows]
    while rows and all(value is None for value in rows[-1]):
        rows.pop()
    if not rows:
        return []
    names = [name for name in rows[0] if name is not None]
    return [dict(zip(names, row, strict=False)) for row in rows[1:]]


def _number(value: object) -> float | None:
    """``as.numeric(as.character(x))``; ``None`` where R gives NA."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _text(value: object) -> str:
    """``as.character(x)``: a whole number prints without a decimal point."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ids(cell: object) -> list[str]:
    """``strsplit(x, split = ",|\\s")``, empty pieces dropped."""
    return [piece for piece in re.split(r",|\s", _text(cell)) if piece]


def read_rjafroc_like_r(path: Path) -> RocDataset:
    """Read ``path`` as ``DfReadDataFile(path, newExcelFileFormat = TRUE)`` reads ROC data."""
    if path.suffix != ".xlsx":
        raise RjafrocReadError("The extension of JAFROC data file must be .xlsx, NOT .xls.")
    workbook = openpyxl.load_workbook(path)
    names = [name.upper() for name in workbook.sheetnames]
    ordered = sorted(names)
    if len(ordered) < 3 or ordered[0] not in ("FP", "NL"):
        raise RjafrocReadError("FP or NL sheet not found")
    if ordered[1] not in ("TP", "LL"):
        raise RjafrocReadError("TP or LL sheet not found")
    if ordered[2] != "TRUTH":
        raise RjafrocReadError("Truth sheet not found")
    sheets = dict(zip(names, workbook.worksheets, strict=True))
    truth = _table(sheets["TRUTH"], 6)
    if not truth or len(truth[0]) != 6:
        raise RjafrocReadError("Old Excel format file encountered")
    cases, lesions, readers, modalities = _check_truth_table(truth)
    normal = sorted({c for c, lesion in zip(cases, lesions, strict=True) if lesion == 0})
    abnormal = sorted({c for c, lesion in zip(cases, lesions, strict=True) if lesion > 0})
    nl_sheet = sheets["FP"] if "FP" in sheets else sheets["NL"]
    ll_sheet = sheets["TP"] if "TP" in sheets else sheets["LL"]
    nl = _ratings(_table(nl_sheet, 4), "FP_Rating", cases, "FP")
    ll = _ratings(_table(ll_sheet, 5), "TP_Rating", cases, "TP")
    for key in nl:
        if key[2] not in normal and key[2] not in abnormal:
            raise RjafrocReadError(f"Case {key[2]} in the FP table cannot be found in TRUTH table.")
    if any(key[2] in normal for key in ll):
        raise RjafrocReadError("Normal case(s) found in TP table.")
    for modality, reader, _ in [*nl, *ll]:
        if modality not in modalities or reader not in readers:
            raise RjafrocReadError(f"reader {reader} / modality {modality} not in TRUTH lists")
    # the ROC check: one rating of every normal case in FP, of every abnormal case in TP
    complete = all((m, r, c) in nl for m in modalities for r in readers for c in normal) and all(
        (m, r, c) in ll for m in modalities for r in readers for c in abnormal
    )
    if not complete or any(key[2] in abnormal for key in nl):
        raise RjafrocReadError("This does not appear to be an ROC dataset: check TRUTH worksheet.")
    return RocDataset(modalities, readers, normal, abnormal, nl, ll)


def _check_truth_table(
    truth: list[dict],
) -> tuple[list[int], list[int], list[str], list[str]]:
    """``preCheck4BadEntries`` and ``checkTruthTable`` for a fully crossed ROC study."""
    columns = list(truth[0])
    for index, name in enumerate(columns[:5]):
        empty = [line for line, row in enumerate(truth, start=2) if row[name] is None]
        if empty:
            raise RjafrocReadError(
                f"There are empty cells at line(s) {empty} in column {index + 1}"
            )
    for name in columns[:3]:
        bad = [line for line, row in enumerate(truth, start=2) if _number(row[name]) is None]
        if bad:
            raise RjafrocReadError(f"There are non-numeric values in {name} at line(s) {bad}")
    for name in columns[:2]:
        if any(not float(_number(row[name])).is_integer() for row in truth):  # type: ignore[arg-type]
            raise RjafrocReadError(f"Non-integer values in Truth worksheet column {name}")
    cases = [int(_number(row["CaseID"])) for row in truth]  # type: ignore[arg-type]
    lesions = [int(_number(row["LesionID"])) for row in truth]  # type: ignore[arg-type]
    weights = [_number(row["Weight"]) for row in truth]
    for k, lesion in enumerate(lesions):
        if lesion not in (0, 1) and (k == 0 or lesion != lesions[k - 1] + 1):
            raise RjafrocReadError(f"Non-sequential lesionID encountered at line {k + 2}")
    paradigm = [str(row["Paradigm"]).upper() for row in truth if row["Paradigm"] is not None]
    kind, design = [*paradigm, None, None][:2]
    if kind != "ROC":
        raise RjafrocReadError(f"this transcription covers ROC data only, not {kind}")
    if design not in ("FCTRL", "CROSSED"):
        raise RjafrocReadError("incorrect design value")
    reader_lists = [_ids(row["ReaderID"]) for row in truth]
    modality_lists = [_ids(row["ModalityID"]) for row in truth]
    width_readers = len(_text(truth[0]["ReaderID"]).split(","))
    width_modalities = len(_text(truth[0]["ModalityID"]).split(","))
    if any(len(ids) < width_readers for ids in reader_lists):
        raise RjafrocReadError("Illegal value in ReaderID column in Truth sheet")
    if any(len(ids) < width_modalities for ids in modality_lists):
        raise RjafrocReadError("Illegal value in ModalityID column in Truth sheet")
    readers = list(dict.fromkeys(i for ids in reader_lists for i in ids[:width_readers]))
    modalities = list(dict.fromkeys(i for ids in modality_lists for i in ids[:width_modalities]))
    for case in {c for c, lesion in zip(cases, lesions, strict=True) if lesion > 0}:
        case_weights = [w for c, w in zip(cases, weights, strict=True) if c == case]
        if all(w == 0 for w in case_weights):
            continue
        total = math.fsum(case_weights)  # type: ignore[arg-type]
        if total != 1 and not 0.99 <= total <= 1.01:
            raise RjafrocReadError(f"The sum of the weights of Case {case} is not 1.")
    return cases, lesions, readers, modalities


def _ratings(
    table: list[dict], rating: str, truth_cases: list[int], sheet: str
) -> dict[tuple[str, str, int], float]:
    """The FP or TP sheet: names checked (2.1.3), numbers checked, one rating per key."""
    required = ["ReaderID", "ModalityID", "CaseID", *(["LesionID"] if sheet == "TP" else [])]
    for name in [*required, rating]:
        if table and name not in table[0]:
            raise RjafrocReadError(f"Check {sheet} worksheet column names: should be {name}")
    ratings: dict[tuple[str, str, int], float] = {}
    for line, row in enumerate(table, start=2):
        case, value = _number(row["CaseID"]), _number(row[rating])
        if case is None or value is None:
            raise RjafrocReadError(f"Data entry error at line {line} in the {sheet} worksheet")
        if int(case) not in truth_cases:
            raise RjafrocReadError(f"Case(s) {case} in the {sheet} table cannot be found in TRUTH")
        key = (_text(row["ModalityID"]), _text(row["ReaderID"]), int(case))
        if key in ratings:  # R: a second FP mark fails the ROC check; TP: anyDuplicated
            raise RjafrocReadError(
                f"{key} has multiple ratings in the TP table"
                if sheet == "TP"
                else "This does not appear to be an ROC dataset: check TRUTH worksheet."
            )
        ratings[key] = value
    return ratings
