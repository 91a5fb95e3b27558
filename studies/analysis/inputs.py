"""Loading and validating the analysis inputs: reads export, case manifest, model scores.

A reader study's statistics are only as good as its reads file, and a reads file assembled by
hand (or merged from two sites) goes wrong in many small ways at once. So nothing here stops at
the first problem: every check runs, every problem is collected with the file, the line (as a
text editor numbers it: the header is line 1) and the column, and one
:class:`~studies.errors.AnalysisInputError` lists them all. Only when there is none does the
caller get a :class:`StudyInputs`, whose arrays are complete and aligned — the estimators
downstream never see a missing read or an unknown case.

Contracts: reads DESIGN §3.3, manifest §3.1 (only ``case_id``, ``label`` and subgroup columns are
used here; image paths are the ``validate`` command's business), model scores §3.4.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from studies.errors import AnalysisInputError

SESSIONS: tuple[str, str] = ("unaided", "aided")
READS_REQUIRED: tuple[str, ...] = ("reader_id", "session", "case_id", "truth", "decision", "pom")
MANIFEST_REQUIRED: tuple[str, ...] = ("case_id", "label")
SCORES_REQUIRED: tuple[str, ...] = ("case_id", "probability")
#: BI-RADS assessment categories accepted in reads and manifests, in ordinal order (for the
#: weighted kappa). A bare "4" (no subcategory) sorts before 4A.
BI_RADS_LEVELS: tuple[str, ...] = ("0", "1", "2", "3", "4", "4A", "4B", "4C", "5", "6")
LABELS: dict[str, int] = {"benign": 0, "malignant": 1}
_FOLD_COLUMN = re.compile(r"^fold_\d+$")
#: Largest difference between the probability shown to a reader and the model score that is
#: taken for display rounding (the reader GUI may show a percentage). Inclusive: 0.725 shown
#: as 0.72 is 0.005 off, which binary floating point makes 0.0050000000000000044.
SHOWN_TOLERANCE = 0.005
_SHOWN_SLACK = 1e-9
#: Internal column holding each row's line number in its file.
LINE = "__line__"


@dataclass(frozen=True)
class InputProblem:
    """One thing wrong with one input file, located as precisely as the problem allows."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ProblemCollector:
    """Accumulates :class:`InputProblem` s; raises them all at once."""

    problems: list[InputProblem] = field(default_factory=list)

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        """Record one problem."""
        self.problems.append(InputProblem(file, line, column, message))

    def raise_if_any(self) -> None:
        """Raise one :class:`AnalysisInputError` listing every problem, if there is any."""
        if not self.problems:
            return
        count = len(self.problems)
        files = list(dict.fromkeys(problem.file for problem in self.problems))
        ordered = sorted(
            self.problems,
            key=lambda p: (files.index(p.file), p.line is None, p.line or 0),
        )  # stable: problems of one line keep the order of the checks
        lines = "\n".join(f"  - {problem}" for problem in ordered)
        noun = "problem" if count == 1 else "problems"
        raise AnalysisInputError(
            f"{count} {noun} in the analysis inputs (nothing was analysed):\n{lines}"
        )


