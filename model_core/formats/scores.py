"""The model scores file: one probability of malignancy per case — read and written here only.

Columns: ``case_id, probability`` and, for an ensemble, one column per fold model ``fold_1`` …
``fold_5``, and ``simulated`` (1 when a simulation made the scores; ``docs/formats.md``).
Probabilities lie in [0, 1]; ``probability`` is what the
analysis scores and what an aided reader is shown.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from model_core.formats.located_table import (
    parse_numbers,
    parse_simulated_flag,
    read_located_table,
    report_blank_and_repeated_ids,
    report_rows,
    require_columns,
)
from model_core.formats.problems import ProblemCollector

SCORES_REQUIRED: tuple[str, str] = ("case_id", "probability")
#: The optional provenance column (1 = simulated), written last.
SIMULATED = "simulated"
#: Name of the column of fold model ``k`` (1-based) of an ensemble.
FOLD_COLUMN = re.compile(r"^fold_(\d+)$")


def fold_column(k: int) -> str:
    """``fold_1`` for ``k = 1``."""
    return f"fold_{k}"


def read_scores(
    path: str | Path,
    problems: ProblemCollector,
    *,
    known_cases: Collection[str] | None = None,
    known_as: str = "the manifest",
) -> pd.DataFrame | None:
    """The scores of ``path``, indexed by ``case_id``; every problem recorded in ``problems``.

    ``known_cases``, when given, are the only case ids allowed (``known_as`` names their
    source in the message). Returns ``None`` when the file is not a scores table at all.
    """
    name = str(path)
    frame = read_located_table(path, problems)
    if frame is None or not require_columns(frame, SCORES_REQUIRED, name, problems):
        return None
    frame = frame.assign(
        probability=parse_numbers(frame, "probability", name, problems, low=0, high=1)
    )
    for column in [c for c in frame.columns if FOLD_COLUMN.match(c)]:
        frame[column] = parse_numbers(frame, column, name, problems, low=0, high=1)
    if SIMULATED in frame.columns:
        frame[SIMULATED] = parse_simulated_flag(frame, name, problems)
    keep = report_blank_and_repeated_ids(
        frame,
        "case_id",
        name,
        problems,
        lambda case_id, first: f"case {case_id!r} has a score already (on line {first})",
    )
    if known_cases is not None:
        known = set(known_cases)
        unknown = keep & ~frame["case_id"].isin(known)
        report_rows(
            frame,
            unknown,
            name,
            "case_id",
            problems,
            lambda v: f"case {v!r} is not in {known_as}",
        )
    return frame.loc[keep].set_index("case_id", drop=False)


def write_scores(scores: pd.DataFrame, path: str | Path) -> Path:
    """Write ``scores`` (``case_id``, ``probability``, any ``fold_k``, ``simulated``) to ``path``.

    Raises:
        ValueError: a required column is missing, or a column is not part of the format.
    """
    missing = [column for column in SCORES_REQUIRED if column not in scores.columns]
    known = (*SCORES_REQUIRED, SIMULATED)
    extra = [c for c in scores.columns if c not in known and not FOLD_COLUMN.match(c)]
    if missing or extra:
        raise ValueError(f"scores: missing column(s) {missing}, unknown column(s) {extra}")
    folds = sorted(
        (c for c in scores.columns if FOLD_COLUMN.match(c)),
        key=lambda c: int(FOLD_COLUMN.match(c).group(1)),  # type: ignore[union-attr]
    )
    target = Path(path)
    flag = [SIMULATED] if SIMULATED in scores.columns else []
    columns = [*SCORES_REQUIRED, *folds, *flag]
    scores.to_csv(target, columns=columns, index=False, lineterminator="\n")
    return target
