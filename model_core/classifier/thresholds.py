"""The bundle's three operating points, chosen on out-of-fold predictions of the training data.

Mao et al. fixed their cut-offs on the training data and applied them unchanged to the test
sets; the bundle does the same with:

* ``youden`` — the cut-off maximising Youden's J = sensitivity + specificity − 1 (ties: the
  lowest such cut-off, i.e. the most sensitive);
* ``high_sensitivity`` — the highest cut-off whose sensitivity is ≥ 0.95 (so, among those,
  the best specificity);
* ``high_specificity`` — the lowest cut-off whose specificity is ≥ 0.95 (the best sensitivity).

A case is called malignant when its probability is **≥** the cut-off; every cut-off is one of
the observed probabilities, or 1.0 when only "nobody is positive" reaches a target (possible for
high specificity when the classes overlap at the top); the classifier's probabilities never
reach 1.0 (``probability.py``), so that cut-off calls nobody malignant. The same convention as
``studies.analysis.roc``, which ``model_core`` may not import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: Target of the high-sensitivity and high-specificity operating points.
TARGET = 0.95


@dataclass(frozen=True)
class OperatingPoint:
    """A cut-off and what it does on the data it was chosen on."""

    threshold: float
    sensitivity: float
    specificity: float
    criterion: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _points(
    probabilities: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cut-offs descending, sensitivity, specificity) for every distinct observed value, plus
    the "nobody positive" cut-off first."""
    scores = np.asarray(probabilities, dtype=np.float64)
    truth = np.asarray(labels).astype(bool)
    if scores.ndim != 1 or scores.shape != truth.shape:
        raise ValueError("probabilities and labels must be 1-D arrays of the same length")
    if not np.isfinite(scores).all():
        raise ValueError("probabilities must be finite")
    if truth.all() or not truth.any():
        raise ValueError("thresholds need both benign and malignant cases")
    cutoffs = np.unique(scores)[::-1]
    positives, negatives = int(truth.sum()), int((~truth).sum())
    true_positive = np.array([(scores[truth] >= c).sum() for c in cutoffs])
    false_positive = np.array([(scores[~truth] >= c).sum() for c in cutoffs])
    cutoffs = np.concatenate([[np.inf], cutoffs])
    sensitivity = np.concatenate([[0.0], true_positive / positives])
    specificity = np.concatenate([[1.0], 1 - false_positive / negatives])
    return cutoffs, sensitivity, specificity


def _point(cutoff: float, sensitivity: float, specificity: float, criterion: str) -> OperatingPoint:
    threshold = 1.0 if not np.isfinite(cutoff) else float(min(max(cutoff, 0.0), 1.0))
    return OperatingPoint(threshold, float(sensitivity), float(specificity), criterion)


def operating_points(probabilities: Any, labels: Any) -> dict[str, OperatingPoint]:
    """The three operating points (keys as in ``model.json``'s ``thresholds``).

    Args:
        probabilities: out-of-fold probabilities of malignancy, shape (cases,).
        labels: 1 = malignant, 0 = benign, same shape.

    Raises:
        ValueError: mismatched shapes, non-finite values, or a single class.
    """
    cutoffs, sensitivity, specificity = _points(np.asarray(probabilities), np.asarray(labels))
    j = sensitivity + specificity - 1
    best = np.flatnonzero(np.isclose(j, j.max(), rtol=0, atol=1e-12))[-1]  # lowest cut-off
    sensitive = np.flatnonzero(sensitivity >= TARGET)[0]  # highest cut-off reaching it
    specific = np.flatnonzero(specificity >= TARGET)[-1]  # lowest cut-off reaching it
    return {
        "youden": _point(cutoffs[best], sensitivity[best], specificity[best], "youden"),
        "high_sensitivity": _point(
            cutoffs[sensitive],
            sensitivity[sensitive],
            specificity[sensitive],
            f"sensitivity>={TARGET:g}",
        ),
        "high_specificity": _point(
            cutoffs[specific],
            sensitivity[specific],
            specificity[specific],
            f"specificity>={TARGET:g}",
        ),
    }
