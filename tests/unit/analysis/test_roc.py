"""ROC/AUC, DeLong CI and paired test, thresholds, AUPRC, bootstrap - vs pROC (cases ``roc_*``)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from reference_cases import ReferenceCase, assert_close, case_params, number
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from studies.analysis.bootstrap import bootstrap_auc_ci, bootstrap_auc_replicates
from studies.analysis.roc import (
    PAIRED_TEST_METHOD,
    auc_delong,
    auprc,
    delong_test,
    roc_curve,
    threshold_for_sensitivity,
    threshold_for_specificity,
    youden_threshold,
)

CASES = case_params("roc_delong")


def _columns(case: ReferenceCase) -> tuple[str, str, str, str]:
    """(column 1, column 2, key of the covariance, key of the paired test)."""
    if case.case_id == "roc_aSAH":
        return "s100b", "wfns", "delong_cov_s100b_wfns", "roc_test_s100b_vs_wfns"
    return "score1", "score2", "delong_cov_1_2", "paired_delong_test"


def _scores(case: ReferenceCase) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    first, second, _, _ = _columns(case)
    return case.column(first), case.column(second), case.column("truth", int)


def _by_id(case_id: str) -> ReferenceCase:
    (case,) = [p.values[0] for p in CASES if p.id == case_id]
    return case


# ------------------------------------------------------------------------- R reference
@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("case", CASES)
def test_auc_and_ci_match_pROC(case: ReferenceCase, which: int) -> None:
    name = _columns(case)[which]
    want = case.expected[name]
    result = auc_delong(_scores(case)[which], case.column("truth", int))
    assert (result.n_diseased, result.n_nondiseased) == (want["n_cases"], want["n_controls"])
    assert_close(result.estimate, want["auc"], f"{name} auc")
    assert_close(result.se, want["delong_se"], f"{name} se")
    assert_close(result.se**2, want["delong_var"], f"{name} var")
    assert_close(result.ci_low, want["ci_delong"]["lower"], f"{name} ci lower")
    assert_close(result.ci_high, want["ci_delong"]["upper"], f"{name} ci upper")


@pytest.mark.parametrize("case", CASES)
def test_paired_test_matches_pROC(case: ReferenceCase) -> None:
    _, _, cov_key, test_key = _columns(case)
    want = case.expected[test_key]
    first, second, truth = _scores(case)
    result = delong_test(first, second, truth)
    assert result.method == PAIRED_TEST_METHOD
    assert_close(result.auc1, want["auc1"], "auc1")
    assert_close(result.auc2, want["auc2"], "auc2")
    assert_close(result.difference, number(want["auc1"]) - number(want["auc2"]), "difference")
    if "auc_diff" in want:
        assert_close(result.difference, want["auc_diff"], "auc_diff")
    assert_close(result.statistic, want["z"], "z")
    assert_close(result.p_value, want["p_value"], "p")
    assert_close(result.ci_low, want["ci_diff_lower"], "ci_diff_lower")
    assert_close(result.ci_high, want["ci_diff_upper"], "ci_diff_upper")
    assert_close(result.covariance, case.expected[cov_key], "covariance")
    if "method" in want:
        assert result.method == want["method"]
    if "delong_corr_1_2" in case.expected:
        assert_close(result.correlation, case.expected["delong_corr_1_2"], "correlation")


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("case", CASES)
def test_youden_matches_pROC(case: ReferenceCase, which: int) -> None:
    name = _columns(case)[which]
    want = case.expected[name]["youden_best"]
    got = youden_threshold(_scores(case)[which], case.column("truth", int))
    assert len(got) == len(want), [g.threshold for g in got]
    for mine, ref in zip(got, want, strict=True):
        assert_close(mine.threshold, ref["cutoff_observed"], f"{name} cutoff")
        assert_close(mine.threshold_midpoint, ref["threshold_pROC_midpoint"], f"{name} midpoint")
        assert_close(mine.sensitivity, ref["sensitivity"], f"{name} sensitivity")
        assert_close(mine.specificity, ref["specificity"], f"{name} specificity")
        assert_close(mine.youden_j, ref["youden_J"], f"{name} J", rel=1e-9)
        assert mine.criterion == "youden"


def test_perfect_separation() -> None:
    case = _by_id("roc_n60_perfect_separation")
    first, second, truth = _scores(case)
    result = auc_delong(first, truth)
    assert (result.estimate, result.se, result.ci_low, result.ci_high) == (1.0, 0.0, 1.0, 1.0)
    test = delong_test(first, second, truth)
    assert math.isfinite(test.statistic) and test.p_value < 0.001 and not test.note
    assert math.isnan(test.correlation)
    json.dumps(test.to_dict(), allow_nan=False)


def test_inverted_score_is_not_flipped() -> None:
    case = _by_id("roc_n80_inverted_score1")
    first, _, truth = _scores(case)
    result = auc_delong(first, truth)
    auto = case.expected["pROC_auto_direction"]["score1"]
    assert result.estimate < 0.5
    assert result.estimate == pytest.approx(1 - auto["auc"], rel=1e-9)
    assert auc_delong(-first, truth).estimate == pytest.approx(auto["auc"], rel=1e-9)
    trivial = youden_threshold(first, truth)
    assert [t.threshold for t in trivial] == [first.min(), math.inf]
    assert [t.to_dict()["threshold_midpoint"] for t in trivial] == ["-Inf", "Inf"]


# ------------------------------------------------------------------------- properties
def _textbook_delong(scores: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """O(m n) DeLong (1988): psi kernel, placements, covariance matrix of K AUCs."""
    pos, neg = scores[:, truth == 1], scores[:, truth == 0]
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])
    v10, v01 = psi.mean(axis=2), psi.mean(axis=1)
    cov = np.cov(v10) / pos.shape[1] + np.cov(v01) / neg.shape[1]
    return psi.mean(axis=(1, 2)), np.atleast_2d(cov)


@pytest.mark.parametrize("seed", range(5))
def test_delong_equals_textbook_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 120))
    truth = np.zeros(n, dtype=int)
    truth[rng.choice(n, int(rng.integers(3, n - 3)), replace=False)] = 1
    scores = np.vstack([np.round(rng.normal(truth * d, 1.0), 1) for d in (0.8, 1.5)])
    aucs, cov = _textbook_delong(scores, truth)
    single = auc_delong(scores[0], truth)
    assert single.estimate == pytest.approx(aucs[0], rel=1e-12)
    assert single.se == pytest.approx(math.sqrt(cov[0, 0]), rel=1e-9)
    assert single.estimate == pytest.approx(roc_auc_score(truth, scores[0]), rel=1e-12)
    paired = delong_test(scores[0], scores[1], truth)
    se_diff = math.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert paired.se == pytest.approx(se_diff, rel=1e-9)
    assert paired.statistic == pytest.approx((aucs[0] - aucs[1]) / se_diff, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_roc_curve_equals_sklearn_and_area_equals_auc(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    truth = rng.integers(0, 2, 150)
    truth[:2] = (0, 1)
    scores = np.round(rng.normal(truth, 1.0), 1)
    curve = roc_curve(scores, truth)
    fpr, tpr, thresholds = sk_roc_curve(truth, scores, drop_intermediate=False)
    np.testing.assert_allclose(curve.fpr, fpr, rtol=0, atol=1e-15)
    np.testing.assert_allclose(curve.tpr, tpr, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(curve.thresholds[1:], thresholds[1:])
    assert curve.thresholds[0] == math.inf
    assert curve.area() == pytest.approx(auc_delong(scores, truth).estimate, rel=1e-12)
    exported = curve.to_dict()
    assert exported["thresholds"][0] == "Inf" and len(exported["fpr"]) == curve.fpr.size
    with pytest.raises(ValueError):
        curve.fpr[0] = 0.5


def _brute_force_points(scores: np.ndarray, truth: np.ndarray) -> list[tuple[float, float, float]]:
    cutoffs = [*np.unique(scores), math.inf]
    return [(c, np.mean(scores[truth == 1] >= c), np.mean(scores[truth == 0] < c)) for c in cutoffs]


@pytest.mark.parametrize("target", [0.0, 0.5, 0.8, 0.9, 0.95, 1.0])
def test_targets_against_brute_force(target: float) -> None:
    rng = np.random.default_rng(11)
    truth = rng.integers(0, 2, 90)
    scores = np.round(rng.normal(truth * 1.2, 1.0), 1)
    points = _brute_force_points(scores, truth)

    by_sens = threshold_for_sensitivity(scores, truth, target)
    best_spec = max(sp for _, se, sp in points if se >= target)
    assert by_sens.sensitivity >= target
    assert by_sens.specificity == pytest.approx(best_spec, rel=1e-12)
    assert by_sens.threshold == max(c for c, se, sp in points if se >= target)

    by_spec = threshold_for_specificity(scores, truth, target)
    best_sens = max(se for _, se, sp in points if sp >= target)
    assert by_spec.specificity >= target
    assert by_spec.sensitivity == pytest.approx(best_sens, rel=1e-12)
    assert by_spec.tp + by_spec.fn == truth.sum() and by_spec.tn + by_spec.fp == (truth == 0).sum()


def test_youden_against_brute_force_and_ties() -> None:
    truth = np.array([0, 0, 1, 0, 1, 1])
    scores = np.array([1, 2, 3, 4, 5, 6])
    # cutoffs 3 and 5 both give J = 2/3 (sens 1, spec 2/3 and sens 2/3, spec 1)
    result = youden_threshold(scores, truth)
    assert [r.threshold for r in result] == [3.0, 5.0]
    assert [r.threshold_midpoint for r in result] == [2.5, 4.5]
    assert all(r.youden_j == pytest.approx(2 / 3) for r in result)
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 2, 200)
    scores = np.round(rng.normal(truth, 1.0), 1)
    best = max(se + sp - 1 for _, se, sp in _brute_force_points(scores, truth))
    assert youden_threshold(scores, truth)[0].youden_j == pytest.approx(best, rel=1e-12)


def test_auprc_is_average_precision() -> None:
    truth = np.array([1, 0, 1, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    # ranks: P@1 = 1 (R 1/3), P@3 = 2/3 (R 2/3), P@4 = 3/4 (R 1): AP = (1 + 2/3 + 3/4) / 3
    assert auprc(scores, truth) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3, rel=1e-12)
    assert auprc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == pytest.approx(1.0)


def test_identical_scores_paired_test_policy() -> None:
    truth = np.array([0, 1, 0, 1, 1, 0])
    scores = np.array([0.1, 0.7, 0.3, 0.4, 0.9, 0.2])
    result = delong_test(scores, scores, truth)
    assert (result.statistic, result.p_value, result.difference) == (0.0, 1.0, 0.0)
    assert result.note and "zero variance" in result.summary()


def test_one_case_in_a_class_has_no_se() -> None:
    result = auc_delong([0.1, 0.2, 0.9], [0, 0, 1])
    assert result.estimate == 1.0 and math.isnan(result.se) and math.isnan(result.ci_low)
    assert result.to_dict()["se"] is None
    assert math.isnan(delong_test([0.1, 0.2, 0.9], [0.3, 0.2, 0.1], [0, 0, 1]).p_value)


def test_alpha_and_to_dict() -> None:
    case = _by_id("roc_aSAH")
    first, _, truth = _scores(case)
    wide, narrow = auc_delong(first, truth, alpha=0.01), auc_delong(first, truth, alpha=0.1)
    assert wide.ci_low < narrow.ci_low < narrow.estimate < narrow.ci_high < wide.ci_high
    exported = narrow.to_dict()
    assert {"estimate", "ci_low", "ci_high", "se"} <= set(exported)
    assert "90% CI" in narrow.summary()
    assert {"statistic", "p_value", "method"} <= set(delong_test(first, first, truth).to_dict())


@pytest.mark.parametrize(
    ("scores", "truth"),
    [
        ([0.1, 0.2], [0, 1, 1]),
        ([0.1, 0.2, 0.3], [1, 1, 1]),
        ([0.1, np.nan, 0.3], [0, 1, 1]),
        ([0.1, np.inf, 0.3], [0, 1, 1]),
        ([0.1, 0.2, 0.3], [0, 2, 1]),
        ([[0.1, 0.2]], [[0, 1]]),
        ([], []),
    ],
)
def test_bad_input_raises(scores: list, truth: list) -> None:
    for function in (auc_delong, roc_curve, youden_threshold, auprc, bootstrap_auc_ci):
        with pytest.raises(ValueError):
            function(scores, truth)


@pytest.mark.parametrize("target", [-0.1, 1.5, math.nan, "0.9"])
def test_bad_target_raises(target: object) -> None:
    with pytest.raises(ValueError):
        threshold_for_sensitivity([0.1, 0.9], [0, 1], target)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        threshold_for_specificity([0.1, 0.9], [0, 1], target)  # type: ignore[arg-type]


def test_paired_scores_must_match() -> None:
    with pytest.raises(ValueError):
        delong_test([0.1, 0.9, 0.5], [0.1, 0.9], [0, 1, 1])


# ------------------------------------------------------------------------- bootstrap
def test_bootstrap_replicate_equals_direct_auc_of_the_resample() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 60)
    truth[:2] = (0, 1)
    scores = np.round(rng.normal(truth, 1.0), 1)
    for stratified in (True, False):
        replicates, indices = bootstrap_auc_replicates(
            scores, truth, n_boot=5, seed=9, stratified=stratified, return_indices=True
        )
        for auc, index in zip(replicates, indices, strict=True):
            if stratified:
                assert truth[index].sum() == truth.sum()
            expected = roc_auc_score(truth[index], scores[index])
            assert auc == pytest.approx(expected, rel=1e-12)


def test_bootstrap_ci_close_to_delong_and_reproducible() -> None:
    case = _by_id("roc_n100_prev30")
    first, _, truth = _scores(case)
    boot = bootstrap_auc_ci(first, truth, n_boot=2000, seed=1)
    again = bootstrap_auc_ci(first, truth, n_boot=2000, seed=1)
    delong = auc_delong(first, truth)
    assert boot == again
    assert boot.estimate == delong.estimate
    assert boot.method == "bootstrap_percentile" and boot.n_boot == 2000 and boot.stratified
    assert boot.ci_low == pytest.approx(delong.ci_low, abs=0.02)
    assert boot.ci_high == pytest.approx(delong.ci_high, abs=0.02)
    assert boot.se == pytest.approx(delong.se, rel=0.15)
    assert bootstrap_auc_ci(first, truth, n_boot=2000, seed=2) != boot
    assert bootstrap_auc_ci(first, truth, n_boot=500, seed=1, stratified=False).stratified is False


@pytest.mark.parametrize("kwargs", [{"n_boot": 0}, {"n_boot": 2.5}, {"alpha": 1.0}, {"seed": "x"}])
def test_bootstrap_bad_settings(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        bootstrap_auc_ci([0.1, 0.4, 0.3, 0.9], [0, 0, 1, 1], **kwargs)
