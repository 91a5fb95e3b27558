"""The reads export: one row per reading decision — read, checked and written here only.

Columns, in this order (``docs/formats.md`` documents each)::

    study_id, reader_id, session, case_id, truth, decision, pom, bi_rads, reading_time_s,
    order_index, started_at, submitted_at, model_probability, simulated

``session`` is ``unaided`` or ``aided``; ``truth`` and ``decision`` code labels as 1 = malignant,
0 = benign; ``pom`` is the reader's probability of malignancy 0–100; ``model_probability`` is the
model's probability that was shown (0–1), empty in an unaided read and required in an aided one;
``simulated`` is 1 in every row a simulation made (``simulate-reads``, a simulated study store),
0 in reads of people, so that whatever analyses the file can say so.
Only ``reader_id, session, case_id, truth, decision, pom`` are required when reading: a reads file
from another tool may lack the rest.

:func:`read_reads` applies the rules that concern one file: every cell's value, timestamps that
run forward, one decision per reader, session and case, reading orders that are permutations,
one study per file. Rules across files (cases the manifest knows, the truth it gives, readers who
read every case) belong to whoever joins the files, such as the analysis.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model_core.formats.located_table import (
    LINE,
    parse_binary,
    parse_numbers,
    parse_simulated_flag,
    read_located_table,
    report_rows,
    report_unsafe_ids,
    require_columns,
)
from model_core.formats.problems import ProblemCollector
from model_core.vocabulary import AIDED, BI_RADS_CATEGORIES, SESSIONS, UNAIDED, canonical_session

#: Every column of the reads export, in the order it is written.
READS_COLUMNS: tuple[str, ...] = (
    "study_id",
    "reader_id",
    "session",
    "case_id",
    "truth",
    "decision",
    "pom",
    "bi_rads",
    "reading_time_s",
    "order_index",
    "started_at",
    "submitted_at",
    "model_probability",
    "simulated",
)
#: The columns without which a file is not a reads export.
READS_REQUIRED: tuple[str, ...] = ("reader_id", "session", "case_id", "truth", "decision", "pom")
#: One decision per reader, session and case.
READ_KEY: tuple[str, str, str] = ("reader_id", "session", "case_id")


def read_reads(path: str | Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """The reads of ``path``, every problem of the file recorded in ``problems``.

    Returns the usable rows (known session, reader and case named, first of any repeated
    decision) with ``session`` in its canonical spelling (case is ignored on input), ``truth``,
    ``decision``, ``pom`` (and ``order_index``, ``model_probability`` when present) parsed as
    numbers — NaN where a cell is bad — and ``bi_rads`` upper case, or ``None`` when the file is
    not a reads table at all. ``simulated`` (0/1) is parsed when present.
    """
    name = str(path)
    frame = read_located_table(path, problems)
    if frame is None or not require_columns(frame, READS_REQUIRED, name, problems):
        return None
    if frame.empty:
        problems.add(name, None, None, "has no reads (only a header)")
        return None
    frame = _check_values(frame, name, problems)
    usable = frame["session"].isin(SESSIONS) & (frame["reader_id"] != "") & (frame["case_id"] != "")
    return _check_repeats(frame.loc[usable], name, problems)


def _check_values(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> pd.DataFrame:
    """Per-cell checks; returns the frame with parsed numeric columns, sessions in their
    canonical spelling, and ids that are refused emptied (so that the row is not used)."""
    for column in ("reader_id", "case_id"):
        report_rows(frame, frame[column] == "", name, column, problems, "is empty")
        safe = report_unsafe_ids(frame, column, name, problems)
        frame = frame.assign(**{column: frame[column].where(safe, "")})
    if "study_id" in frame.columns:
        report_unsafe_ids(frame, "study_id", name, problems)
    session = _canonical_sessions(frame["session"])
    report_rows(frame, session.isna(), name, "session", problems, _session_problem)
    frame = frame.assign(session=session.fillna(frame["session"]))
    parsed = frame.assign(
        truth=parse_binary(frame, "truth", name, problems),
        decision=parse_binary(frame, "decision", name, problems),
        pom=parse_numbers(frame, "pom", name, problems, low=0, high=100),
    )
    if "bi_rads" in frame.columns:
        category = frame["bi_rads"].str.upper()
        bad = ~category.isin([*BI_RADS_CATEGORIES, ""])
        report_rows(
            frame,
            bad,
            name,
            "bi_rads",
            problems,
            lambda v: f"{v!r} is not a BI-RADS category ({', '.join(BI_RADS_CATEGORIES)})",
        )
        parsed["bi_rads"] = category.where(~bad, "")
    if "reading_time_s" in frame.columns:
        parse_numbers(frame, "reading_time_s", name, problems, low=0, allow_empty=True)
    if "order_index" in frame.columns:
        parsed["order_index"] = parse_numbers(
            frame, "order_index", name, problems, low=0, integer=True, allow_empty=True
        )
    if "simulated" in frame.columns:
        parsed["simulated"] = parse_simulated_flag(frame, name, problems)
    if "model_probability" in frame.columns:
        _check_shown_model(frame, parsed, name, problems)
    _check_timestamps(frame, name, problems)
    if "study_id" in frame.columns:
        studies = frame.loc[frame["study_id"] != "", "study_id"].value_counts()
        if len(studies) > 1:
            counts = ", ".join(f"{study!r} ({count} rows)" for study, count in studies.items())
            problems.add(name, None, "study_id", f"reads of more than one study: {counts}")
    return parsed


def _canonical_sessions(column: pd.Series) -> pd.Series:
    """Each session in its canonical spelling; missing where it is not a session."""
    spelled: dict[str, str | None] = {}
    for text in pd.unique(column):
        try:
            spelled[text] = canonical_session(text)
        except ValueError:
            spelled[text] = None
    return column.map(spelled)


def _session_problem(text: str) -> str:
    try:
        canonical_session(text)
    except ValueError as error:
        return str(error)
    return ""


def _check_shown_model(
    frame: pd.DataFrame, parsed: pd.DataFrame, name: str, problems: ProblemCollector
) -> None:
    """The model is never shown unaided, and what was shown aided is recorded."""
    parsed["model_probability"] = parse_numbers(
        frame, "model_probability", name, problems, low=0, high=1, allow_empty=True
    )
    shown = frame["model_probability"] != ""
    report_rows(
        frame,
        (frame["session"] == UNAIDED) & shown,
        name,
        "model_probability",
        problems,
        "is filled in an unaided read (unaided sessions never show the model)",
    )
    report_rows(
        frame,
        (frame["session"] == AIDED) & ~shown,
        name,
        "model_probability",
        problems,
        "is empty in an aided read (the probability the reader was shown must be recorded; "
        "leave the whole column out if the reads come from a tool that does not record it)",
    )


def _check_timestamps(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> None:
    parsed = {}
    for column in ("started_at", "submitted_at"):
        if column not in frame.columns:
            continue
        text = frame[column].astype(str)
        values = pd.to_datetime(
            text.where(text != "", None), errors="coerce", format="ISO8601", utc=True
        )
        bad = (text != "") & values.isna()
        report_rows(
            frame, bad, name, column, problems, lambda v: f"{v!r} is not an ISO 8601 date-time"
        )
        parsed[column] = values
    if len(parsed) == 2:
        backwards = parsed["submitted_at"] < parsed["started_at"]
        report_rows(
            frame,
            backwards,
            name,
            "submitted_at",
            problems,
            lambda v: f"{v!r} is earlier than started_at",
        )


def _check_repeats(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> pd.DataFrame:
    """One decision per reader, session and case; reading orders that are permutations."""
    key = list(READ_KEY)
    duplicated = frame.duplicated(key, keep=False)
    for (reader, session, case_id), group in frame.loc[duplicated].groupby(key, sort=False):
        lines = group[LINE].tolist()
        for line in lines[1:]:
            problems.add(
                name,
                int(line),
                "case_id",
                f"reader {reader!r} read case {case_id!r} in the {session} session "
                f"already on line {lines[0]}",
            )
    frame = frame.drop_duplicates(key, keep="first")
    if "order_index" in frame.columns:
        ordered = frame.dropna(subset=["order_index"])
        repeated = ordered.duplicated(["reader_id", "session", "order_index"], keep="first")
        report_rows(
            ordered,
            repeated,
            name,
            "order_index",
            problems,
            "is used twice in this reader's session (the reading order must be a permutation)",
        )
    return frame


def write_reads(reads: pd.DataFrame, path: str | Path) -> Path:
    """Write ``reads`` (a frame with every column of :data:`READS_COLUMNS`) to ``path``.

    Missing values (``model_probability`` of an unaided read) are written as empty cells.

    Raises:
        ValueError: a column of the format is missing (a programming error, not user input).
    """
    missing = [column for column in READS_COLUMNS if column not in reads.columns]
    if missing:
        raise ValueError(f"reads lack the column(s) {', '.join(missing)}")
    target = Path(path)
    reads.to_csv(target, columns=list(READS_COLUMNS), index=False, lineterminator="\n")
    return target
