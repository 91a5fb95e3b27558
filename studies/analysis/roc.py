"""ROC analysis of scores (model probability, reader's probability of malignancy, BI-RADS).

Conventions, as pROC 1.18 with ``levels = c(0, 1), direction = "<"`` (Robin et al., BMC
Bioinformatics 2011;12:77):

* a higher score means more likely malignant; truth is 1 = malignant, 0 = benign;
* the direction is **never chosen from the data**. pROC's default ``direction = "auto"`` flips a
  score whose diseased median is lower, so its AUC is never below 0.5; that hides a score that
  works backwards and biases the AUC upwards, so here an inverted score gets AUC < 0.5;
* the AUC is the Mann-Whitney statistic (= trapezoidal area), ties count 1/2.

Estimators:

* :func:`auc_delong`: AUC with DeLong's variance (DeLong, DeLong & Clarke-Pearson, Biometrics
  1988;44:837-45) by the O(n log n) algorithm of Sun & Xu (:mod:`studies.analysis.delong`), CI
  ``AUC ± z se`` clamped to [0, 1] as pROC's ``ci.auc(method = "delong")``;
* :func:`delong_test`: DeLong's paired test of two correlated AUCs on the same cases
  (pROC ``roc.test(method = "delong", paired = TRUE)``), CI of the difference not clamped;
* :func:`roc_curve`, :func:`youden_threshold`, :func:`threshold_for_sensitivity`,
  :func:`threshold_for_specificity`: operating points at every observed cutoff, with the rule
  "positive if score >= cutoff";
* :func:`auprc`: area under the precision-recall curve as *average precision* (see there).

No Python package ships DeLong's method or pROC's threshold conventions, so those are written by
hand on top of :mod:`studies.analysis.delong`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from studies.analysis.delong import delong_components
from studies.analysis.numbers import check_alpha, confidence_label
from studies.analysis.result_dict import EXPORTED_WHEN_SET, NOT_EXPORTED, FieldsToDict

PAIRED_TEST_METHOD = "DeLong's test for two correlated ROC curves"


# ----------------------------------------------------------------------------- input
def scores_and_truth(
    scores: ArrayLike, truth: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
    """Validated (scores as float, truth as int8) for one ROC curve.

    Raises:
        ValueError: unless scores are 1-D, finite and one per case, truth is 0/1, and both
            classes are present.
    """
    values = np.asarray(scores, dtype=float)
    labels = np.asarray(truth)
    if values.ndim != 1:
        raise ValueError(f"scores must be 1-D, got shape {values.shape}")
    if labels.shape != values.shape:
        raise ValueError(
            f"truth must have one value per score: got {labels.shape} for {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("scores contain NaN or infinite values")
    if labels.dtype.kind not in "biuf" or not np.all(np.isin(labels, (0, 1))):
        raise ValueError("truth must contain only 0 (benign) and 1 (malignant)")
    labels = labels.astype(np.int8)
    m = int(labels.sum())
    if m == 0 or m == labels.size:
        raise ValueError(
            f"ROC analysis needs both classes: {m} malignant and {labels.size - m} benign cases"
        )
    return values, labels


# ----------------------------------------------------------------------------- AUC
@dataclass(frozen=True)
class AucResult(FieldsToDict):
    """An AUC with standard error and confidence interval.

    ``to_dict()`` (docs/analysis.md, AUC): ``estimate, ci_low, ci_high, se``, the counts and
    ``method``, plus ``n_boot`` and ``stratified`` for a bootstrap interval.

    Attributes:
        estimate: the AUC (Mann-Whitney, ties 1/2).
        ci_low, ci_high: the (1 - alpha) CI, clamped to [0, 1].
        se: standard error (DeLong, or the SD of the bootstrap replicates); NaN when it cannot
            be estimated (fewer than two cases in a class, as pROC).
        n_diseased, n_nondiseased: numbers of malignant and benign cases.
        method: ``"delong"`` or ``"bootstrap_percentile"``.
        alpha: significance level of the CI.
        n_boot: number of bootstrap replicates used (bootstrap only).
        stratified: whether the bootstrap resampled within classes (bootstrap only).
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    n_diseased: int
    n_nondiseased: int
    method: str = "delong"
    alpha: float = field(default=0.05, metadata=NOT_EXPORTED)
    n_boot: int | None = field(default=None, metadata=EXPORTED_WHEN_SET)
    stratified: bool | None = field(default=None, metadata=EXPORTED_WHEN_SET)

    def summary(self) -> str:
        """One line, e.g. ``AUC 0.905 (95% CI 0.830-0.981, DeLong), 27 malignant / 73 benign``."""
        label = "DeLong" if self.method == "delong" else f"bootstrap, {self.n_boot} replicates"
        return (
            f"AUC {self.estimate:.3f} ({confidence_label(self.alpha)} CI {self.ci_low:.3f}-"
            f"{self.ci_high:.3f}, {label}), {self.n_diseased} malignant / "
            f"{self.n_nondiseased} benign"
        )


