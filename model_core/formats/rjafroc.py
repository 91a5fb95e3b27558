"""RJafroc's JAFROC-format workbook for ROC data: a reader study's scores as RJafroc reads them.

RJafroc (github.com/dpc10ster/RJafroc, on CRAN) reads an Excel workbook with
``DfReadDataFile(file, newExcelFileFormat = TRUE)``. The layout written here follows that reader,
``R/DfReadDataFile.R`` (``ReadJAFROCNewFormat``, ``checkTruthTable``, ``preCheck4BadEntries``)
at commit ``44b0e39e`` (version 2.1.3) and ``R/ReadJAFROCNewFormat.R`` of release 2.1.1, and the
package's own ROC examples (``inst/extdata/toyFiles/ROC/rocCr.xlsx``,
``rocCrStrRdrsTrts.xlsx``); ``docs/formats.md`` documents it for users:

``TRUTH``
    ``CaseID, LesionID, Weight, ReaderID, ModalityID, Paradigm`` — one row per case: a benign
    case has lesion 0 and weight 0, a malignant one lesion 1 and weight 1; ``ReaderID`` and
    ``ModalityID`` list every reader and modality (comma-separated) on every row; ``Paradigm``
    holds ``ROC`` in the first row and ``FCTRL`` (fully crossed) in the second. Column G,
    ``StudyCaseID``, which RJafroc does not read (it reads columns A–F), holds the study's
    own id of each case.
``FP``
    ``ReaderID, ModalityID, CaseID, FP_Rating`` — the ratings of benign cases.
``TP``
    ``ReaderID, ModalityID, CaseID, LesionID, TP_Rating`` — the ratings of malignant cases.
``Usage``
    how the workbook was made and is read, and whether the readers were simulated.

Why these names, not ``NL``/``LL``: RJafroc sorts the upper-cased sheet names and requires the
first three to be ``FP`` or ``NL``, ``TP`` or ``LL``, and ``TRUTH`` — ``LL``, ``NL``, ``TRUTH``
sorts ``LL`` first and is refused — and version 2.1.3 requires the column ``FP_Rating`` (2.1.1
takes ``FP_Rating`` or ``NL_Rating``). An extra sheet must therefore sort after ``TRUTH``,
hence ``Usage``.

RJafroc needs integer case ids (it refuses others: ``preCheck4BadEntries``), so each case is
numbered 1, 2, … in the sorted order of the study's case ids and ``StudyCaseID`` maps the
numbers back. Reader ids and modalities (``unaided``, ``aided``) are written as given, as text;
RJafroc splits the ``TRUTH`` lists at commas and white space, so a reader id cannot hold either.
RJafroc's ROC check requires a fully crossed study: every reader rates every case in every
modality, so a study with a missing rating is refused here, naming the gaps. The ratings are the
readers' probabilities of malignancy (0–100). R is not installed where this is built and tested
(RJafroc is on CRAN only), so the tests read the workbook back with a reader written from
RJafroc's rules and check that reader on RJafroc's own example files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from model_core.errors import ExportError
from model_core.formats.mrmc_ratings import MrmcRatings, mrmc_ratings
from model_core.formats.problems import ProblemCollector

SHEET_TRUTH = "TRUTH"
SHEET_FP = "FP"
SHEET_TP = "TP"
SHEET_USAGE = "Usage"
TRUTH_COLUMNS: tuple[str, ...] = (
    "CaseID",
    "LesionID",
    "Weight",
    "ReaderID",
    "ModalityID",
    "Paradigm",
)
#: Column G of ``TRUTH``: the study's own id of each numbered case (RJafroc reads A–F only).
STUDY_CASE_COLUMN = "StudyCaseID"
FP_COLUMNS: tuple[str, ...] = ("ReaderID", "ModalityID", "CaseID", "FP_Rating")
TP_COLUMNS: tuple[str, ...] = ("ReaderID", "ModalityID", "CaseID", "LesionID", "TP_Rating")
#: ``Paradigm`` column: the data type, then the study design (fully crossed).
PARADIGM: tuple[str, str] = ("ROC", "FCTRL")
#: How many missing ratings an error lists before it only counts the rest.
_GAPS_LISTED = 10
_COMMA_OR_SPACE = re.compile(r"[,\s]")


def write_rjafroc_workbook(
    reads: pd.DataFrame,
    truth: Mapping[str, int | None],
    path: str | Path,
    *,
    simulated: bool = False,
) -> Path:
    """Write the ``reads`` (reads-export layout) as RJafroc's ROC workbook at ``path`` (.xlsx).

    ``truth`` gives 0 (benign) or 1 (malignant) for each case; every case read must have one.
    Only the cases read appear. ``simulated`` marks reads of simulated readers in the ``Usage``
    sheet.

    Raises:
        ExportError: the reads break a rule shared with the other formats
            (:func:`~model_core.formats.mrmc_ratings.mrmc_ratings`), the file name does not end
            in ``.xlsx``, an id cannot be written, the cases are all of one class, or a reader
            left a case unrated in a modality; nothing is written then.
    """
    target = Path(path)
    ratings = mrmc_ratings(reads, truth, str(target), "an RJafroc workbook")
    problems = ProblemCollector()
    if target.suffix != ".xlsx":
        problems.add(
            str(target), None, None, "RJafroc reads only workbooks whose name ends in .xlsx"
        )
    _check_ids(ratings, str(target), problems)
    _check_classes(ratings, str(target), problems)
    _check_fully_crossed(ratings, str(target), problems)
    problems.raise_if_any(ExportError, "the reads to write as an RJafroc workbook")
    numbers = {case_id: number for number, case_id in enumerate(ratings.truth, start=1)}
    workbook = Workbook(write_only=True)  # streamed: no per-cell bookkeeping
    _fill_truth(workbook.create_sheet(SHEET_TRUTH), ratings, numbers)
    _fill_ratings(workbook.create_sheet(SHEET_FP), ratings, numbers, malignant=False)
    _fill_ratings(workbook.create_sheet(SHEET_TP), ratings, numbers, malignant=True)
    _fill_usage(workbook.create_sheet(SHEET_USAGE), ratings.study_ids, simulated)
    workbook.save(target)
    return target


def _append(sheet: WriteOnlyWorksheet, values: Sequence[object]) -> None:
    """Append a row, text kept as text (openpyxl would take ``=...`` for a formula)."""
    row: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    sheet.append(row)


def _fill_truth(sheet: WriteOnlyWorksheet, ratings: MrmcRatings, numbers: dict[str, int]) -> None:
    _append(sheet, [*TRUTH_COLUMNS, STUDY_CASE_COLUMN])
    readers = ",".join(ratings.readers)
    modalities = ",".join(ratings.modalities)
    for row, (case_id, label) in enumerate(ratings.truth.items()):
        paradigm = PARADIGM[row] if row < len(PARADIGM) else None
        _append(sheet, [numbers[case_id], label, label, readers, modalities, paradigm, case_id])


def _fill_ratings(
    sheet: WriteOnlyWorksheet, ratings: MrmcRatings, numbers: dict[str, int], *, malignant: bool
) -> None:
    _append(sheet, TP_COLUMNS if malignant else FP_COLUMNS)
    for reader, modality, case_id, score in ratings.ratings.itertuples(index=False):
        if ratings.truth[case_id] != int(malignant):
            continue
        rating = int(score) if score.is_integer() else score
        lesion = [1] if malignant else []
        _append(sheet, [reader, modality, numbers[case_id], *lesion, rating])


def _fill_usage(sheet: WriteOnlyWorksheet, study_ids: Sequence[str], simulated: bool) -> None:
    lines = [
        "Written by cesm-reader"
        + (f" from study {', '.join(study_ids)}" if study_ids else "")
        + ": ROC ratings of a reader study in RJafroc's JAFROC format.",
        "Read it in R with RJafroc::DfReadDataFile(file, newExcelFileFormat = TRUE).",
        "Ratings: each reader's probability of malignancy from 0 to 100.",
        "Modalities: unaided = read without the model; aided = read with the model's output.",
        f"Case ids: RJafroc needs integers, so CaseID numbers the cases; column "
        f"{STUDY_CASE_COLUMN} of sheet {SHEET_TRUTH} holds each case's id in the study.",
        f"Sheets FP and TP hold the ratings of benign and malignant cases ({SHEET_TRUTH}: "
        "lesion 0 = benign, 1 = malignant).",
    ]
    if simulated:
        lines.insert(
            0,
            "SIMULATED: these ratings come from simulated readers (cesm-reader study simulate), "
            "not from people.",
        )
    for line in lines:
        _append(sheet, [line])


def _check_ids(ratings: MrmcRatings, target: str, problems: ProblemCollector) -> None:
    for reader in ratings.readers:
        if _COMMA_OR_SPACE.search(reader) or ILLEGAL_CHARACTERS_RE.search(reader):
            problems.add(
                target,
                None,
                "reader_id",
                f"reader {reader!r} holds a comma, white space or a control character, "
                "which RJafroc's TRUTH sheet cannot carry",
            )
    for case_id in ratings.truth:
        if ILLEGAL_CHARACTERS_RE.search(case_id):
            problems.add(
                target,
                None,
                "case_id",
                f"case {case_id!r} holds a control character, which a workbook cannot carry",
            )


def _check_classes(ratings: MrmcRatings, target: str, problems: ProblemCollector) -> None:
    labels = set(ratings.truth.values())
    for label, name in ((0, "benign"), (1, "malignant")):
        if label not in labels:
            problems.add(
                target,
                None,
                "truth",
                f"no {name} case was read; RJafroc's ROC data need both benign and malignant cases",
            )


def _check_fully_crossed(ratings: MrmcRatings, target: str, problems: ProblemCollector) -> None:
    """Every reader rates every case in every modality, as RJafroc's ROC check requires."""
    rated = set(ratings.ratings[["reader_id", "modality", "case_id"]].itertuples(index=False))
    gaps = [
        (reader, modality, case_id)
        for reader in ratings.readers
        for modality in ratings.modalities
        for case_id in ratings.truth
        if (reader, modality, case_id) not in rated
    ]
    if not gaps:
        return
    listed = "; ".join(
        f"reader {reader!r}, {modality}, case {case_id!r}"
        for reader, modality, case_id in gaps[:_GAPS_LISTED]
    )
    more = f" and {len(gaps) - _GAPS_LISTED} more" if len(gaps) > _GAPS_LISTED else ""
    problems.add(
        target,
        None,
        None,
        f"RJafroc's ROC data must be fully crossed (every reader rates every case in every "
        f"modality); {len(gaps)} rating(s) missing: {listed}{more}",
    )