@dataclass(frozen=True)
class StudyInputs:
    """Validated, aligned inputs of one reader study.

    Arrays are indexed ``[session, reader, case]`` with sessions in :data:`SESSIONS` order,
    readers in :attr:`reader_ids` order and cases in :attr:`case_ids` order.

    Attributes:
        case_ids: the cases every reader read in both sessions (natural sort: C2 before C10).
        truth: shape (cases,), 1 = malignant, 0 = benign, from the manifest's ``label``.
        reader_ids: the readers (natural sort: R2 before R10).
        decision: shape (2, readers, cases), 0/1.
        pom: shape (2, readers, cases), probability of malignancy 0–100.
        bi_rads: shape (2, readers, cases) of BI-RADS strings ("" when not given), or ``None``
            when the reads file has no BI-RADS at all.
        cases: the manifest rows of :attr:`case_ids` (index ``case_id``, string values).
        model_scores: shape (cases,), the model's probability, or ``None`` without scores.
        study_id: the reads' ``study_id`` when present.
        sources: name → path of each input file, for the report's provenance.
        checksums: name → SHA-256 of each input file as it was analysed.
    """

    case_ids: tuple[str, ...]
    truth: np.ndarray
    reader_ids: tuple[str, ...]
    decision: np.ndarray
    pom: np.ndarray
    bi_rads: np.ndarray | None
    cases: pd.DataFrame
    model_scores: np.ndarray | None
    study_id: str | None
    sources: dict[str, str]
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        """Number of cases read."""
        return len(self.case_ids)

    @property
    def n_malignant(self) -> int:
        """Number of malignant cases."""
        return int(self.truth.sum())