def auc_delong(scores: ArrayLike, truth: ArrayLike, alpha: float = 0.05) -> AucResult:
    """AUC with DeLong standard error and CI, as pROC ``ci.auc(roc, method = "delong")``.

    The CI is ``AUC ± z_{1-alpha/2} se`` clamped to [0, 1]. A perfectly separating score has
    variance 0 and CI [1, 1]. With fewer than two cases in a class the placement variance is
    not estimable and ``se`` and the CI are NaN (pROC: NaN as well).

    Args:
        scores: shape (cases,), higher = more likely malignant.
        truth: shape (cases,), 1 = malignant, 0 = benign.
        alpha: significance level.

    Raises:
        ValueError: see :func:`scores_and_truth`; bad alpha.
    """
    alpha = check_alpha(alpha)
    values, labels = scores_and_truth(scores, truth)
    components = delong_components(values, labels)
    m, n = components.n_diseased, components.n_nondiseased
    estimate = float(components.auc[0])
    if m < 2 or n < 2:
        return AucResult(estimate, math.nan, math.nan, math.nan, m, n, "delong", alpha)
    se = math.sqrt(max(float(components.covariance[0, 0]), 0.0))
    half_width = float(norm.ppf(1 - alpha / 2)) * se
    return AucResult(
        estimate,
        max(estimate - half_width, 0.0),
        min(estimate + half_width, 1.0),
        se,
        m,
        n,
        "delong",
        alpha,
    )


@dataclass(frozen=True)
class DelongTestResult(FieldsToDict):
    """DeLong's paired test of two AUCs on the same cases (AUC1 - AUC2).

    ``to_dict()``: the test of docs/analysis.md (``statistic, p_value, method``), then every
    other field but ``alpha``; ``note`` only when there is one.

    Attributes:
        statistic: z = (AUC1 - AUC2) / se.
        p_value: two-sided normal p value.
        method: ``"DeLong's test for two correlated ROC curves"`` (pROC's wording).
        auc1, auc2: the two AUCs.
        difference: AUC1 - AUC2.
        ci_low, ci_high: (1 - alpha) CI of the difference, not clamped (as pROC).
        se: standard error of the difference, sqrt(V1 + V2 - 2 C).
        covariance: DeLong covariance C of the two AUC estimates (pROC ``cov(roc1, roc2)``).
        correlation: DeLong correlation of the two AUC estimates (NaN if a variance is 0).
        n_diseased, n_nondiseased: case counts.
        alpha: significance level of the CI.
        note: empty, or why z and p are a convention (zero variance of the difference).
    """

    statistic: float
    p_value: float
    method: str
    auc1: float
    auc2: float
    difference: float
    ci_low: float
    ci_high: float
    se: float = math.nan
    covariance: float = math.nan
    correlation: float = math.nan
    n_diseased: int = 0
    n_nondiseased: int = 0
    alpha: float = field(default=0.05, metadata=NOT_EXPORTED)
    note: str = field(default="", metadata=EXPORTED_WHEN_SET)

    def summary(self) -> str:
        """One line: the AUCs, the difference with its CI, z and p."""
        text = (
            f"AUC {self.auc1:.3f} vs {self.auc2:.3f}: difference {self.difference:+.3f} "
            f"({confidence_label(self.alpha)} CI {self.ci_low:+.3f} to {self.ci_high:+.3f}), "
            f"z = {self.statistic:.3f}, p = {self.p_value:.3g} (DeLong, paired)"
        )
        return f"{text}; {self.note}" if self.note else text


