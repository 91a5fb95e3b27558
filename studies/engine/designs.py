"""The reading designs: which case a reader reads in which session, in which mode, in which order.

``crossover`` (Mao et al.'s design)
    Session 1: every case unaided. Session 2, after the washout: every case aided. Each session
    has its own random order.
``counterbalanced`` (the split-plot MRMC crossover)
    The cases are split, per reader, into halves A and B balanced by label (:func:`split_halves`).
    Session 1: A unaided and B aided, mixed in one random order; session 2: A aided and B
    unaided, in another. Every case is read once in each mode, and half of each mode's reads
    happen first, so an order effect (learning, fatigue) falls on both modes alike.
``sequential``
    One session. Each case is read unaided, the answer recorded and locked, then the model's
    output appears and the aided answer is recorded (mode ``sequential`` = both, in that order).

Orders come from :func:`.randomisation.reading_order` with the seed
``derive_seed(study_seed, reader_id, session)``; the counterbalanced split from session ``0``.

**Practice cases** are read first in every session, in the order ``study.toml`` lists them, and
are never scored: they are taken out of the scored cases if listed there too. Their mode is the
session's (crossover: unaided, then aided; sequential: sequential); in a counterbalanced session,
which has both, they alternate unaided, aided, ... so that a reader with two or more practice
cases tries both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

import numpy as np

from model_core.vocabulary import AIDED, SESSIONS, UNAIDED
from studies.engine.definition import Design
from studies.engine.randomisation import derive_seed, reading_order

#: How a case is read: one of the vocabulary's sessions, or both in turn (the sequential design).
ReadMode = Literal["unaided", "aided", "sequential"]
SEQUENTIAL: Final = "sequential"
#: The number of reading sessions of each design.
SESSIONS_PER_DESIGN: Final[dict[str, int]] = {"crossover": 2, "counterbalanced": 2, "sequential": 1}

_LABEL_STRATA: tuple[int | None, ...] = (0, 1, None)
#: The vocabulary's sessions, typed as read modes: unaided first, as in every design.
_SESSION_MODES: tuple[ReadMode, ReadMode] = (UNAIDED, AIDED)
assert _SESSION_MODES == SESSIONS


@dataclass(frozen=True)
class PlannedRead:
    """One read of a session: its 1-based ``position``, practice reads included."""

    position: int
    case_id: str
    mode: ReadMode
    practice: bool = False


@dataclass(frozen=True)
class SessionPlan:
    """A session (``index`` 1 or 2) and its reads in order."""

    index: int
    items: tuple[PlannedRead, ...]


def session_plans(
    design: Design,
    case_ids: Sequence[str],
    labels: Sequence[int | None],
    study_seed: int,
    reader_id: str,
    block_size: int | None,
    *,
    practice_cases: Sequence[str] = (),
) -> list[SessionPlan]:
    """Every session of one reader (the designs: the module docstring).

    Args:
        design: ``crossover``, ``counterbalanced`` or ``sequential``.
        case_ids: the study's cases; any listed in ``practice_cases`` are not scored.
        labels: truth per case (0, 1, ``None``), aligned with ``case_ids``, for blocking and
            the counterbalanced split.
        study_seed: the seed of ``study.toml``.
        reader_id: the reader.
        block_size: block size, or ``None`` without blocking.
        practice_cases: read first in every session, in this order.

    Raises:
        ValueError: an unknown design, or the inputs :func:`reading_order` refuses.
    """
    if design not in SESSIONS_PER_DESIGN:
        raise ValueError(f"unknown design {design!r} (expected one of {get_args(Design)})")
    if len(labels) != len(case_ids):
        raise ValueError(f"{len(case_ids)} case ids but {len(labels)} labels")
    practice = list(dict.fromkeys(practice_cases))
    scored = [(c, label) for c, label in zip(case_ids, labels, strict=True) if c not in practice]
    scored_ids = [c for c, _ in scored]
    scored_labels = [label for _, label in scored]

    def order(session: int) -> list[str]:
        seed = derive_seed(study_seed, reader_id, session)
        return reading_order(scored_ids, scored_labels, seed, block_size=block_size)

    if design == "sequential":
        sequential: ReadMode = SEQUENTIAL
        return [_plan(1, practice, [sequential], [(c, sequential) for c in order(1)])]
    if design == "crossover":
        return [
            _plan(index, practice, [mode], [(c, mode) for c in order(index)])
            for index, mode in enumerate(_SESSION_MODES, start=1)
        ]
    half_a, _ = split_halves(scored_ids, scored_labels, study_seed, reader_id)
    in_a_first: dict[bool, ReadMode] = {True: UNAIDED, False: AIDED}
    in_a_second: dict[bool, ReadMode] = {True: AIDED, False: UNAIDED}
    return [
        _plan(
            index, practice, list(_SESSION_MODES), [(c, modes[c in half_a]) for c in order(index)]
        )
        for index, modes in ((1, in_a_first), (2, in_a_second))
    ]


def split_halves(
    case_ids: Sequence[str], labels: Sequence[int | None], study_seed: int, reader_id: str
) -> tuple[frozenset[str], frozenset[str]]:
    """The counterbalanced design's halves A and B for one reader, balanced by label.

    From ``numpy.random.default_rng(derive_seed(study_seed, reader_id, 0))``: the sorted case
    ids of each stratum (benign, malignant, unlabelled) are shuffled in that order and joined;
    then one draw ``rng.integers(2)`` says whether A (0) or B (1) takes the first case, and the
    cases are dealt to the halves alternately. So every stratum splits with at most one case
    more on one side, and the halves differ in size by at most one.
    """
    if len(labels) != len(case_ids):
        raise ValueError(f"{len(case_ids)} case ids but {len(labels)} labels")
    rng = np.random.default_rng(derive_seed(study_seed, reader_id, 0))
    ordered = sorted(case_ids)
    label_of = dict(zip(case_ids, labels, strict=True))
    dealt: list[str] = []
    for stratum in _LABEL_STRATA:
        members = [case_id for case_id in ordered if label_of[case_id] == stratum]
        dealt.extend(members[i] for i in rng.permutation(len(members)))
    a_first = int(rng.integers(2)) == 0
    start_a = 0 if a_first else 1
    half_a = frozenset(dealt[start_a::2])
    return half_a, frozenset(dealt) - half_a


def _plan(
    index: int,
    practice: list[str],
    practice_modes: list[ReadMode],
    scored: list[tuple[str, ReadMode]],
) -> SessionPlan:
    """Practice reads (modes taken in turn from ``practice_modes``), then the scored reads."""
    reads = [
        PlannedRead(position, case_id, practice_modes[(position - 1) % len(practice_modes)], True)
        for position, case_id in enumerate(practice, start=1)
    ]
    reads.extend(
        PlannedRead(position, case_id, mode)
        for position, (case_id, mode) in enumerate(scored, start=len(practice) + 1)
    )
    return SessionPlan(index, tuple(reads))
