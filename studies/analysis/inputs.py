"""Loading and validating the analysis inputs: reads export, case manifest, model scores.

A reader study's statistics are only as good as its reads file, and a reads file assembled by
hand (or merged from two sites) goes wrong in many small ways at once. So nothing here stops at
the first problem: every check runs, every problem is collected with the file, the line (as a
text editor numbers it: the header is line 1) and the column, and one
:class:`~studies.errors.AnalysisInputError` lists them all. Only when there is none does the
caller get a :class:`StudyInputs`, whose arrays are complete and aligned — the estimators
downstream never see a missing read or an unknown case.

Each file is read by the module that owns its format — the manifest by :mod:`model_core.manifest`
(with the ``validate`` command's messages; image files are that command's business),
the reads by :mod:`model_core.formats.reads`, the model scores by :mod:`model_core.formats.scores`
(``docs/formats.md``) — and this module applies the rules across them: read cases are in the
manifest with the truth it gives, every reader read every case in both sessions, the probability
shown is the model's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model_core.formats.located_table import LINE, report_rows
from model_core.formats.problems import ProblemCollector
from model_core.formats.reads import read_reads
from model_core.formats.scores import read_scores
from model_core.manifest.table import read_table
from model_core.vocabulary import LABEL_CODES, SESSIONS, label_name
from studies.analysis.manifest_match import check_manifest_matches
from studies.analysis.provenance import DataProvenance, data_provenance
from studies.errors import AnalysisInputError

#: Largest difference between the probability shown to a reader and the model score that is
#: taken for display rounding (the reader GUI may show a percentage). Inclusive: 0.725 shown
#: as 0.72 is 0.005 off, which binary floating point makes 0.0050000000000000044.
SHOWN_TOLERANCE = 0.005
_SHOWN_SLACK = 1e-9
_WHAT = "the analysis inputs (nothing was analysed)"


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
        provenance: which of the data a simulation made (the files' ``simulated`` marks).
        reading_time_s: shape (2, readers, cases), seconds per read (NaN where not
            recorded), or ``None`` when the reads have no ``reading_time_s`` column.
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
    warnings: tuple[str, ...] = ()
    provenance: DataProvenance = field(default_factory=DataProvenance)
    reading_time_s: np.ndarray | None = None

    @property
    def n_cases(self) -> int:
        """Number of cases read."""
        return len(self.case_ids)

    @property
    def n_malignant(self) -> int:
        """Number of malignant cases."""
        return int(self.truth.sum())


def _load_manifest(
    path: str | Path, subgroup_columns: Sequence[str], problems: ProblemCollector
) -> pd.DataFrame | None:
    """The manifest's cases (text cells, index ``case_id``), read by :mod:`model_core.manifest`.

    Every error the ``validate`` command would report about the manifest's structure and cells
    is reported here with the same message; the image files are not opened (the analysis needs
    no pixels, and a study is analysed where its images may not be). Returns ``None`` when the
    manifest has an error: a row it refuses is not a case, and checking the reads and scores
    against what is left would only echo that error for every read of the case.
    """
    name = str(path)
    table = read_table(path)
    errors = [issue for issue in table.issues if issue.severity == "error"]
    for issue in errors:
        problems.add(name, issue.line, issue.column, issue.message)
    if table.readable:
        for column in subgroup_columns:
            if column not in table.columns:
                problems.add(name, 1, column, "subgroup column is not in the manifest")
    if errors or not table.readable or "label" not in table.columns:
        return None
    rows = table.manifest.rows
    frame = pd.DataFrame(
        [dict(row.cells) for row in rows], columns=list(table.columns), dtype=object
    )
    frame["label"] = [row.label or "" for row in rows]
    frame[LINE] = np.asarray([row.line for row in rows], dtype=np.int64)
    return frame.set_index("case_id", drop=False)


def _check_against_manifest(
    frame: pd.DataFrame,
    manifest: pd.DataFrame,
    name: str,
    manifest_name: str,
    problems: ProblemCollector,
) -> pd.DataFrame:
    known = frame["case_id"].isin(manifest.index)
    report_rows(
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
    expected = np.array([LABEL_CODES.get(value, -1) for value in label])
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
    design: str | None = None,
) -> StudyInputs:
    """Load, validate and align the reads, the manifest and (optionally) the model scores.

    ``design`` (``crossover``, ``counterbalanced``, ``sequential``; ``None`` when unknown) adds
    the design's own rule: in a crossover or sequential study a reader's aided read of a case
    may not be dated before their unaided read of it. Labelled manifest cases that no reader
    read are returned as :attr:`StudyInputs.warnings` (they are not analysed).

    Each file's own problems are always reported; the rules across files (read cases in the
    manifest, their truth, scores for every case) are checked only once the manifest is free
    of errors, so that one bad manifest row is reported once, not once per read of its case.

    Raises:
        AnalysisInputError: listing every problem found in any of the files, each with its
            file, line and column.
    """
    problems = ProblemCollector()
    reads_name, manifest_name = str(reads), str(manifest)
    manifest_frame = _load_manifest(manifest, subgroup_columns, problems)
    scores_frame = None
    if model_scores is not None:
        scores_frame = read_scores(
            model_scores,
            problems,
            known_cases=None if manifest_frame is None else manifest_frame.index,
        )
    frame = read_reads(reads, problems)
    if frame is None or manifest_frame is None:
        problems.raise_if_any(AnalysisInputError, _WHAT)
    assert frame is not None and manifest_frame is not None
    if not any(problem.file == manifest_name for problem in problems.problems):
        check_manifest_matches(frame["case_id"], manifest_frame.index, reads_name, manifest_name)
    frame = _check_against_manifest(frame, manifest_frame, reads_name, manifest_name, problems)
    case_ids = sorted(pd.unique(frame["case_id"]), key=natural_key)
    readers = _check_completeness(frame, case_ids, reads_name, problems)
    truth = manifest_frame.loc[case_ids, "label"].map(LABEL_CODES).to_numpy(dtype=int)
    if case_ids and (truth.min() == truth.max()):
        only = label_name(int(truth[0]))
        problems.add(
            manifest_name,
            None,
            "label",
            f"all {len(case_ids)} read cases are {only}: sensitivity, specificity and the AUC "
            "need both benign and malignant cases",
        )
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
    problems.raise_if_any(AnalysisInputError, _WHAT)
    if design in ("crossover", "sequential"):
        _check_aided_after_unaided(frame, reads_name, problems)
        problems.raise_if_any(AnalysisInputError, _WHAT)
    aligned = _align(
        frame, case_ids, readers, truth, manifest_frame, scores, reads, manifest, model_scores
    )
    aligned = dataclasses.replace(aligned, provenance=data_provenance(frame, scores_frame))
    labelled = manifest_frame.index[manifest_frame["label"] != ""]
    unread = sorted(set(labelled) - set(case_ids), key=natural_key)
    if not unread:
        return aligned
    shown = ", ".join(unread[:10]) + (" ..." if len(unread) > 10 else "")
    warning = (
        f"{len(unread)} labelled case(s) of the manifest {manifest_name} were read by no reader "
        f"and are not analysed: {shown}"
    )
    return dataclasses.replace(aligned, warnings=(warning,))


def _check_aided_after_unaided(frame: pd.DataFrame, name: str, problems: ProblemCollector) -> None:
    """In a crossover (or sequential) study the aided read of a case follows the unaided one."""
    if "started_at" not in frame.columns or "submitted_at" not in frame.columns:
        return
    times = frame.assign(
        started=pd.to_datetime(frame["started_at"], errors="coerce", format="ISO8601", utc=True),
        submitted=pd.to_datetime(
            frame["submitted_at"], errors="coerce", format="ISO8601", utc=True
        ),
    )
    submitted = {
        (str(row["reader_id"]), str(row["case_id"])): (row["submitted"], int(row[LINE]))
        for row in times[times["session"] == SESSIONS[0]].to_dict("records")
    }
    for row in times[times["session"] == SESSIONS[1]].to_dict("records"):
        key = (str(row["reader_id"]), str(row["case_id"]))
        if key not in submitted or pd.isna(row["started"]) or pd.isna(submitted[key][0]):
            continue
        if row["started"] < submitted[key][0]:
            problems.add(
                name,
                int(row[LINE]),
                "started_at",
                f"reader {key[0]!r} started the aided read of case {key[1]!r} before "
                f"submitting the unaided read (line {submitted[key][1]}); in this design the "
                "aided read follows the unaided one",
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
    reading_time = None
    if "reading_time_s" in frame.columns:
        reading_time = np.full(shape, np.nan)
        reading_time[index] = pd.to_numeric(frame["reading_time_s"], errors="coerce")
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
        reading_time_s=reading_time,
    )
