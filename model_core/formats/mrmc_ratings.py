"""The ratings of a multi-reader multi-case (MRMC) ROC study, checked once for other tools' formats.

The iMRMC input file (:mod:`~model_core.formats.imrmc`) and RJafroc's workbook
(:mod:`~model_core.formats.rjafroc`) hold the same thing in two layouts: one score per reader,
modality and case, and the truth of each case. This module turns the reads export
(:data:`~model_core.formats.reads.READS_COLUMNS`) and the truth of each case into those ratings
and applies the rules both formats share, so that a writer only adds the rules of its own tool:

* the score is the reader's probability of malignancy ``pom`` (0–100), the rating the paper
  analyses; the modality is the reading session (``unaided`` or ``aided``);
* one rating per reader, modality and case;
* every rated case has a truth, 0 (benign) or 1 (malignant), and where the reads carry a
  ``truth`` column too, the two agree.

Every problem is collected and reported at once, naming the file that was to be written, the
field, and the reader, session and case concerned; nothing is written when there is any.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real

import pandas as pd

from model_core.errors import ExportError
from model_core.formats.problems import ProblemCollector
from model_core.vocabulary import SESSIONS

#: The columns of the reads export that the ratings are made of.
RATING_SOURCE_COLUMNS: tuple[str, ...] = ("reader_id", "session", "case_id", "pom")
#: The lowest and highest probability of malignancy a reader can give.
POM_RANGE: tuple[float, float] = (0.0, 100.0)


@dataclass(frozen=True)
class MrmcRatings:
    """Checked ratings, ready to be laid out in a file.

    Attributes:
        ratings: one row per rating, columns ``reader_id``, ``modality``, ``case_id``, ``score``
            (float), sorted by reader, modality (in :data:`~model_core.vocabulary.SESSIONS`
            order) and case.
        truth: 0 or 1 for every rated case (and only those), by case id in sorted order.
        readers: the reader ids, sorted.
        modalities: the modalities rated, in :data:`~model_core.vocabulary.SESSIONS` order.
        study_ids: the study ids the reads name (``study_id`` column), sorted; usually one.
    """

    ratings: pd.DataFrame
    truth: dict[str, int]
    readers: tuple[str, ...]
    modalities: tuple[str, ...]
    study_ids: tuple[str, ...]


def mrmc_ratings(
    reads: pd.DataFrame, truth: Mapping[str, int | None], target: str, what: str
) -> MrmcRatings:
    """The ratings of ``reads`` with the ``truth`` of each case, checked for writing ``target``.

    ``what`` names the format in the error, e.g. ``"an iMRMC input file"``.

    Raises:
        ExportError: listing every problem (missing column, empty id, unknown session, score
            not a number from 0 to 100, repeated rating, case without truth or whose truth
            disagrees with the reads).
    """
    problems = ProblemCollector()
    missing = [column for column in RATING_SOURCE_COLUMNS if column not in reads.columns]
    if missing:
        problems.add(target, None, None, f"the reads lack the column(s) {', '.join(missing)}")
    elif reads.empty:
        problems.add(target, None, None, "there are no reads to write")
    else:
        _check_reads(reads, truth, target, problems)
    problems.raise_if_any(ExportError, f"the reads to write as {what} (nothing was written)")
    frame = pd.DataFrame(
        {
            "reader_id": reads["reader_id"].astype(str).to_numpy(),
            "modality": reads["session"].astype(str).to_numpy(),
            "case_id": reads["case_id"].astype(str).to_numpy(),
            "score": reads["pom"].astype(float).to_numpy(),
        }
    )
    order = frame["modality"].map({session: rank for rank, session in enumerate(SESSIONS)})
    frame = (
        frame.assign(_order=order)
        .sort_values(["reader_id", "_order", "case_id"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )
    cases = sorted(set(frame["case_id"]))
    present = set(frame["modality"])
    return MrmcRatings(
        ratings=frame,
        truth={case_id: int(truth[case_id]) for case_id in cases},  # type: ignore[arg-type]
        readers=tuple(sorted(set(frame["reader_id"]))),
        modalities=tuple(session for session in SESSIONS if session in present),
        study_ids=_study_ids(reads),
    )


def _study_ids(reads: pd.DataFrame) -> tuple[str, ...]:
    if "study_id" not in reads.columns:
        return ()
    return tuple(sorted({str(s) for s in reads["study_id"].dropna() if str(s)}))


def _plain(value: object) -> object:
    """A cell as the user wrote it: ``0``, not ``np.int64(0)``."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _where(row: pd.Series) -> str:
    return f"reader {row['reader_id']!r}, {row['session']} read of case {row['case_id']!r}"