def delong_test(
    scores1: ArrayLike, scores2: ArrayLike, truth: ArrayLike, alpha: float = 0.05
) -> DelongTestResult:
    """DeLong's test of two correlated AUCs (e.g. reader unaided vs aided, reader vs model).

    As pROC ``roc.test(roc1, roc2, method = "delong", paired = TRUE)``: z = (AUC1 - AUC2) /
    sqrt(V1 + V2 - 2 C) with DeLong's covariance matrix, two-sided normal p value, CI of the
    difference ``diff ± z_{1-alpha/2} se`` (not clamped). It remains defined when one score
    separates perfectly (its variance and covariance are 0).

    Zero variance of the difference (R: 0/0 or ±Inf): equal AUCs give z = 0, p = 1; different
    AUCs give z = ±inf, p = 0; both with a ``note``.

    Raises:
        ValueError: see :func:`scores_and_truth`; the two score vectors differ in length.
    """
    alpha = check_alpha(alpha)
    first, labels = scores_and_truth(scores1, truth)
    second, _ = scores_and_truth(scores2, truth)
    components = delong_components(np.vstack([first, second]), labels)
    m, n = components.n_diseased, components.n_nondiseased
    auc1, auc2 = (float(a) for a in components.auc)
    difference = auc1 - auc2
    cov = components.covariance
    if m < 2 or n < 2:
        return DelongTestResult(
            statistic=math.nan,
            p_value=math.nan,
            method=PAIRED_TEST_METHOD,
            auc1=auc1,
            auc2=auc2,
            difference=difference,
            ci_low=math.nan,
            ci_high=math.nan,
            n_diseased=m,
            n_nondiseased=n,
            alpha=alpha,
            note="variance not estimable with fewer than two cases in a class",
        )
    se = math.sqrt(max(float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), 0.0))
    variances = float(cov[0, 0]) * float(cov[1, 1])
    correlation = float(cov[0, 1]) / math.sqrt(variances) if variances > 0 else math.nan
    note = ""
    if se > 0:
        statistic = difference / se
    elif difference == 0:
        statistic, note = 0.0, "the two AUCs are equal and their difference has zero variance"
    else:
        statistic = math.copysign(math.inf, difference)
        note = "the difference of the AUCs has zero variance"
    half_width = float(norm.ppf(1 - alpha / 2)) * se
    return DelongTestResult(
        statistic=statistic,
        p_value=float(2 * norm.sf(abs(statistic))),
        method=PAIRED_TEST_METHOD,
        auc1=auc1,
        auc2=auc2,
        difference=difference,
        ci_low=difference - half_width,
        ci_high=difference + half_width,
        se=se,
        covariance=float(cov[0, 1]),
        correlation=correlation,
        n_diseased=m,
        n_nondiseased=n,
        alpha=alpha,
        note=note,
    )


# ----------------------------------------------------------------------------- curve
@dataclass(frozen=True)
class _OperatingPoints:
    """Counts at every observed cutoff, descending, preceded by +inf (nobody positive)."""

    cutoffs: NDArray[np.float64]  # (K + 1,), +inf then distinct scores descending
    tp: NDArray[np.intp]  # malignant cases with score >= cutoff
    fp: NDArray[np.intp]  # benign cases with score >= cutoff
    m: int
    n: int

    @property
    def tn(self) -> NDArray[np.intp]:
        return self.n - self.fp

    def midpoints(self) -> NDArray[np.float64]:
        """pROC's threshold for each cutoff: midway to the next lower observed score.

        The lowest observed score maps to -inf and the +inf cutoff to +inf, as pROC's
        thresholds ``c(-Inf, midpoints, +Inf)``.
        """
        lower = np.append(self.cutoffs[2:], -np.inf)
        mid = (self.cutoffs[1:] + lower) / 2
        mid[-1] = -np.inf
        return np.concatenate([[np.inf], mid])


