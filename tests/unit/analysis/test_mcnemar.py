"""McNemar tests against R (mcnemar.test, binom.test, mid-p) - reference cases ``mcnemar_*``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from reference_cases import ReferenceCase, assert_close, case_params
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar

from studies.analysis.mcnemar import NO_DISCORDANT_NOTE, mcnemar_all, mcnemar_test

CASES = case_params("mcnemar")


def _pairs(case: ReferenceCase) -> tuple[np.ndarray, np.ndarray]:
    return case.column("unaided_correct", int), case.column("aided_correct", int)


@pytest.mark.parametrize("case", CASES)
def test_matches_R(case: ReferenceCase) -> None:
    expected = case.expected
    first, second = _pairs(case)
    table = expected["table"]
    results = mcnemar_all(first, second)
    no_cc = mcnemar_test(first, second, method="chi2")
    for result in (results.chi2_cc, results.exact, results.mid_p, no_cc):
        assert (result.b, result.c, result.n) == (table["b"], table["c"], expected["n"])
    if table["b"] + table["c"] == 0:
        # R gives NaN (null); our documented policy replaces it with statistic 0, p = 1.
        assert expected["chisq_cc"]["p_value"] is None and expected["exact_midp"] is None
        assert results.chi2_cc.p_value == results.exact.p_value == results.mid_p.p_value == 1.0
        return
    assert_close(results.chi2_cc.statistic, expected["chisq_cc"]["statistic"], "chi2_cc stat")
    assert_close(results.chi2_cc.p_value, expected["chisq_cc"]["p_value"], "chi2_cc p")
    assert_close(no_cc.statistic, expected["chisq_nocc"]["statistic"], "chi2 stat")
    assert_close(no_cc.p_value, expected["chisq_nocc"]["p_value"], "chi2 p")
    assert_close(results.exact.p_value, expected["exact_binomial_p"], "exact p")
    assert_close(results.mid_p.p_value, expected["exact_midp"], "mid-p")


@pytest.mark.parametrize("case", CASES)
def test_exact_agrees_with_statsmodels(case: ReferenceCase) -> None:
    first, second = _pairs(case)
    result = mcnemar_test(first, second, method="exact")
    if result.b + result.c == 0:
        return
    table = [[0, result.b], [result.c, 0]]
    reference = sm_mcnemar(table, exact=True)
    assert result.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert result.statistic == reference.statistic


def test_no_discordant_pairs_policy() -> None:
    (case,) = [p.values[0] for p in CASES if p.id == "mcnemar_no_discord_n30"]
    first, second = _pairs(case)
    results = mcnemar_all(first, second)
    for result in (results.chi2_cc, results.exact, results.mid_p):
        assert result.statistic == 0.0
        assert result.p_value == 1.0
        assert result.note == NO_DISCORDANT_NOTE
        assert "no discordant pairs" in result.summary()
    exported = results.to_dict()
    assert exported["exact"]["note"] == NO_DISCORDANT_NOTE
    json.dumps(exported, allow_nan=False)


def test_R_correction_rule_at_b_equal_c() -> None:
    """b = c: R's statistic is 0 (no correction), statsmodels' corrected one is 1/(b+c)."""
    first = [1] * 4 + [0] * 4 + [1] * 10
    second = [0] * 4 + [1] * 4 + [1] * 10
    result = mcnemar_test(first, second)
    assert (result.b, result.c) == (4, 4)
    assert result.statistic == 0.0 and result.p_value == 1.0
    assert sm_mcnemar([[10, 4], [4, 0]], exact=False, correction=True).statistic == 1 / 8
    assert mcnemar_test(first, second, method="mid_p").p_value == pytest.approx(1.0)


def test_direction_b_and_c() -> None:
    """b counts first-correct/second-wrong; swapping the readings swaps b and c, not p."""
    first = [1, 1, 1, 0, 1, 0]
    second = [0, 0, 1, 1, 1, 0]
    forward, backward = mcnemar_all(first, second), mcnemar_all(second, first)
    assert (forward.exact.b, forward.exact.c) == (2, 1)
    assert (backward.exact.b, backward.exact.c) == (1, 2)
    assert forward.exact.p_value == backward.exact.p_value
    assert set(forward.to_dict()) == {"chi2_cc", "exact", "mid_p"}
    assert {"statistic", "p_value", "method", "b", "c"} <= set(forward.to_dict()["exact"])


@pytest.mark.parametrize(
    ("first", "second", "kwargs"),
    [
        ([1, 0], [1, 0, 1], {}),
        ([1, 2], [1, 0], {}),
        ([], [], {}),
        ([1, 0], [1, 0], {"method": "yates"}),
    ],
)
def test_bad_input_raises(first: list, second: list, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        mcnemar_test(first, second, **kwargs)