def _check_reads(
    reads: pd.DataFrame, truth: Mapping[str, int | None], target: str, problems: ProblemCollector
) -> None:
    """Per-read checks, vectorised; only the reads with a problem are visited."""
    for column in ("reader_id", "case_id"):
        values = reads[column]
        missing = ~values.map(lambda v: isinstance(v, str) and v != "").to_numpy(bool)
        for position in missing.nonzero()[0]:
            problems.add(target, None, column, f"read {position + 1} has no {column}")
    bad_session = ~reads["session"].isin(SESSIONS).to_numpy(bool)
    for position in bad_session.nonzero()[0]:
        row = reads.iloc[position]
        problems.add(
            target,
            None,
            "session",
            f"{_where(row)}: {_plain(row['session'])!r} is not "
            f"{' or '.join(repr(session) for session in SESSIONS)}",
        )
    bad_pom = ~reads["pom"].map(_is_pom).to_numpy(bool)
    for position in bad_pom.nonzero()[0]:
        row = reads.iloc[position]
        problems.add(
            target,
            None,
            "pom",
            f"{_where(row)}: {_plain(row['pom'])!r} is not a probability of malignancy from "
            f"{POM_RANGE[0]:g} to {POM_RANGE[1]:g}",
        )
    key = reads[["reader_id", "session", "case_id"]].astype(str)
    repeated = key.duplicated(keep="first").to_numpy(bool)
    if repeated.any():
        keys = [tuple(k) for k in key.itertuples(index=False)]
        first: dict[tuple[object, ...], int] = {}
        for number, k in enumerate(keys, start=1):
            first.setdefault(k, number)
        for position in repeated.nonzero()[0]:
            row = reads.iloc[position]
            earlier = first[keys[position]]
            problems.add(target, None, "case_id", f"{_where(row)} is repeated (read {earlier} too)")
    _check_truth(reads, truth, target, problems)


def _is_pom(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, Real):
        return False
    number = float(value)
    return math.isfinite(number) and POM_RANGE[0] <= number <= POM_RANGE[1]


def _check_truth(
    reads: pd.DataFrame, truth: Mapping[str, int | None], target: str, problems: ProblemCollector
) -> None:
    """Every rated case has a truth of 0 or 1, the same as the reads' own ``truth`` column."""
    stated = (
        reads.groupby("case_id", sort=False)["truth"].agg(lambda v: v.dropna().unique().tolist())
        if "truth" in reads.columns
        else None
    )
    for case_id in reads["case_id"].drop_duplicates():
        given = truth.get(case_id)
        if given is None or isinstance(given, bool) or given not in (0, 1):
            shown = "no truth" if given is None else f"truth {_plain(given)!r}, not 0 or 1"
            problems.add(
                target,
                None,
                "truth",
                f"case {case_id!r} was read but has {shown} (an ROC analysis needs every "
                "rated case labelled benign or malignant)",
            )
            continue
        disagree = [
            value for value in ([] if stated is None else stated[case_id]) if value != given
        ]
        if disagree:
            problems.add(
                target,
                None,
                "truth",
                f"case {case_id!r}: the reads give truth {_plain(disagree[0])!r}, "
                f"the study's truth is {given}",
            )