def _operating_points(values: NDArray[np.float64], labels: NDArray[np.int8]) -> _OperatingPoints:
    distinct = np.unique(values)[::-1]
    cutoffs = np.concatenate([[np.inf], distinct])
    positives = np.sort(values[labels == 1])
    negatives = np.sort(values[labels == 0])
    tp = positives.size - np.searchsorted(positives, cutoffs, side="left")
    fp = negatives.size - np.searchsorted(negatives, cutoffs, side="left")
    return _OperatingPoints(cutoffs, tp, fp, int(positives.size), int(negatives.size))


def _readonly(array: ArrayLike) -> NDArray[np.float64]:
    array = np.asarray(array, dtype=float)
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class RocCurve(FieldsToDict):
    """Empirical ROC curve: one point per observed cutoff ("positive if score >= threshold").

    ``to_dict()``: lists ``fpr``, ``tpr``, ``thresholds`` (``"Inf"`` for the first) and the counts.

    Attributes:
        fpr: shape (K + 1,), 1 - specificity, from 0 (threshold +inf) to 1.
        tpr: shape (K + 1,), sensitivity, from 0 to 1.
        thresholds: shape (K + 1,), +inf then the K distinct scores in descending order.
        n_diseased, n_nondiseased: case counts.
    """

    fpr: NDArray[np.float64]
    tpr: NDArray[np.float64]
    thresholds: NDArray[np.float64]
    n_diseased: int
    n_nondiseased: int

    def area(self) -> float:
        """Trapezoidal area under the curve (equals the Mann-Whitney AUC, ties 1/2)."""
        return float(np.trapezoid(self.tpr, self.fpr))

    def summary(self) -> str:
        """One line: number of points and the area."""
        return (
            f"ROC curve with {self.thresholds.size} points, area {self.area():.3f} "
            f"({self.n_diseased} malignant / {self.n_nondiseased} benign)"
        )


def roc_curve(scores: ArrayLike, truth: ArrayLike) -> RocCurve:
    """Empirical ROC curve at every distinct observed score (no points dropped).

    Same points as ``sklearn.metrics.roc_curve(truth, scores, drop_intermediate=False)``;
    computed here from the same counts as the threshold functions so they cannot disagree.

    Raises:
        ValueError: see :func:`scores_and_truth`.
    """
    points = _operating_points(*scores_and_truth(scores, truth))
    return RocCurve(
        fpr=_readonly(points.fp / points.n),
        tpr=_readonly(points.tp / points.m),
        thresholds=_readonly(points.cutoffs),
        n_diseased=points.m,
        n_nondiseased=points.n,
    )


def auprc(scores: ArrayLike, truth: ArrayLike) -> float:
    """Area under the precision-recall curve, as **average precision** (step-wise).

    AP = sum_k (R_k - R_{k-1}) P_k over the observed cutoffs, as
    :func:`sklearn.metrics.average_precision_score`. Unlike the trapezoidal area it does not
    interpolate linearly between PR points, which overestimates the area (Davis & Goadrich,
    ICML 2006). Its chance level is the prevalence, not 0.5.

    Raises:
        ValueError: see :func:`scores_and_truth`.
    """
    # Imported here: scikit-learn's import is slow and only this function needs it.
    from sklearn.metrics import average_precision_score

    values, labels = scores_and_truth(scores, truth)
    return float(average_precision_score(labels, values))


