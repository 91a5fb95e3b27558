"""Binomial proportions with confidence intervals: accuracy, sensitivity, specificity, PPV, NPV.

The default interval is the Wilson score interval with continuity correction *exactly as R's*
``stats::prop.test(x, n)$conf.int`` computes it, because that is what the reader-study literature
(Mao et al., Br J Cancer 2023, Tables 2-3: 28/33 -> 0.673-0.943, 13/13 -> 0.717-1.000) reports
for sensitivity, specificity, PPV and NPV; the same paper gives accuracy the exact
Clopper-Pearson interval, and which method each proportion of an analysis gets is the business of
:mod:`studies.analysis.ci_convention`. Two details of R's implementation differ from Newcombe's
textbook method 4 (Newcombe, Stat Med 1998;17:857-72) and are reproduced on purpose:

* the continuity correction is ``min(0.5, |x - n/2|)`` (R shrinks it towards the default null
  p = 0.5), so at x = n/2 no correction is applied;
* the bounds are clamped to [0, 1] (lower = 0 at x = 0, upper = 1 at x = n).

No Python package computes that variant, so it is written here by hand (:func:`_wilson_cc_r`).
Clopper-Pearson, Wilson without correction and Jeffreys come from
:func:`statsmodels.stats.proportion.proportion_confint`; for Jeffreys the Brown, Cai & DasGupta
(Stat Sci 2001;16:101-33) boundary convention is applied (lower = 0 at x = 0, upper = 1 at x = n),
which statsmodels does not do.

Policy for n = 0 (e.g. the PPV of a reader who called no case positive): the proportion is
undefined; ``estimate``, ``ci_low`` and ``ci_high`` are NaN, and :meth:`ProportionResult.to_dict`
writes them as ``null`` (the convention of the R reference vectors).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Literal, get_args

from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from studies.analysis.numbers import check_alpha, confidence_label
from studies.analysis.result_dict import NOT_EXPORTED, FieldsToDict

CiMethod = Literal["wilson_cc", "clopper_pearson", "wilson", "jeffreys"]

#: Human-readable names of the interval methods, for summaries and reports.
CI_METHOD_NAMES: dict[str, str] = {
    "wilson_cc": "Wilson score with continuity correction (R prop.test)",
    "clopper_pearson": "Clopper–Pearson exact (R binom.test)",
    "wilson": "Wilson score without continuity correction",
    "jeffreys": "Jeffreys",
}


@dataclass(frozen=True)
class ProportionResult(FieldsToDict):
    """A proportion x/n with its confidence interval.

    ``to_dict()`` (docs/analysis.md, proportion): ``estimate, ci_low, ci_high, x, n, method``.

    Attributes:
        estimate: x / n; NaN when n = 0.
        ci_low, ci_high: bounds of the (1 - alpha) confidence interval; NaN when n = 0.
        x: number of successes.
        n: number of trials.
        method: the interval method (a :data:`CiMethod`).
        alpha: significance level of the interval.
    """

    estimate: float
    ci_low: float
    ci_high: float
    x: int
    n: int
    method: str
    alpha: float = field(default=0.05, metadata=NOT_EXPORTED)

    @property
    def defined(self) -> bool:
        """False when n = 0 and the proportion is undefined."""
        return self.n > 0

    def summary(self) -> str:
        """One line, e.g. ``0.848 (95% CI 0.673-0.943; 28/33, Wilson score ...)``."""
        name = CI_METHOD_NAMES.get(self.method, self.method)
        if not self.defined:
            return f"undefined (0/0; {name})"
        return (
            f"{self.estimate:.3f} ({confidence_label(self.alpha)} CI "
            f"{self.ci_low:.3f}-{self.ci_high:.3f}; {self.x}/{self.n}, {name})"
        )


def _check_counts(x: int, n: int) -> tuple[int, int]:
    for name, value in (("x", x), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"{name} must be an integer count, got {value!r}")
    x, n = int(x), int(n)
    if n < 0 or x < 0 or x > n:
        raise ValueError(f"need 0 <= x <= n, got x={x}, n={n}")
    return x, n


def _wilson_cc_r(x: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval with continuity correction, line by line as R's ``prop.test``.

    R 4.2.2, ``stats:::prop.test`` (one sample, ``p = 0.5``, ``correct = TRUE``)::

        YATES <- min(0.5, abs(x - n * p))
        p.c <- ESTIMATE + YATES / n
        p.u <- if (p.c >= 1) 1 else (p.c + z22n + z * sqrt(p.c * (1 - p.c) / n + z22n / (2 * n)))
               / (1 + 2 * z22n)
        (and symmetrically for p.l), CINT <- c(max(p.l, 0), min(p.u, 1))
    """
    estimate = x / n
    yates = min(0.5, abs(x - n * 0.5))
    z22n = z * z / (2 * n)

    def bound(p_c: float, sign: float) -> float:
        root = math.sqrt(p_c * (1 - p_c) / n + z22n / (2 * n))
        return (p_c + z22n + sign * z * root) / (1 + 2 * z22n)

    p_c = estimate + yates / n
    upper = 1.0 if p_c >= 1 else bound(p_c, +1.0)
    p_c = estimate - yates / n
    lower = 0.0 if p_c <= 0 else bound(p_c, -1.0)
    return max(lower, 0.0), min(upper, 1.0)


def proportion_ci(
    x: int, n: int, method: CiMethod = "wilson_cc", alpha: float = 0.05
) -> ProportionResult:
    """Proportion x/n with a (1 - alpha) two-sided confidence interval.

    Args:
        x: successes (0 <= x <= n).
        n: trials; n = 0 gives an undefined (NaN) result, see the module docstring.
        method: ``"wilson_cc"`` (default, R ``prop.test``), ``"clopper_pearson"`` (R
            ``binom.test``), ``"wilson"`` (R ``prop.test(correct=FALSE)``) or ``"jeffreys"``.
        alpha: significance level, 0 < alpha < 1.

    Raises:
        ValueError: on non-integer or inconsistent counts, unknown method, or bad alpha.
    """
    x, n = _check_counts(x, n)
    alpha = check_alpha(alpha)
    if method not in get_args(CiMethod):
        raise ValueError(f"unknown CI method {method!r}; choose one of {get_args(CiMethod)}")
    if n == 0:
        nan = math.nan
        return ProportionResult(nan, nan, nan, x, n, method, alpha)

    if method == "wilson_cc":
        low, high = _wilson_cc_r(x, n, float(norm.ppf(1 - alpha / 2)))
    else:
        sm_method = {"clopper_pearson": "beta", "wilson": "wilson", "jeffreys": "jeffreys"}
        low, high = (float(v) for v in proportion_confint(x, n, alpha, method=sm_method[method]))
        if method == "jeffreys":
            # Brown, Cai & DasGupta (2001), section 4.1.2: keep the boundary where x is.
            low = 0.0 if x == 0 else low
            high = 1.0 if x == n else high
        low, high = max(low, 0.0), min(high, 1.0)
    return ProportionResult(x / n, low, high, x, n, method, alpha)