def read_csv_table(path: str | Path, problems: ProblemCollector) -> pd.DataFrame | None:
    """Read a UTF-8 CSV as strings, with each row's line number in column :data:`LINE`.

    Structural problems (missing file, not UTF-8, empty file, blank or duplicate header names,
    rows with the wrong number of fields, broken quoting) are recorded in ``problems``; rows
    with the wrong number of fields are left out so the other checks can still run. Returns
    ``None`` when the file cannot be read at all.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        problems.add(name, None, None, "file not found")
        return None
    except OSError as error:
        problems.add(name, None, None, f"cannot be read ({error.strerror or error})")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        problems.add(name, line, None, f"is not UTF-8 text (byte {error.start})")
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        problems.add(name, None, None, "file is empty (no header row)")
        return None
    except csv.Error as error:
        problems.add(name, 1, None, f"malformed CSV header ({error})")
        return None
    for position, column in enumerate(header, start=1):
        if not column:
            problems.add(name, 1, None, f"header field {position} is blank")
    for column in sorted({c for c in header if c and header.count(c) > 1}):
        problems.add(name, 1, column, "column appears more than once in the header")
    rows: list[list[str]] = []
    lines: list[int] = []
    while True:
        start = reader.line_num + 1  # a quoted field may span lines: report where a row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(name, start, None, f"malformed CSV ({error}; an unclosed quote?)")
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            problems.add(name, start, None, f"has {len(row)} fields, the header has {len(header)}")
            continue
        rows.append([cell.strip() for cell in row])
        lines.append(start)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    if frame.columns.has_duplicates:
        frame = frame.loc[:, ~frame.columns.duplicated()]
    frame[LINE] = np.asarray(lines, dtype=np.int64)
    return frame


def _require_columns(
    frame: pd.DataFrame, required: Iterable[str], name: str, problems: ProblemCollector
) -> bool:
    missing = [column for column in required if column not in frame.columns]
    for column in missing:
        problems.add(name, 1, column, "required column is missing")
    return not missing


def _report_rows(
    frame: pd.DataFrame,
    mask: pd.Series | np.ndarray,
    name: str,
    column: str,
    problems: ProblemCollector,
    describe: object,
) -> None:
    """Record a problem for every row of ``frame`` where ``mask`` is True."""
    bad = frame.loc[np.asarray(mask, dtype=bool)]
    for line, value in zip(bad[LINE], bad[column], strict=True):
        message = describe(value) if callable(describe) else str(describe)
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
        _report_rows(frame, empty, name, column, problems, "is empty")
    not_number = (text != "") & values.isna() & checked
    _report_rows(frame, not_number, name, column, problems, lambda v: f"{v!r} is not a number")
    infinite = np.isinf(values) & checked
    _report_rows(frame, infinite, name, column, problems, lambda v: f"{v!r} is not finite")
    finite = np.isfinite(values) & checked
    if integer:
        fractional = finite & (values != np.round(values))
        _report_rows(frame, fractional, name, column, problems, lambda v: f"{v!r} is not whole")
    range_text = f"[{'' if low is None else f'{low:g}'}, {'' if high is None else f'{high:g}'}]"
    outside = pd.Series(False, index=frame.index)
    if low is not None:
        outside |= finite & (values < low)
    if high is not None:
        outside |= finite & (values > high)
    _report_rows(frame, outside, name, column, problems, lambda v: f"{v!r} is outside {range_text}")
    return values.where(np.isfinite(values) & ~outside)


def _parse_binary(
    frame: pd.DataFrame, column: str, name: str, problems: ProblemCollector
) -> pd.Series:
    text = frame[column].astype(str)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = ~values.isin([0, 1])
    _report_rows(
        frame,
        bad,
        name,
        column,
        problems,
        lambda v: f"{v!r} is not 0 (benign) or 1 (malignant)" if v != "" else "is empty",
    )
    return values.where(~bad)


def _load_manifest(
    path: str | Path, subgroup_columns: Sequence[str], problems: ProblemCollector
) -> pd.DataFrame | None:
    name = str(path)
    frame = read_csv_table(path, problems)
    if frame is None or not _require_columns(frame, MANIFEST_REQUIRED, name, problems):
        return None
    for column in subgroup_columns:
        if column not in frame.columns:
            problems.add(name, 1, column, "subgroup column is not in the manifest")
    blank = frame["case_id"] == ""
    _report_rows(frame, blank, name, "case_id", problems, "is empty")
    frame = frame.loc[~blank]
    duplicated = frame["case_id"].duplicated(keep=False)
    for case_id, group in frame.loc[duplicated].groupby("case_id", sort=False):
        lines = group[LINE].tolist()
        for line in lines[1:]:
            problems.add(name, int(line), "case_id", f"case {case_id!r} already on line {lines[0]}")
    frame = frame.drop_duplicates("case_id", keep="first")
    label = frame["label"].str.lower()
    unknown = ~label.isin([*LABELS, ""])
    _report_rows(
        frame,
        unknown,
        name,
        "label",
        problems,
        lambda v: f"{v!r} is not 'benign', 'malignant' or empty",
    )
    frame = frame.assign(label=label.where(~unknown, ""))
    return frame.set_index("case_id", drop=False)


def _load_scores(
    path: str | Path, manifest: pd.DataFrame | None, problems: ProblemCollector
) -> pd.DataFrame | None:
    name = str(path)
    frame = read_csv_table(path, problems)
    if frame is None or not _require_columns(frame, SCORES_REQUIRED, name, problems):
        return None
    frame = frame.assign(
        probability=parse_numbers(frame, "probability", name, problems, low=0, high=1)
    )
    for column in [c for c in frame.columns if _FOLD_COLUMN.match(c)]:
        parse_numbers(frame, column, name, problems, low=0, high=1)
    blank = frame["case_id"] == ""
    _report_rows(frame, blank, name, "case_id", problems, "is empty")
    duplicated = frame["case_id"].duplicated(keep="first") & ~blank
    _report_rows(
        frame, duplicated, name, "case_id", problems, lambda v: f"case {v!r} has a score already"
    )
    if manifest is not None:
        unknown = ~frame["case_id"].isin(manifest.index) & ~blank
        _report_rows(
            frame,
            unknown,
            name,
            "case_id",
            problems,
            lambda v: f"case {v!r} is not in the manifest",
        )
    return frame.loc[~blank & ~duplicated].set_index("case_id", drop=False)


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
        _report_rows(
            frame, bad, name, column, problems, lambda v: f"{v!r} is not an ISO 8601 date-time"
        )
        parsed[column] = values
    if len(parsed) == 2:
        backwards = parsed["submitted_at"] < parsed["started_at"]
        _report_rows(
            frame,
            backwards,
            name,
            "submitted_at",
            problems,
            lambda v: f"{v!r} is earlier than started_at",
        )


def _check_reads_values(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> pd.DataFrame:
    """Per-cell checks of the reads; returns the frame with parsed numeric columns."""
    for column in ("reader_id", "case_id"):
        _report_rows(frame, frame[column] == "", name, column, problems, "is empty")
    bad_session = ~frame["session"].isin(SESSIONS)
    _report_rows(
        frame,
        bad_session,
        name,
        "session",
        problems,
        lambda v: f"{v!r} is not 'unaided' or 'aided'",
    )
    parsed = frame.assign(
        truth=_parse_binary(frame, "truth", name, problems),
        decision=_parse_binary(frame, "decision", name, problems),
        pom=parse_numbers(frame, "pom", name, problems, low=0, high=100),
    )
    if "bi_rads" in frame.columns:
        category = frame["bi_rads"].str.upper()
        bad = ~category.isin([*BI_RADS_LEVELS, ""])
        _report_rows(
            frame,
            bad,
            name,
            "bi_rads",
            problems,
            lambda v: f"{v!r} is not a BI-RADS category ({', '.join(BI_RADS_LEVELS)})",
        )
        parsed["bi_rads"] = category.where(~bad, "")
    if "reading_time_s" in frame.columns:
        parse_numbers(frame, "reading_time_s", name, problems, low=0, allow_empty=True)
    if "order_index" in frame.columns:
        parsed["order_index"] = parse_numbers(
            frame, "order_index", name, problems, low=0, integer=True, allow_empty=True
        )
    if "model_probability" in frame.columns:
        parsed["model_probability"] = parse_numbers(
            frame, "model_probability", name, problems, low=0, high=1, allow_empty=True
        )
        shown_unaided = (frame["session"] == "unaided") & (frame["model_probability"] != "")
        _report_rows(
            frame,
            shown_unaided,
            name,
            "model_probability",
            problems,
            "is filled in an unaided read (unaided sessions never show the model)",
        )
    _check_timestamps(frame, name, problems)
    if "study_id" in frame.columns:
        studies = frame.loc[frame["study_id"] != "", "study_id"].value_counts()
        if len(studies) > 1:
            counts = ", ".join(f"{study!r} ({count} rows)" for study, count in studies.items())
            problems.add(name, None, "study_id", f"reads of more than one study: {counts}")
    return parsed


def _check_duplicates(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> pd.DataFrame:
    key = ["reader_id", "session", "case_id"]
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
        _report_rows(
            ordered,
            repeated,
            name,
            "order_index",
            problems,
            "is used twice in this reader's session (the reading order must be a permutation)",
        )
    return frame


def _check_against_manifest(
    frame: pd.DataFrame,
    manifest: pd.DataFrame,
    name: str,
    manifest_name: str,
    problems: ProblemCollector,
) -> pd.DataFrame:
    known = frame["case_id"].isin(manifest.index)
    _report_rows(
        frame,
        ~known & (frame["case_id"] != ""),
        name,
        "case_id",
        problems,
        lambda v: f"case {v!r} is not in the manifest {manifest_name}",
    )
    frame = frame.loc[known]
    label = manifest.loc[frame["case_id"], "label"].to_numpy()
    unlabelled = label == ""
    for case_id in pd.unique(frame.loc[unlabelled, "case_id"]):
        line = int(manifest.loc[case_id, LINE])
        problems.add(
            manifest_name,
            line,
            "label",
            f"case {case_id!r} was read but has no label (the analysis refuses to score "
            "cases without ground truth)",
        )
    expected = np.array([LABELS.get(value, -1) for value in label])
    disagree = frame["truth"].notna() & ~unlabelled & (frame["truth"].to_numpy() != expected)
    bad = frame.loc[np.asarray(disagree, dtype=bool)]
    for line, truth, case_id in zip(bad[LINE], bad["truth"], bad["case_id"], strict=True):
        problems.add(
            name,
            int(line),
            "truth",
            f"{int(truth)} disagrees with the manifest, where case {case_id!r} is "
            f"{manifest.loc[case_id, 'label']!r}",
        )
    return frame.loc[~unlabelled]


def natural_key(text: str) -> tuple:
    """Sort key that orders ``R2`` before ``R10`` (digit runs compare as numbers)."""
    return tuple(
        (0, int(part), "") if part.isdecimal() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


def _check_completeness(
    frame: pd.DataFrame, case_ids: Sequence[str], name: str, problems: ProblemCollector
) -> list[str]:
    """Every reader must read every case in both sessions; returns the readers, sorted."""
    readers = sorted(pd.unique(frame["reader_id"]), key=natural_key)
    all_cases = set(case_ids)
    read = frame.groupby(["reader_id", "session"])["case_id"].agg(set)
    for reader in readers:
        for session in SESSIONS:
            seen = read.get((reader, session))
            if seen is None:
                problems.add(name, None, "session", f"reader {reader!r} has no {session} reads")
                continue
            missing = sorted(all_cases - seen)
            if missing:
                problems.add(
                    name,
                    None,
                    "case_id",
                    f"reader {reader!r} is missing {len(missing)} of {len(all_cases)} cases in "
                    f"the {session} session: {', '.join(missing)}",
                )
    return readers


def load_inputs(
    reads: str | Path,
    manifest: str | Path,
    model_scores: str | Path | None = None,
    *,
    subgroup_columns: Sequence[str] = (),
) -> StudyInputs:
    """Load, validate and align the reads, the manifest and (optionally) the model scores.

    Raises:
        AnalysisInputError: listing every problem found in any of the files, each with its
            file, line and column.
    """
    problems = ProblemCollector()
    reads_name, manifest_name = str(reads), str(manifest)
    manifest_frame = _load_manifest(manifest, subgroup_columns, problems)
    scores_frame = (
        None if model_scores is None else _load_scores(model_scores, manifest_frame, problems)
    )
    frame = read_csv_table(reads, problems)
    if frame is None or not _require_columns(frame, READS_REQUIRED, reads_name, problems):
        problems.raise_if_any()
    assert frame is not None
    if frame.empty:
        problems.add(reads_name, None, None, "has no reads (only a header)")
        problems.raise_if_any()
    frame = _check_reads_values(frame, reads_name, problems)
    usable = frame["session"].isin(SESSIONS) & (frame["reader_id"] != "") & (frame["case_id"] != "")
    frame = _check_duplicates(frame.loc[usable], reads_name, problems)
    if manifest_frame is None:
        problems.raise_if_any()
    assert manifest_frame is not None
    frame = _check_against_manifest(frame, manifest_frame, reads_name, manifest_name, problems)
    case_ids = sorted(pd.unique(frame["case_id"]), key=natural_key)
    readers = _check_completeness(frame, case_ids, reads_name, problems)
    truth = manifest_frame.loc[case_ids, "label"].map(LABELS).to_numpy(dtype=int)
    if case_ids and (truth.min() == truth.max()):
        only = "malignant" if truth[0] == 1 else "benign"
        problems.add(
            manifest_name,
            None,
            "label",
            f"all {len(case_ids)} read cases are {only}: sensitivity, specificity and the AUC "
            "need both benign and malignant cases",
        )
    _check_subgroup_values(manifest_frame.loc[case_ids], subgroup_columns, manifest_name, problems)
    scores = None
    if scores_frame is not None:
        lacking = [case for case in case_ids if case not in scores_frame.index]
        if lacking:
            problems.add(
                str(model_scores),
                None,
                "case_id",
                f"no score for {len(lacking)} read case(s): {', '.join(lacking)}",
            )
        else:
            scores = scores_frame.loc[case_ids, "probability"].to_numpy(dtype=float)
            _check_shown_probability(frame, scores_frame, reads_name, problems)
    problems.raise_if_any()
    return _align(
        frame, case_ids, readers, truth, manifest_frame, scores, reads, manifest, model_scores
    )


def _check_shown_probability(
    frame: pd.DataFrame, scores: pd.DataFrame, name: str, problems: ProblemCollector
) -> None:
    """The probability shown in aided reads must be the one analysed as the model's.

    Otherwise the "model" of the model-vs-reader comparisons is not the model the readers saw
    (e.g. scores of another model version). Differences up to :data:`SHOWN_TOLERANCE` are
    display rounding.
    """
    if "model_probability" not in frame.columns:
        return
    shown = frame["model_probability"]
    analysed = scores["probability"].reindex(frame["case_id"]).to_numpy(dtype=float)
    difference = np.abs(shown.to_numpy(dtype=float) - analysed)
    differs = shown.notna() & (difference > SHOWN_TOLERANCE + _SHOWN_SLACK)
    bad = frame.loc[np.asarray(differs, dtype=bool)]
    for line, value, case_id in zip(
        bad[LINE], bad["model_probability"], bad["case_id"], strict=True
    ):
        problems.add(
            name,
            int(line),
            "model_probability",
            f"{value:g} was shown for case {case_id!r}, but the model scores give "
            f"{scores.loc[case_id, 'probability']:g} (scores of another model?)",
        )


def _check_subgroup_values(
    cases: pd.DataFrame, columns: Sequence[str], name: str, problems: ProblemCollector
) -> None:
    if "diameter_cm" in columns and "diameter_cm" in cases.columns:
        parse_numbers(cases, "diameter_cm", name, problems, low=0, allow_empty=True)
    if "bi_rads" in columns and "bi_rads" in cases.columns:
        bad = ~cases["bi_rads"].str.upper().isin([*BI_RADS_LEVELS, ""])
        _report_rows(
            cases,
            bad,
            name,
            "bi_rads",
            problems,
            lambda v: f"{v!r} is not a BI-RADS category ({', '.join(BI_RADS_LEVELS)})",
        )


def _align(
    frame: pd.DataFrame,
    case_ids: list[str],
    readers: list[str],
    truth: np.ndarray,
    manifest: pd.DataFrame,
    scores: np.ndarray | None,
    reads_path: str | Path,
    manifest_path: str | Path,
    scores_path: str | Path | None,
) -> StudyInputs:
    """Pivot the validated long reads into ``[session, reader, case]`` arrays."""
    shape = (len(SESSIONS), len(readers), len(case_ids))
    session_pos = frame["session"].map({s: i for i, s in enumerate(SESSIONS)}).to_numpy()
    reader_pos = frame["reader_id"].map({r: i for i, r in enumerate(readers)}).to_numpy()
    case_pos = frame["case_id"].map({c: i for i, c in enumerate(case_ids)}).to_numpy()
    index = (session_pos, reader_pos, case_pos)
    decision = np.zeros(shape, dtype=int)
    decision[index] = frame["decision"].to_numpy(dtype=int)
    pom = np.zeros(shape, dtype=float)
    pom[index] = frame["pom"].to_numpy(dtype=float)
    bi_rads = None
    if "bi_rads" in frame.columns and (frame["bi_rads"] != "").any():
        bi_rads = np.full(shape, "", dtype=object)
        bi_rads[index] = frame["bi_rads"].to_numpy(dtype=object)
    study_ids = (
        [s for s in pd.unique(frame["study_id"]) if s] if "study_id" in frame.columns else []
    )
    sources = {"reads": str(reads_path), "manifest": str(manifest_path)}
    if scores_path is not None:
        sources["model_scores"] = str(scores_path)
    checksums = {
        key: hashlib.sha256(Path(path).read_bytes()).hexdigest() for key, path in sources.items()
    }
    return StudyInputs(
        case_ids=tuple(case_ids),
        truth=truth,
        reader_ids=tuple(readers),
        decision=decision,
        pom=pom,
        bi_rads=bi_rads,
        cases=manifest.loc[case_ids].drop(columns=[LINE]),
        model_scores=scores,
        study_id=study_ids[0] if study_ids else None,
        sources=sources,
        checksums=checksums,
    )
