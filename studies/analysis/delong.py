"""DeLong placements and covariance of correlated AUCs, by the fast algorithm of Sun & Xu (2014).

Sun X, Xu W. *Fast implementation of DeLong's algorithm for comparing the areas under correlated
receiver operating characteristic curves.* IEEE Signal Process Lett 2014;21:1389–93.

No maintained Python package ships DeLong's method, so it is written here by hand. The mid-rank
formulation scores ties as 1/2 (Mann–Whitney), as pROC does, and runs in O(n log n) per score
vector. Both the single-ROC analysis (:mod:`studies.analysis.roc`) and the Obuchowski–Rockette
MRMC analysis build on :func:`delong_components`.

Convention: higher score = more likely diseased (pROC ``direction="<"``); ``truth`` is 1 for
diseased (malignant), 0 for non-diseased (benign).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


@dataclass(frozen=True)
class DelongComponents:
    """Structural components of K correlated AUCs on the same cases.

    Attributes:
        auc: shape (K,), the Mann–Whitney AUC of each score vector.
        v10: shape (K, m), placement of each diseased case among the non-diseased
            (fraction of controls it outranks, ties ½).
        v01: shape (K, n), placement of each non-diseased case: fraction of diseased cases
            that outrank it (ties ½).
        covariance: shape (K, K), DeLong's covariance matrix of the AUC estimates,
            ``S10 / m + S01 / n``.
    """

    auc: np.ndarray
    v10: np.ndarray
    v01: np.ndarray
    covariance: np.ndarray

    @property
    def n_diseased(self) -> int:
        """Number of diseased (truth = 1) cases, m."""
        return int(self.v10.shape[1])

    @property
    def n_nondiseased(self) -> int:
        """Number of non-diseased (truth = 0) cases, n."""
        return int(self.v01.shape[1])


def _as_score_matrix(scores: np.ndarray) -> np.ndarray:
    matrix = np.asarray(scores, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2:
        raise ValueError(f"scores must be 1-D or 2-D (K, cases), got shape {matrix.shape}")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("scores contain NaN or infinite values")
    return matrix


def delong_components(scores: np.ndarray, truth: np.ndarray) -> DelongComponents:
    """AUCs, placements and DeLong covariance of one or several score vectors on the same cases.

    Args:
        scores: shape (cases,) or (K, cases); higher means more likely diseased.
        truth: shape (cases,), 1 = diseased, 0 = non-diseased.

    Raises:
        ValueError: on shape mismatch, non-binary truth, non-finite scores, or when either
            class is empty (the AUC is undefined).
    """
    matrix = _as_score_matrix(scores)
    labels = np.asarray(truth)
    if labels.ndim != 1 or labels.shape[0] != matrix.shape[1]:
        raise ValueError(
            "truth must be 1-D with one value per case: "
            f"got {labels.shape} for scores {matrix.shape}"
        )
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("truth must contain only 0 (non-diseased) and 1 (diseased)")
    diseased = labels == 1
    m = int(diseased.sum())
    n = int((~diseased).sum())
    if m == 0 or n == 0:
        raise ValueError(f"the AUC needs both classes: {m} diseased and {n} non-diseased cases")

    positives = matrix[:, diseased]
    negatives = matrix[:, ~diseased]
    # Mid-ranks within each class and in the pooled sample (Sun & Xu, eq. 9-11).
    rank_pos = rankdata(positives, axis=1)
    rank_neg = rankdata(negatives, axis=1)
    rank_all = rankdata(np.concatenate([positives, negatives], axis=1), axis=1)

    v10 = (rank_all[:, :m] - rank_pos) / n
    v01 = 1.0 - (rank_all[:, m:] - rank_neg) / m
    auc = v10.mean(axis=1)

    s10 = np.atleast_2d(np.cov(v10)) if m > 1 else np.zeros((matrix.shape[0],) * 2)
    s01 = np.atleast_2d(np.cov(v01)) if n > 1 else np.zeros((matrix.shape[0],) * 2)
    covariance = s10 / m + s01 / n
    return DelongComponents(auc=auc, v10=v10, v01=v01, covariance=covariance)
