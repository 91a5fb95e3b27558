"""Cohen's kappa between two readers: unweighted (benign/malignant) and weighted (BI-RADS).

Kappa (Cohen, Educ Psychol Meas 1960;20:37-46) and weighted kappa (Cohen, Psychol Bull
1968;70:213-20) with the large-sample standard errors of Fleiss, Cohen & Everitt (Psychol Bull
1969;72:323-7):

* ``se``, the non-null SE, for the confidence interval ``kappa ± z_{1-alpha/2} se`` (not clamped,
  like the R reference; vcd and psych clamp to [-1, 1]);
* ``se_null``, the SE under H0: kappa = 0, for the test ``z = kappa / se_null`` (two-sided normal).

The value and both SEs come from :func:`statsmodels.stats.inter_rater.cohens_kappa`, which
implements exactly these variances (checked against vcd::Kappa and the FCE formulas in R to 1e-15
in the tests). This module only builds the k x k table and the CI/test around it.

Weights are agreement weights on the *positions* 1..k of the declared levels: linear
``1 - |i - j| / (k - 1)``, quadratic ``1 - (i - j)^2 / (k - 1)^2`` (equal spacing, so BI-RADS
3, 4A, 4B, 4C, 5 are five equally spaced steps). They depend on k, so the levels must be the
*declared* scale, not the levels that happen to be used: if one reader never says "5", linear
and quadratic kappa change when that level is dropped. Pass ``levels`` for ordinal scales.

Kappa is undefined when the expected agreement is 1 (both readers used one and the same level
for every case); the result is then NaN with a ``note``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa

from studies.analysis.numbers import check_alpha, confidence_label
from studies.analysis.result_dict import EXPORTED_WHEN_SET, NOT_EXPORTED, FieldsToDict

KappaWeights = Literal["unweighted", "linear", "quadratic"]

UNDEFINED_NOTE = "kappa undefined: expected agreement is 1 (both readers used a single level)"
METHOD = "Cohen's kappa, Fleiss-Cohen-Everitt asymptotic SE"


@dataclass(frozen=True)
class KappaResult(FieldsToDict):
    """Cohen's kappa with Fleiss-Cohen-Everitt standard errors.

    ``to_dict()`` (docs/analysis.md, kappa): ``kappa, se, ci_low, ci_high``, the test, the
    method and the setting (``weights, n, levels``), and ``note`` when there is one.

    Attributes:
        kappa: the (weighted) kappa.
        se: non-null asymptotic SE, used for the CI.
        ci_low, ci_high: kappa ± z_{1-alpha/2} se (not clamped).
        se_null: SE under H0: kappa = 0, used for the test.
        statistic: z = kappa / se_null.
        p_value: two-sided normal p value of the test of kappa = 0.
        method: :data:`METHOD`.
        weights: ``"unweighted"``, ``"linear"`` or ``"quadratic"``.
        n: number of cases rated by both readers.
        p_observed, p_expected: observed and chance (weighted) agreement.
        levels: the declared levels, in scale order (rows/columns of ``table``).
        table: k x k counts, rows = rater 1, columns = rater 2, as nested tuples.
        alpha: significance level of the CI.
        note: empty, or why the result is undefined.
    """

    kappa: float
    se: float
    ci_low: float
    ci_high: float
    se_null: float
    statistic: float
    p_value: float
    method: str = field(default=METHOD, kw_only=True)
    weights: str
    n: int
    p_observed: float = field(default=math.nan, metadata=NOT_EXPORTED)
    p_expected: float = field(default=math.nan, metadata=NOT_EXPORTED)
    levels: tuple[Hashable, ...] = ()
    table: tuple[tuple[int, ...], ...] = field(default=(), metadata=NOT_EXPORTED)
    alpha: float = field(default=0.05, metadata=NOT_EXPORTED)
    note: str = field(default="", metadata=EXPORTED_WHEN_SET)

    def summary(self) -> str:
        """One line, e.g. ``kappa (linear) 0.523 (95% CI 0.398 to 0.648), z = 6.47, p = 1e-10``."""
        if self.note:
            return f"kappa ({self.weights}) undefined, n = {self.n}: {self.note}"
        return (
            f"kappa ({self.weights}) {self.kappa:.3f} ({confidence_label(self.alpha)} CI "
            f"{self.ci_low:.3f} to {self.ci_high:.3f}), z = {self.statistic:.3g}, "
            f"p = {self.p_value:.3g}, n = {self.n}"
        )


class _Setting(TypedDict):
    """The fields of a :class:`KappaResult` that describe the table, not the estimate."""

    weights: str
    n: int
    p_observed: float
    p_expected: float
    levels: tuple[Hashable, ...]
    table: tuple[tuple[int, ...], ...]
    alpha: float


def _plain(value: Hashable) -> Hashable:
    """A level as a JSON-friendly Python scalar."""
    return value.item() if isinstance(value, np.generic) else value


def _ratings(values: ArrayLike, name: str) -> list[Hashable]:
    array = np.asarray(values, dtype=object)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    ratings = [_plain(v) for v in array]
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in ratings):
        raise ValueError(f"{name} contains missing ratings; drop the unrated cases first")
    return ratings


def contingency_table(
    rater1: ArrayLike, rater2: ArrayLike, levels: Sequence[Hashable] | None = None
) -> tuple[NDArray[np.int64], tuple[Hashable, ...]]:
    """k x k table of two raters' ratings over the declared levels (rows = rater 1).

    Without ``levels`` the levels are the sorted union of the observed ratings.

    Raises:
        ValueError: on different lengths, no cases, missing ratings, ratings outside
            ``levels``, repeated levels, or fewer than two levels.
    """
    first, second = _ratings(rater1, "rater1"), _ratings(rater2, "rater2")
    if len(first) != len(second):
        raise ValueError(
            f"rater1 and rater2 must rate the same cases: got {len(first)} and {len(second)}"
        )
    if not first:
        raise ValueError("no ratings")
    if levels is None:
        try:
            # Any: whether the ratings can be ordered is only known at run time (TypeError).
            observed: set[Any] = set(first) | set(second)
            declared = tuple(sorted(observed))
        except TypeError as error:
            raise ValueError(
                f"ratings cannot be ordered, pass levels explicitly: {error}"
            ) from None
    else:
        declared = tuple(_plain(level) for level in levels)
    position = {level: i for i, level in enumerate(declared)}
    if len(position) != len(declared):
        raise ValueError(f"levels must be distinct, got {list(declared)}")
    if len(declared) < 2:
        raise ValueError(f"kappa needs at least two levels, got {list(declared)}")
    unknown = sorted({str(v) for v in first + second if v not in position})
    if unknown:
        raise ValueError(f"ratings {unknown} are not among the levels {list(declared)}")
    table = np.zeros((len(declared), len(declared)), dtype=np.int64)
    np.add.at(table, ([position[v] for v in first], [position[v] for v in second]), 1)
    return table, declared


def cohen_kappa(
    rater1: ArrayLike,
    rater2: ArrayLike,
    weights: KappaWeights | None = None,
    levels: Sequence[Hashable] | None = None,
    alpha: float = 0.05,
) -> KappaResult:
    """Cohen's (weighted) kappa of two readers on the same cases, with CI and test.

    Args:
        rater1, rater2: one rating per case (numbers or labels such as ``"4A"``).
        weights: ``None``/``"unweighted"`` (benign/malignant calls), ``"linear"`` or
            ``"quadratic"`` (ordinal scales such as BI-RADS).
        levels: the declared scale, in order; required in practice for ordinal scales (the
            weights depend on it, see the module docstring). Default: sorted observed levels.
        alpha: significance level of the CI.

    Raises:
        ValueError: see :func:`contingency_table`; unknown weights; bad alpha.
    """
    alpha = check_alpha(alpha)
    if weights in (None, "unweighted"):
        weight_name, wt = "unweighted", None
    elif weights in ("linear", "quadratic"):
        weight_name, wt = str(weights), str(weights)
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    table, declared = contingency_table(rater1, rater2, levels)
    n = int(table.sum())
    k = len(declared)
    agreement = np.identity(k) if wt is None else _agreement_weights(k, wt)
    p = table / n
    p_observed = float(np.sum(agreement * p))
    p_expected = float(np.sum(agreement * np.outer(p.sum(axis=1), p.sum(axis=0))))
    common: _Setting = {
        "weights": weight_name,
        "n": n,
        "p_observed": p_observed,
        "p_expected": p_expected,
        "levels": declared,
        "table": tuple(tuple(int(c) for c in row) for row in table),
        "alpha": alpha,
    }
    if math.isclose(p_expected, 1.0, rel_tol=0.0, abs_tol=1e-12):
        nan = math.nan
        return KappaResult(nan, nan, nan, nan, nan, nan, nan, note=UNDEFINED_NOTE, **common)

    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        # statsmodels takes the square root of the variances itself; rounding can make a
        # zero variance (perfect agreement) slightly negative. We clamp at 0 below, as R does.
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = sm_cohens_kappa(table, wt=wt, return_results=True)
    kappa = float(fitted.kappa)
    se = math.sqrt(max(float(fitted.var_kappa), 0.0))
    se_null = math.sqrt(max(float(fitted.var_kappa0), 0.0))
    if se_null > 0:
        statistic = kappa / se_null
    else:  # degenerate margins: no sampling variation under H0
        statistic = 0.0 if kappa == 0 else math.copysign(math.inf, kappa)
    p_value = float(2 * norm.sf(abs(statistic)))
    half_width = float(norm.ppf(1 - alpha / 2)) * se
    return KappaResult(
        kappa=kappa,
        se=se,
        se_null=se_null,
        statistic=statistic,
        p_value=p_value,
        ci_low=kappa - half_width,
        ci_high=kappa + half_width,
        **common,
    )


def _agreement_weights(k: int, kind: str) -> NDArray[np.float64]:
    """Cohen (1968) agreement weights on positions 0..k-1: 1 - |i-j|/(k-1) or its square."""
    distance = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) / (k - 1)
    return 1.0 - (distance if kind == "linear" else distance**2)
