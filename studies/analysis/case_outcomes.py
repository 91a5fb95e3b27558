"""The cases behind the numbers: where the readers' majority call changed with the model, and
the cases every reader got wrong.

Sensitivities and P values say *how much* the model changed the readers' calls; a coordinator
reviewing a study also wants to know *which* cases — to look at them again, or to check a
suspicious pathology label. A case is listed when

* the readers' majority call (more than half of the readers) differs between the unaided and
  the aided session — a tie (half the readers each way) is its own outcome, so "malignant → tie"
  counts as a change; or
* every reader called it wrongly in a session ("missed by every reader": a malignant case
  every reader called benign, or a benign case every reader called malignant).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from model_core.vocabulary import AIDED, SESSIONS, UNAIDED, label_name
from studies.analysis.result_dict import FieldsToDict

TIE = "tie"


@dataclass(frozen=True)
class CaseOutcome(FieldsToDict):
    """One listed case.

    Attributes:
        case_id: the case.
        truth: ``benign`` or ``malignant``.
        malignant_calls_unaided, malignant_calls_aided: readers calling it malignant.
        n_readers: readers in the study.
        majority_unaided, majority_aided: ``benign``, ``malignant`` or ``tie``.
        model_probability: the model's probability (NaN without model scores).
        majority_changed: the majority call differs between the sessions.
        missed_by_all_unaided, missed_by_all_aided: every reader called it wrongly.
    """

    case_id: str
    truth: str
    malignant_calls_unaided: int
    malignant_calls_aided: int
    n_readers: int
    majority_unaided: str
    majority_aided: str
    model_probability: float
    majority_changed: bool
    missed_by_all_unaided: bool
    missed_by_all_aided: bool


def _majority(malignant_calls: int, n_readers: int) -> str:
    if 2 * malignant_calls > n_readers:
        return label_name(1)
    if 2 * malignant_calls < n_readers:
        return label_name(0)
    return TIE


def case_outcomes(
    case_ids: tuple[str, ...],
    truth: NDArray[np.int_],
    decision: NDArray[np.int_],
    model_scores: NDArray[np.float64] | None,
) -> tuple[CaseOutcome, ...]:
    """The listed cases (see the module docstring), in case order.

    Args:
        case_ids: one per case.
        truth: shape (cases,), 1 = malignant.
        decision: shape (2, readers, cases), sessions in :data:`SESSIONS` order.
        model_scores: shape (cases,), or ``None``.
    """
    n_readers = decision.shape[1]
    calls = {session: decision[s].sum(axis=0) for s, session in enumerate(SESSIONS)}
    wrong = {
        session: (decision[s] != truth[np.newaxis, :]).all(axis=0)
        for s, session in enumerate(SESSIONS)
    }
    listed = []
    for c, case_id in enumerate(case_ids):
        before = _majority(int(calls[UNAIDED][c]), n_readers)
        after = _majority(int(calls[AIDED][c]), n_readers)
        outcome = CaseOutcome(
            case_id=case_id,
            truth=label_name(int(truth[c])),
            malignant_calls_unaided=int(calls[UNAIDED][c]),
            malignant_calls_aided=int(calls[AIDED][c]),
            n_readers=n_readers,
            majority_unaided=before,
            majority_aided=after,
            model_probability=math.nan if model_scores is None else float(model_scores[c]),
            majority_changed=before != after,
            missed_by_all_unaided=bool(wrong[UNAIDED][c]),
            missed_by_all_aided=bool(wrong[AIDED][c]),
        )
        if outcome.majority_changed or outcome.missed_by_all_unaided or outcome.missed_by_all_aided:
            listed.append(outcome)
    return tuple(listed)
