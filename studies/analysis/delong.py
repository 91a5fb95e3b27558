"""DeLong placements and covariance of correlated AUCs, by the fast algorithm of Sun & Xu (2014).

Sun X, Xu W. *Fast implementation of DeLong's algorithm for comparing the areas under correlated
receiver operating characteristic curves.* IEEE Signal Process Lett 2014;21:1389–93.

No maintained Python package ships DeLong's method, so it is written here by hand. Both the
single-ROC analysis (:mod:`studies.analysis.roc`) and the Obuchowski–Rockette MRMC analysis build
on :func:`delong_components`.

How it is computed, and why this way (it runs for every large-n AUC and inside the MRMC
covariance, and should take well under pROC's time; ``benchmarks/bench_delong.py`` measures it):

* **Placements** (Sun & Xu, eq. 9–11). The placement of a diseased case x among the n
  non-diseased is ``(#{y < x} + #{y <= x}) / 2n`` (ties ½); that of a non-diseased case y is
  ``1 - (#{x < y} + #{x <= y}) / 2m``. Sun & Xu get these counts as differences of mid-ranks
  from three rankings (pooled and within each class). Here each class is sorted once, the
  smaller class is binary-searched in the larger (``searchsorted``, left and right side), and
  the larger class's counts follow from those two results by cumulative histograms (see
  :func:`_twice_counts_below`). ``count / 2n`` and the mid-rank difference over n are the same
  exact quotient, rounded alike, so the placements are bit-identical to the mid-rank formulas
  (ties ½, Mann–Whitney, as pROC), at a fraction of the cost of three rankings with ties. The
  queries are searched in sorted order, then scattered back to case order: binary searches for
  ascending keys reuse the cache and are several times faster than for keys in random order.
  O(n log n) per score vector.
* **Covariance**: ``S10`` and ``S01`` are the sample covariances (denominator m − 1, n − 1) of
  the K placement rows, the centred product ``D Dᵀ / (m − 1)`` with ``D = V − mean(V)``, as
  :func:`numpy.cov`. The product is taken with :func:`numpy.einsum`, not ``@``/``np.cov``: those
  hand the (K × m)(m × K) product to multi-threaded OpenBLAS, whose threads cost milliseconds
  to wake on a busy machine — more than the whole computation for one AUC — while the product
  is only K² dot products (K, modalities × readers, is tens at most).

Convention: higher score = more likely diseased (pROC ``direction="<"``); ``truth`` is 1 for
diseased (malignant), 0 for non-diseased (benign).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


@dataclass(frozen=True)
class DelongComponents:
    """Structural components of K correlated AUCs on the same cases.

    Attributes:
        auc: shape (K,), the Mann–Whitney AUC of each score vector.
        v10: shape (K, m), placement of each diseased case among the non-diseased
            (fraction of controls it outranks, ties ½), in case order.
        v01: shape (K, n), placement of each non-diseased case: fraction of diseased cases
            that outrank it (ties ½), in case order.
        covariance: shape (K, K), DeLong's covariance matrix of the AUC estimates,
            ``S10 / m + S01 / n``.
    """

    auc: NDArray[np.float64]
    v10: NDArray[np.float64]
    v01: NDArray[np.float64]
    covariance: NDArray[np.float64]

    @property
    def n_diseased(self) -> int:
        """Number of diseased (truth = 1) cases, m."""
        return int(self.v10.shape[1])

    @property
    def n_nondiseased(self) -> int:
        """Number of non-diseased (truth = 0) cases, n."""
        return int(self.v01.shape[1])


def _as_score_matrix(scores: ArrayLike) -> NDArray[np.float64]:
    # No copy when the scores already are float64 (the usual case).
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[np.newaxis, :]
    if matrix.ndim != 2:
        raise ValueError(f"scores must be 1-D or 2-D (K, cases), got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("scores contain NaN or infinite values")
    return matrix


def _sorted_with_order(values: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """The values in ascending order and the permutation that sorts them."""
    order = np.argsort(values)
    return values[order], order


def _twice_counts_below(
    sorted_queries: NDArray[np.float64], sorted_reference: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Twice the number of the other sample's values below each value, ties counted ½.

    Returns ``(#{r < q} + #{r <= q}`` for each query q, ``#{q < r} + #{q <= r}`` for each
    reference value r), both in the sorted order of the inputs.

    Only the queries are searched. The reference counts follow by counting: with
    ``lo_i = #{r < q_i}`` and ``hi_i = #{r <= q_i}``, q_i < r_j exactly when hi_i <= j, and
    q_i <= r_j exactly when lo_i <= j, so the reference counts are cumulative histograms of
    ``hi`` and ``lo`` (linear time, no second pair of binary searches).
    """
    size = sorted_reference.shape[0]
    lo = np.searchsorted(sorted_reference, sorted_queries, side="left")
    hi = np.searchsorted(sorted_reference, sorted_queries, side="right")
    reference = np.bincount(hi, minlength=size + 1)[:size].cumsum()
    reference += np.bincount(lo, minlength=size + 1)[:size].cumsum()
    return lo + hi, reference


def _sample_covariance(placements: NDArray[np.float64]) -> NDArray[np.float64]:
    """Covariance of the K rows of a (K, size) matrix, denominator size - 1 (``np.cov``)."""
    centred = placements - placements.mean(axis=1, keepdims=True)
    return np.einsum("ki,ji->kj", centred, centred) / (placements.shape[1] - 1)


def delong_components(scores: ArrayLike, truth: ArrayLike) -> DelongComponents:
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
    diseased = labels == 1
    if not (diseased | (labels == 0)).all():
        raise ValueError("truth must contain only 0 (non-diseased) and 1 (diseased)")
    m = int(np.count_nonzero(diseased))
    n = labels.shape[0] - m
    if m == 0 or n == 0:
        raise ValueError(f"the AUC needs both classes: {m} diseased and {n} non-diseased cases")

    k = matrix.shape[0]
    positives = matrix[:, diseased]
    negatives = matrix[:, ~diseased]
    v10 = np.empty((k, m))
    v01 = np.empty((k, n))
    for row in range(k):
        pos_sorted, pos_order = _sorted_with_order(positives[row])
        neg_sorted, neg_order = _sorted_with_order(negatives[row])
        # The smaller class is searched in the larger: fewer binary searches.
        if m <= n:
            pos_counts, neg_counts = _twice_counts_below(pos_sorted, neg_sorted)
        else:
            neg_counts, pos_counts = _twice_counts_below(neg_sorted, pos_sorted)
        # v10 = (#neg < x + #neg <= x) / 2n; v01 = 1 - (#pos < y + #pos <= y) / 2m.
        v10[row, pos_order] = pos_counts / (2 * n)
        v01[row, neg_order] = 1.0 - neg_counts / (2 * m)
    auc = v10.mean(axis=1)

    # With one case in a class its placement variance is not estimable; 0 as before (the
    # callers report NaN for the SE then, as pROC).
    s10 = _sample_covariance(v10) if m > 1 else np.zeros((k, k))
    s01 = _sample_covariance(v01) if n > 1 else np.zeros((k, k))
    covariance = s10 / m + s01 / n
    return DelongComponents(auc=auc, v10=v10, v01=v01, covariance=covariance)