# ----------------------------------------------------------------------------- thresholds
@dataclass(frozen=True)
class ThresholdResult(FieldsToDict):
    """An operating point of a score; ``to_dict()`` has every field (infinite cutoffs ``"Inf"``).

    Attributes:
        threshold: observed cutoff; a case is positive if score >= threshold (+inf: nobody).
        threshold_midpoint: pROC's threshold, midway between the cutoff and the next lower
            observed score (-inf below the lowest score, +inf for the +inf cutoff).
        sensitivity, specificity: at this cutoff.
        youden_j: sensitivity + specificity - 1.
        tp, fp, tn, fn: counts at this cutoff.
        criterion: how it was chosen (``"youden"``, ``"sensitivity>=0.9"``...).
    """

    threshold: float
    threshold_midpoint: float
    sensitivity: float
    specificity: float
    youden_j: float
    tp: int
    fp: int
    tn: int
    fn: int
    criterion: str = ""

    def summary(self) -> str:
        """One line: the rule and its sensitivity/specificity."""
        return (
            f"score >= {self.threshold:.4g} ({self.criterion}): sensitivity "
            f"{self.sensitivity:.3f}, specificity {self.specificity:.3f}, J = {self.youden_j:.3f}"
        )


def _threshold_at(points: _OperatingPoints, index: int, criterion: str) -> ThresholdResult:
    tp, fp = int(points.tp[index]), int(points.fp[index])
    sensitivity = tp / points.m
    specificity = (points.n - fp) / points.n
    return ThresholdResult(
        threshold=float(points.cutoffs[index]),
        threshold_midpoint=float(points.midpoints()[index]),
        sensitivity=sensitivity,
        specificity=specificity,
        youden_j=sensitivity + specificity - 1,
        tp=tp,
        fp=fp,
        tn=points.n - fp,
        fn=points.m - tp,
        criterion=criterion,
    )


def youden_threshold(scores: ArrayLike, truth: ArrayLike) -> list[ThresholdResult]:
    """Every cutoff maximising Youden's J = sensitivity + specificity - 1 (Youden, Cancer 1950).

    Like pROC ``coords(roc, "best", best.method = "youden")``, all tied maxima are returned, in
    ascending order of threshold, and the trivial rules (everybody positive: the lowest score;
    nobody positive: +inf) are candidates too, so a score without any useful cutoff (J <= 0
    everywhere) returns them. Ties are found in exact integer arithmetic
    (J * m * n = TP n + TN m - m n), not by comparing floats.

    Raises:
        ValueError: see :func:`scores_and_truth`.
    """
    points = _operating_points(*scores_and_truth(scores, truth))
    scaled_j = points.tp * points.n + points.tn * points.m  # integers
    best = np.flatnonzero(scaled_j == scaled_j.max())[::-1]  # ascending thresholds
    return [_threshold_at(points, int(i), "youden") for i in best]


def _check_target(target: float, what: str) -> float:
    if isinstance(target, bool) or not isinstance(target, (int, float, np.floating)):
        raise ValueError(f"target {what} must be a number in [0, 1], got {target!r}")
    if not 0.0 <= float(target) <= 1.0:
        raise ValueError(f"target {what} must be in [0, 1], got {target!r}")
    return float(target)


def threshold_for_sensitivity(
    scores: ArrayLike, truth: ArrayLike, target: float
) -> ThresholdResult:
    """The highest cutoff whose sensitivity is at least ``target``.

    Among the cutoffs that reach the target sensitivity it has the best specificity (the
    "high-sensitivity" operating point of the model bundle). Target 0 gives +inf.

    Raises:
        ValueError: see :func:`scores_and_truth`; target outside [0, 1].
    """
    target = _check_target(target, "sensitivity")
    points = _operating_points(*scores_and_truth(scores, truth))
    reached = np.flatnonzero(points.tp / points.m >= target)
    return _threshold_at(points, int(reached[0]), f"sensitivity>={target:g}")


def threshold_for_specificity(
    scores: ArrayLike, truth: ArrayLike, target: float
) -> ThresholdResult:
    """The lowest cutoff whose specificity is at least ``target``.

    Among the cutoffs that reach the target specificity it has the best sensitivity (the
    "high-specificity" operating point). Target 1 with overlapping classes may give +inf.

    Raises:
        ValueError: see :func:`scores_and_truth`; target outside [0, 1].
    """
    target = _check_target(target, "specificity")
    points = _operating_points(*scores_and_truth(scores, truth))
    reached = np.flatnonzero(points.tn / points.n >= target)
    return _threshold_at(points, int(reached[-1]), f"specificity>={target:g}")
