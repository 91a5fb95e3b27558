"""Bootstrap percentile confidence interval of the AUC, as pROC ``ci.auc(method = "bootstrap")``.

pROC's default (Robin et al., BMC Bioinformatics 2011;12:77) is the *stratified* bootstrap: each
replicate resamples the malignant and the benign cases separately, with replacement, so every
replicate keeps the study's case mix; the CI is the alpha/2 and 1 - alpha/2 quantiles of the
replicate AUCs (R's default quantile, type 7 = numpy's ``"linear"``), and the point estimate is
the AUC of the original sample. The non-stratified bootstrap resamples all cases together;
replicates that happen to contain one class only have no AUC and are dropped (pROC does the
same, with a warning). Random numbers come from numpy, so the replicates are reproducible for a
seed but are not pROC's (which uses R's generator): compare with pROC statistically, not digit
by digit.

A replicate is a vector of multiplicities (how often each case was drawn), and its Mann-Whitney
AUC is computed from the multiplicities with one cumulative sum over the sorted benign scores,
O(cases) per replicate; no replicate is sorted or ranked. No package computes this (scikit-learn
has no bootstrap; scipy.stats.bootstrap would re-rank every replicate and cannot stratify), so it
is written here by hand.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studies.analysis.numbers import check_alpha
from studies.analysis.roc import AucResult, auc_delong, scores_and_truth

#: Draws per chunk of replicates (bounds the memory to ~ this many float64 per array).
_CHUNK_DRAWS = 2_000_000


def _check_settings(n_boot: int, seed: int | None) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise ValueError(f"seed must be an integer or None, got {seed!r}")


def _weighted_aucs(
    positives: NDArray[np.float64],
    negatives: NDArray[np.float64],
    w_pos: NDArray[np.intp],
    w_neg: NDArray[np.intp],
) -> NDArray[np.float64]:
    """Mann-Whitney AUC (ties 1/2) of each row of multiplicities.

    Args:
        positives: (m,) malignant scores; negatives: (n,) benign scores, sorted ascending.
        w_pos: (B, m) and w_neg: (B, n) multiplicities of each case in each replicate.
    """
    below = np.searchsorted(negatives, positives, side="left")  # benign strictly lower
    not_above = np.searchsorted(negatives, positives, side="right")  # benign lower or equal
    cumulative = np.zeros((w_neg.shape[0], w_neg.shape[1] + 1))
    np.cumsum(w_neg, axis=1, out=cumulative[:, 1:])
    lower, upto = cumulative[:, below], cumulative[:, not_above]
    wins = np.sum(w_pos * (0.5 * (lower + upto)), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return wins / (w_pos.sum(axis=1) * w_neg.sum(axis=1))


def _multiplicities(draws: NDArray[np.int64], size: int) -> NDArray[np.intp]:
    """(B, k) draws of indices in 0..size-1 -> (B, size) counts, vectorised over rows."""
    rows = draws.shape[0]
    offsets = (np.arange(rows) * size)[:, np.newaxis]
    return np.bincount((draws + offsets).ravel(), minlength=rows * size).reshape(rows, size)


@overload
def bootstrap_auc_replicates(
    scores: ArrayLike,
    truth: ArrayLike,
    n_boot: int = ...,
    seed: int | None = ...,
    stratified: bool = ...,
    return_indices: Literal[False] = ...,
) -> NDArray[np.float64]: ...


@overload
def bootstrap_auc_replicates(
    scores: ArrayLike,
    truth: ArrayLike,
    n_boot: int = ...,
    seed: int | None = ...,
    stratified: bool = ...,
    *,
    return_indices: Literal[True],
) -> tuple[NDArray[np.float64], list[NDArray[np.intp]]]: ...


def bootstrap_auc_replicates(
    scores: ArrayLike,
    truth: ArrayLike,
    n_boot: int = 2000,
    seed: int | None = 0,
    stratified: bool = True,
    return_indices: bool = False,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], list[NDArray[np.intp]]]:
    """AUCs of ``n_boot`` bootstrap resamples (NaN where a non-stratified one lacks a class).

    With ``return_indices`` also the case indices of each resample (for checks on small data).

    Raises:
        ValueError: see :func:`studies.analysis.roc.scores_and_truth`; bad ``n_boot``/``seed``.
    """
    _check_settings(n_boot, seed)
    values, labels = scores_and_truth(scores, truth)
    rng = np.random.default_rng(seed)
    pos_index = np.flatnonzero(labels == 1)
    neg_index = np.flatnonzero(labels == 0)
    neg_index = neg_index[np.argsort(values[neg_index], kind="stable")]
    positives, negatives = values[pos_index], values[neg_index]
    m, n, total = pos_index.size, neg_index.size, values.size
    order = np.concatenate([pos_index, neg_index])  # columns of the all-case multiplicities

    chunk = max(1, _CHUNK_DRAWS // total)
    aucs, indices = [], []
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        if stratified:
            draws_pos = rng.integers(0, m, size=(rows, m))
            draws_neg = rng.integers(0, n, size=(rows, n))
            w_pos, w_neg = _multiplicities(draws_pos, m), _multiplicities(draws_neg, n)
            if return_indices:
                indices += list(np.hstack([pos_index[draws_pos], neg_index[draws_neg]]))
        else:
            draws = rng.integers(0, total, size=(rows, total))
            weights = _multiplicities(draws, total)
            w_pos, w_neg = weights[:, :m], weights[:, m:]
            if return_indices:
                indices += list(order[draws])
        aucs.append(_weighted_aucs(positives, negatives, w_pos, w_neg))
    replicates = np.concatenate(aucs)
    return (replicates, indices) if return_indices else replicates


def bootstrap_auc_ci(
    scores: ArrayLike,
    truth: ArrayLike,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int | None = 0,
    stratified: bool = True,
) -> AucResult:
    """AUC with a bootstrap percentile CI (pROC ``ci.auc(method = "bootstrap")``, 2000 draws).

    ``estimate`` is the AUC of the original sample; ``se`` the standard deviation of the
    replicate AUCs; ``ci_low``/``ci_high`` their alpha/2 and 1 - alpha/2 quantiles (type 7).

    Args:
        scores: shape (cases,), higher = more likely malignant.
        truth: shape (cases,), 1 = malignant, 0 = benign.
        n_boot: number of replicates.
        alpha: significance level.
        seed: seed of numpy's generator (``None``: fresh entropy, not reproducible).
        stratified: resample within classes (pROC's default) or all cases together.

    Raises:
        ValueError: see :func:`studies.analysis.roc.scores_and_truth`; bad settings; no
            non-stratified replicate contained both classes.
    """
    alpha = check_alpha(alpha)
    point = auc_delong(scores, truth, alpha=alpha)
    replicates = bootstrap_auc_replicates(scores, truth, n_boot, seed, stratified)
    valid = replicates[np.isfinite(replicates)]
    if valid.size == 0:
        raise ValueError("no bootstrap replicate contained both malignant and benign cases")
    low, high = np.quantile(valid, [alpha / 2, 1 - alpha / 2])
    se = float(np.std(valid, ddof=1)) if valid.size > 1 else math.nan
    return AucResult(
        estimate=point.estimate,
        ci_low=float(low),
        ci_high=float(high),
        se=se,
        n_diseased=point.n_diseased,
        n_nondiseased=point.n_nondiseased,
        method="bootstrap_percentile",
        alpha=alpha,
        n_boot=int(valid.size),
        stratified=bool(stratified),
    )
