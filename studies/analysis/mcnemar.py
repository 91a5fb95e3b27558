"""McNemar's test of paired proportions: aided vs unaided reading, model vs reader.

For each case we know whether the first and the second reading was correct. Only the discordant
pairs carry information: b = first correct and second wrong, c = first wrong and second correct
(the layout of R's ``table(first, second)`` with levels ``c(1, 0)``). Three variants:

``chi2_cc``
    McNemar (1947) chi-square with continuity correction, exactly as R's ``stats::mcnemar.test``:
    ``(|b - c| - 1)^2 / (b + c)``, where R applies the correction only when b != c (so b = c gives
    0, not 1/(b + c) as :func:`statsmodels.stats.contingency_tables.mcnemar` does; that is why
    this statistic is computed here by hand). p from chi-square with 1 df.
``exact``
    Exact binomial test of b ~ Bin(b + c, 1/2), two-sided (R ``binom.test``,
    :func:`scipy.stats.binomtest`). The statistic reported is min(b, c), the count whose tail is
    summed (as statsmodels' exact McNemar).
``mid_p``
    Mid-p McNemar (Fagerland, Lydersen & Laake, BMC Med Res Methodol 2013;13:91): the exact p
    minus the probability of the observed min(b, c), ``2 P(X <= min) - P(X = min)``; recommended
    by those authors over both the asymptotic and the exact test for small samples.
``chi2``
    Without continuity correction, ``(b - c)^2 / (b + c)`` (R ``mcnemar.test(correct=FALSE)``);
    available on request, not part of :func:`mcnemar_all`.

Policy for **no discordant pairs** (b + c = 0), where R returns NaN: the two readings are
identical on these cases, so there is no evidence of a difference: statistic 0, p = 1, and a
``note`` saying so, for all three variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import binom, binomtest, chi2

from studies.analysis.diagnostic import paired_binary
from studies.analysis.result_dict import EXPORTED_WHEN_SET, FieldsToDict

McNemarMethod = Literal["chi2_cc", "exact", "mid_p", "chi2"]

#: The variants reported together by :func:`mcnemar_all` (and in ``results.json``).
COMPARISON_METHODS: tuple[str, ...] = ("chi2_cc", "exact", "mid_p")

METHOD_NAMES: dict[str, str] = {
    "chi2_cc": "McNemar chi-square with continuity correction",
    "exact": "exact binomial McNemar test",
    "mid_p": "mid-p McNemar test",
    "chi2": "McNemar chi-square without continuity correction",
}

NO_DISCORDANT_NOTE = (
    "no discordant pairs: the two readings agree on every case (p = 1 by convention)"
)


@dataclass(frozen=True)
class McNemarResult(FieldsToDict):
    """One McNemar test.

    ``to_dict()`` (docs/analysis.md, test): ``statistic, p_value, method, b, c, n`` (and ``note``).

    Attributes:
        statistic: chi-square (``chi2_cc``) or min(b, c) (``exact``, ``mid_p``).
        p_value: two-sided p value.
        method: ``"chi2_cc"``, ``"exact"`` or ``"mid_p"``.
        b: pairs where the first reading is correct and the second is not.
        c: pairs where the first reading is wrong and the second is correct.
        n: number of pairs (cases).
        note: empty, or why the result is a convention rather than a computation.
    """

    statistic: float
    p_value: float
    method: str
    b: int
    c: int
    n: int
    note: str = field(default="", metadata=EXPORTED_WHEN_SET)

    def summary(self) -> str:
        """One line, e.g. ``McNemar chi-square ...: 4.05, p = 0.0442 (b = 5, c = 15, n = 100)``."""
        text = (
            f"{METHOD_NAMES[self.method]}: {self.statistic:.4g}, p = {self.p_value:.4g} "
            f"(b = {self.b}, c = {self.c}, n = {self.n})"
        )
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class McNemarComparison:
    """The three McNemar variants on the same pairs."""

    chi2_cc: McNemarResult
    exact: McNemarResult
    mid_p: McNemarResult

    def to_dict(self) -> dict[str, dict[str, object]]:
        """``{"chi2_cc": {...}, "exact": {...}, "mid_p": {...}}``."""
        return {name: getattr(self, name).to_dict() for name in COMPARISON_METHODS}

    def summary(self) -> str:
        """One line per variant."""
        return "\n".join(getattr(self, name).summary() for name in COMPARISON_METHODS)


def discordant_counts(first_correct: ArrayLike, second_correct: ArrayLike) -> tuple[int, int, int]:
    """(b, c, n) of two paired 0/1 (or boolean) correctness vectors."""
    first, second = paired_binary(
        first_correct, second_correct, ("first_correct", "second_correct")
    )
    b = int(np.sum((first == 1) & (second == 0)))
    c = int(np.sum((first == 0) & (second == 1)))
    return b, c, int(first.size)


def _test_from_counts(b: int, c: int, n: int, method: str) -> McNemarResult:
    if b + c == 0:
        return McNemarResult(0.0, 1.0, method, b, c, n, NO_DISCORDANT_NOTE)
    if method == "chi2_cc":
        # R: the correction is applied only when b != c.
        statistic = (abs(b - c) - 1) ** 2 / (b + c) if b != c else 0.0
        return McNemarResult(float(statistic), float(chi2.sf(statistic, 1)), method, b, c, n)
    if method == "chi2":
        statistic = (b - c) ** 2 / (b + c)
        return McNemarResult(float(statistic), float(chi2.sf(statistic, 1)), method, b, c, n)
    smaller = min(b, c)
    exact_p = float(binomtest(smaller, b + c, 0.5).pvalue)
    if method == "exact":
        return McNemarResult(float(smaller), exact_p, method, b, c, n)
    mid_p = 2.0 * float(binom.cdf(smaller, b + c, 0.5)) - float(binom.pmf(smaller, b + c, 0.5))
    return McNemarResult(float(smaller), min(mid_p, 1.0), method, b, c, n)


def mcnemar_test(
    first_correct: ArrayLike, second_correct: ArrayLike, method: McNemarMethod = "chi2_cc"
) -> McNemarResult:
    """McNemar test of paired correctness (e.g. unaided vs aided, reader vs model).

    Args:
        first_correct: shape (cases,), 1 if the first reading was correct.
        second_correct: shape (cases,), 1 if the second reading was correct, same cases.
        method: ``"chi2_cc"`` (default, R ``mcnemar.test``), ``"exact"``, ``"mid_p"``, or
            ``"chi2"`` (no continuity correction).

    Raises:
        ValueError: on values other than 0/1, different lengths, empty input, unknown method.
    """
    if method not in get_args(McNemarMethod):
        raise ValueError(
            f"unknown McNemar method {method!r}; choose one of {get_args(McNemarMethod)}"
        )
    return _test_from_counts(*discordant_counts(first_correct, second_correct), method)


def mcnemar_all(first_correct: ArrayLike, second_correct: ArrayLike) -> McNemarComparison:
    """All three McNemar variants (chi-square with correction, exact, mid-p) on the same pairs."""
    b, c, n = discordant_counts(first_correct, second_correct)
    return McNemarComparison(*(_test_from_counts(b, c, n, method) for method in COMPARISON_METHODS))
