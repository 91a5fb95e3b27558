"""Obuchowski–Rockette MRMC analysis against published results and independent computations.

Reference results (see ``tests/unit/analysis/data/README.md`` for provenance):

* RJAFROC — RJafroc book, "Obuchowski Rockette Applications" (dataset02 = Van Dyke data,
  Wilcoxon AUC, jackknife covariance), printed with ``digits = 4``.
* MRMCAOV — MRMCaov JSS manuscript ``docs/jss/MRMCaov.tex`` (VanDyke data): empirical AUC with
  DeLong covariance (RRRC), with jackknife covariance (fixed readers; fixed cases) and the
  sensitivity of ``rating >= 3`` with jackknife covariance, printed to 7 significant digits.

Van Dyke treatment 1 is our first modality, treatment 2 the second; the published contrasts are
"1 − 2", ours "second − first", so published differences and CIs appear here negated.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from reference_cases import ReferenceCase, case_params
from statsmodels.formula.api import ols

from studies.analysis.figures_of_merit import (
    TooFewCasesError,
    figures_of_merit,
    jackknife_figures_of_merit,
)
from studies.analysis.mrmc import mean_squares, obuchowski_rockette
from studies.analysis.mrmc_covariance import estimate_or_covariances, or_covariances

DATA = Path(__file__).parent / "data"
NAMES = ("trt1", "trt2")

# Tolerances: half a unit in the last published digit.
SEVEN_SIG = 5e-8  # MRMCaov values such as 0.05123303 (7 significant digits, 8 decimals)


@pytest.fixture(scope="module")
def vandyke() -> tuple[np.ndarray, np.ndarray]:
    """Van Dyke ratings (2 treatments, 5 readers, 114 cases) and truth."""
    table = pd.read_csv(DATA / "vandyke.csv")
    assert len(table) == 2 * 5 * 114
    ratings = table.pivot_table(index=["treatment", "reader"], columns="case", values="rating")
    scores = ratings.to_numpy().reshape(2, 5, 114)
    truth = table.groupby("case")["truth"].first().to_numpy()
    assert int(truth.sum()) == 45 and int((truth == 0).sum()) == 69
    return scores, truth


@pytest.fixture(scope="module")
def jackknife_auc(vandyke):
    scores, truth = vandyke
    return obuchowski_rockette(scores, truth, "jackknife", modality_names=NAMES)


@pytest.fixture(scope="module")
def delong_auc(vandyke):
    scores, truth = vandyke
    return obuchowski_rockette(scores, truth, "delong", modality_names=NAMES)


# --------------------------------------------------------------------------- published: AUC
def test_vandyke_auc_table_matches_mrmcaov(jackknife_auc):
    # MRMCaov "Single reader 95% CIs", empirical_auc column.
    published = [
        [0.9196457, 0.8587762, 0.9038647, 0.9731079, 0.8297907],
        [0.9478261, 0.9053140, 0.9217391, 0.9993559, 0.9299517],
    ]
    np.testing.assert_allclose(jackknife_auc.fom, published, atol=SEVEN_SIG)
    np.testing.assert_allclose(jackknife_auc.mean_fom, [0.8970370, 0.9408374], atol=SEVEN_SIG)
    assert jackknife_auc.difference == pytest.approx(0.04380032, abs=SEVEN_SIG)


def test_vandyke_jackknife_variance_components_match_mrmcaov_and_rjafroc(jackknife_auc):
    vc = jackknife_auc.variance_components
    # MRMCaov, fixed readers, jackknife (10 decimals published).
    assert vc.var == pytest.approx(0.0008022883, abs=5e-11)
    assert vc.cov1 == pytest.approx(0.0003466137, abs=5e-11)
    assert vc.cov2 == pytest.approx(0.0003440748, abs=5e-11)
    assert vc.cov3 == pytest.approx(0.0002390284, abs=5e-11)
    assert vc.var_r == pytest.approx(0.0015349993, abs=5e-11)
    assert vc.var_tr == pytest.approx(0.0002004025, abs=5e-11)
    assert vc.rho1 == pytest.approx(0.4320314, abs=SEVEN_SIG)
    assert vc.rho3 == pytest.approx(0.2979333, abs=SEVEN_SIG)
    assert vc.ms_t == pytest.approx(0.004796171, abs=5e-10)
    assert vc.ms_tr == pytest.approx(0.0005510306, abs=5e-11)
    # RJafroc TRanova: R row SS 0.015345 on 4 df; msREachTrt; cov2EachTrt; varEachTrt.
    assert vc.ms_r * 4 == pytest.approx(0.015345, abs=5e-7)
    np.testing.assert_allclose(vc.ms_r_by_modality, [0.003083, 0.001305], atol=5e-7)
    cov = jackknife_auc.covariances
    np.testing.assert_allclose(cov.var_by_modality, [0.0010141028, 0.0005904738], atol=5e-11)
    np.testing.assert_allclose(cov.cov2_by_modality, [0.0004839618, 0.0002041879], atol=5e-11)
    # RJafroc IndividualRdr (4 significant digits).
    np.testing.assert_allclose(
        cov.var_by_reader, [0.0006989, 0.0011061, 0.0008423, 0.0001506, 0.0012136], atol=5e-8
    )
    np.testing.assert_allclose(
        cov.cov1_by_reader, [3.735e-4, 7.602e-4, 3.553e-4, 1.083e-6, 2.430e-4], rtol=5e-4
    )


def test_vandyke_jackknife_random_readers_random_cases_matches_rjafroc(jackknife_auc):
    rrrc = jackknife_auc.random_readers_random_cases
    assert rrrc.statistic == pytest.approx(4.456, abs=5e-4)
    assert rrrc.df1 == 1
    assert rrrc.df2 == pytest.approx(15.26, abs=5e-3)
    assert rrrc.p_value == pytest.approx(0.05167, abs=5e-6)
    assert rrrc.std_error == pytest.approx(0.0207, abs=5e-5)
    # Published CI of trt0 − trt1: (−0.0879595, 0.0003589).
    assert rrrc.ci_low == pytest.approx(-0.0003589, abs=5e-8)
    assert rrrc.ci_high == pytest.approx(0.0879595, abs=5e-8)
    assert (jackknife_auc.ci_low, jackknife_auc.ci_high) == (rrrc.ci_low, rrrc.ci_high)
    assert jackknife_auc.p_value == rrrc.p_value
    # ciAvgRdrEachTrt: StdErr, DF, CILower, CIUpper.
    published = [(0.03317, 12.74, 0.8252, 0.9689), (0.02157, 12.71, 0.8941, 0.9875)]
    for got, (se, df, low, high) in zip(rrrc.modalities, published, strict=True):
        assert got.std_error == pytest.approx(se, abs=5e-6)
        assert got.df == pytest.approx(df, abs=5e-3)
        assert got.ci_low == pytest.approx(low, abs=5e-5)
        assert got.ci_high == pytest.approx(high, abs=5e-5)


def test_vandyke_jackknife_fixed_readers_matches_mrmcaov(jackknife_auc):
    frrc = jackknife_auc.fixed_readers_random_cases
    assert frrc.statistic_name == "chi2"
    assert frrc.statistic == pytest.approx(5.475953, abs=5e-7)
    assert math.isinf(frrc.df2)
    assert frrc.p_value == pytest.approx(0.01927984, abs=SEVEN_SIG)
    assert frrc.std_error == pytest.approx(0.01871748, abs=SEVEN_SIG)
    assert frrc.ci_low == pytest.approx(0.00711473, abs=SEVEN_SIG)
    assert frrc.ci_high == pytest.approx(0.08048591, abs=SEVEN_SIG)
    published_modalities = [
        (0.02428971, 0.8494301, 0.9446440),
        (0.01677632, 0.9079564, 0.9737183),
    ]
    for got, (se, low, high) in zip(frrc.modalities, published_modalities, strict=True):
        assert got.std_error == pytest.approx(se, abs=SEVEN_SIG)
        assert (got.ci_low, got.ci_high) == pytest.approx((low, high), abs=SEVEN_SIG)
    # Reader-specific comparisons (estimate, StdErr, CI, p), published as 1 − 2.
    published_readers = [
        (-0.02818035, 0.02551213, -0.078183215, 0.021822507, 0.26933885),
        (-0.04653784, 0.02630183, -0.098088476, 0.005012792, 0.07683102),
        (-0.01787440, 0.03120965, -0.079044180, 0.043295388, 0.56683414),
        (-0.02624799, 0.01729129, -0.060138290, 0.007642316, 0.12901715),
        (-0.10016103, 0.04405746, -0.186512066, -0.013809995, 0.02300099),
    ]
    for got, (est, se, low, high, p) in zip(
        frrc.reader_differences, published_readers, strict=True
    ):
        assert got.estimate == pytest.approx(-est, abs=SEVEN_SIG)
        assert got.std_error == pytest.approx(se, abs=SEVEN_SIG)
        assert (got.ci_low, got.ci_high) == pytest.approx((-high, -low), abs=5e-9)
        assert got.p_value == pytest.approx(p, abs=5e-9)


def test_vandyke_random_readers_fixed_cases_matches_mrmcaov(jackknife_auc):
    rrfc = jackknife_auc.random_readers_fixed_cases
    assert rrfc.statistic == pytest.approx(8.704, abs=5e-4)
    assert (rrfc.df1, rrfc.df2) == (1, 4)
    assert rrfc.p_value == pytest.approx(0.04195875, abs=SEVEN_SIG)
    assert rrfc.std_error == pytest.approx(0.01484629, abs=SEVEN_SIG)
    assert rrfc.ci_low == pytest.approx(0.00258042, abs=SEVEN_SIG)
    assert rrfc.ci_high == pytest.approx(0.08502022, abs=SEVEN_SIG)
    published = [(0.02482994, 0.8280981, 0.9659760), (0.01615303, 0.8959894, 0.9856854)]
    for got, (se, low, high) in zip(rrfc.modalities, published, strict=True):
        assert got.df == 4
        assert got.std_error == pytest.approx(se, abs=SEVEN_SIG)
        assert (got.ci_low, got.ci_high) == pytest.approx((low, high), abs=SEVEN_SIG)


def test_vandyke_delong_random_readers_random_cases_matches_mrmcaov(delong_auc):
    vc = delong_auc.variance_components
    assert vc.var == pytest.approx(0.0007921325, abs=5e-11)
    assert vc.cov1 == pytest.approx(0.0003420090, abs=5e-11)
    assert vc.cov2 == pytest.approx(0.0003395265, abs=5e-11)
    assert vc.cov3 == pytest.approx(0.0002358497, abs=5e-11)
    assert vc.var_r == pytest.approx(0.0015364254, abs=5e-11)
    assert vc.var_tr == pytest.approx(0.0002045840, abs=5e-11)
    rrrc = delong_auc.random_readers_random_cases
    assert rrrc.statistic == pytest.approx(4.484854, abs=5e-7)
    assert rrrc.df2 == pytest.approx(15.06611, abs=5e-6)
    assert rrrc.p_value == pytest.approx(0.05123303, abs=SEVEN_SIG)
    assert rrrc.std_error == pytest.approx(0.0206825, abs=SEVEN_SIG)
    assert rrrc.ci_low == pytest.approx(-0.0002665519, abs=5e-11)
    assert rrrc.ci_high == pytest.approx(0.0878671960, abs=5e-11)
    published = [
        (0.0004775239, 0.03307642, 12.59597, 0.8253461, 0.9687280),
        (0.0002015292, 0.02150464, 12.56530, 0.8942155, 0.9874592),
    ]
    for i, (cov2, se, df, low, high) in enumerate(published):
        got = rrrc.modalities[i]
        assert delong_auc.covariances.cov2_by_modality[i] == pytest.approx(cov2, abs=5e-11)
        assert got.std_error == pytest.approx(se, abs=SEVEN_SIG)
        assert got.df == pytest.approx(df, abs=5e-6)
        assert (got.ci_low, got.ci_high) == pytest.approx((low, high), abs=SEVEN_SIG)


# --------------------------------------------------------------------------- published: sensitivity
def test_vandyke_sensitivity_jackknife_matches_mrmcaov(vandyke):
    scores, truth = vandyke
    decisions = (scores >= 3).astype(float)
    result = obuchowski_rockette(decisions, truth, "jackknife", "sensitivity", modality_names=NAMES)
    np.testing.assert_allclose(
        result.fom,
        [[0.889, 0.778, 0.822, 0.933, 0.689], [0.978, 0.822, 0.911, 1.0, 0.889]],
        atol=5e-4,
    )
    vc = result.variance_components
    assert vc.var == pytest.approx(0.0023681257, abs=5e-11)
    assert vc.cov1 == pytest.approx(0.0009943883, abs=5e-11)
    assert vc.cov2 == pytest.approx(0.0010145903, abs=5e-11)
    assert vc.cov3 == pytest.approx(0.0006604938, abs=5e-11)
    assert vc.var_r == pytest.approx(0.0049747475, abs=5e-11)
    assert vc.var_tr == pytest.approx(0.0007828283, abs=5e-11)
    assert vc.ms_t == pytest.approx(0.02390123, abs=5e-9)
    assert vc.ms_tr == pytest.approx(0.001802469, abs=5e-10)
    rrrc = result.random_readers_random_cases
    assert rrrc.statistic == pytest.approx(6.689493, abs=5e-7)
    assert rrrc.df2 == pytest.approx(15.71732, abs=5e-6)
    assert rrrc.p_value == pytest.approx(0.02008822, abs=SEVEN_SIG)
    assert rrrc.difference == pytest.approx(0.09777778, abs=SEVEN_SIG)
    assert rrrc.std_error == pytest.approx(0.03780451, abs=SEVEN_SIG)
    assert (rrrc.ci_low, rrrc.ci_high) == pytest.approx((0.0175185, 0.1780371), abs=SEVEN_SIG)
    published = [
        (0.8222222, 0.001646465, 0.05893747, 14.456811, 0.6961876, 0.9482568),
        (0.9200000, 0.000382716, 0.03741657, 7.575855, 0.8328691, 1.0000000),
    ]
    for i, (est, cov2, se, df, low, high) in enumerate(published):
        got = rrrc.modalities[i]
        assert got.estimate == pytest.approx(est, abs=SEVEN_SIG)
        assert result.covariances.cov2_by_modality[i] == pytest.approx(cov2, abs=5e-10)
        assert got.std_error == pytest.approx(se, abs=SEVEN_SIG)
        assert got.df == pytest.approx(df, abs=5e-7)
        assert (got.ci_low, got.ci_high) == pytest.approx((low, high), abs=SEVEN_SIG)
    assert rrrc.modalities[1].ci_high == 1.0  # clipped to the range of a proportion


# --------------------------------------------------------------------------- independent checks
def _kernel_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    diff = positive[:, None] - negative[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def _brute_force_delong(matrix: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """DeLong (1988) covariance from the O(m·n) kernel, not from ranks."""
    pos, neg = matrix[:, truth == 1], matrix[:, truth == 0]
    psi = [
        (p[:, None] > q[None, :]) + 0.5 * (p[:, None] == q[None, :])
        for p, q in zip(pos, neg, strict=True)
    ]
    v10 = np.array([k.mean(axis=1) for k in psi])
    v01 = np.array([k.mean(axis=0) for k in psi])
    return np.cov(v10) / pos.shape[1] + np.cov(v01) / neg.shape[1]


def _brute_force_jackknife(matrix: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Jackknife covariance by recomputing every AUC with each case deleted."""
    n_cases = matrix.shape[1]
    values = np.empty((matrix.shape[0], n_cases))
    for k in range(n_cases):
        keep = np.arange(n_cases) != k
        sub, lab = matrix[:, keep], truth[keep]
        values[:, k] = [_kernel_auc(row[lab == 1], row[lab == 0]) for row in sub]
    centred = values - values.mean(axis=1, keepdims=True)
    return (n_cases - 1) / n_cases * centred @ centred.T


def _small_study(seed: int, readers: int = 3, cases: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.r_[np.ones(cases // 3), np.zeros(cases - cases // 3)].astype(int)
    latent = rng.normal(size=cases) + 1.2 * truth
    scores = latent + rng.normal(scale=0.8, size=(2, readers, cases))
    scores[1] += 0.4 * truth  # the second modality separates better
    return np.round(scores * 3) / 3, truth  # coarse grid -> ties


@pytest.mark.parametrize("method", ["delong", "jackknife"])
def test_covariances_equal_brute_force_estimators(method):
    scores, truth = _small_study(seed=7)
    flat = scores.reshape(6, -1)
    brute = _brute_force_delong(flat, truth) if method == "delong" else None
    if method == "jackknife":
        brute = _brute_force_jackknife(flat, truth)
    expected = or_covariances(brute, 2, 3, method)
    got = estimate_or_covariances(scores, truth, "auc", method)
    np.testing.assert_allclose(got.matrix, brute, rtol=1e-12, atol=1e-15)
    assert (got.var, got.cov1, got.cov2, got.cov3) == pytest.approx(
        (expected.var, expected.cov1, expected.cov2, expected.cov3), rel=1e-12
    )
    # Averaging by hand for the 2 × 3 layout (index = modality * 3 + reader).
    assert got.cov1 == pytest.approx(np.mean([brute[j, 3 + j] for j in range(3)]), rel=1e-12)
    pairs = [(a, b) for a in range(3) for b in range(3) if a != b]
    assert got.cov3 == pytest.approx(np.mean([brute[a, 3 + b] for a, b in pairs]), rel=1e-12)


def test_jackknife_auc_from_placements_equals_refitting():
    scores, truth = _small_study(seed=11, readers=2, cases=30)
    flat = scores.reshape(4, -1)
    fast = jackknife_figures_of_merit(flat, truth, "auc")
    for k in range(flat.shape[1]):
        keep = np.arange(flat.shape[1]) != k
        for row in range(flat.shape[0]):
            sub, lab = flat[row, keep], truth[keep]
            assert fast[row, k] == pytest.approx(_kernel_auc(sub[lab == 1], sub[lab == 0]))


def test_mean_squares_equal_statsmodels_two_way_anova(jackknife_auc):
    table = pd.DataFrame(
        [{"t": i, "r": j, "auc": jackknife_auc.fom[i, j]} for i in range(2) for j in range(5)]
    )
    anova = sm.stats.anova_lm(ols("auc ~ C(t) + C(r)", data=table).fit(), typ=2)
    mean_sq = anova["sum_sq"] / anova["df"]
    ms_t, ms_r, ms_tr, _ = mean_squares(jackknife_auc.fom)
    assert ms_t == pytest.approx(mean_sq["C(t)"], rel=1e-10)
    assert ms_r == pytest.approx(mean_sq["C(r)"], rel=1e-10)
    assert ms_tr == pytest.approx(mean_sq["Residual"], rel=1e-10)  # one read per cell


PAIRED_DELONG_CASES = [
    param for param in case_params("roc_delong") if "paired_delong_test" in param.values[0].expected
]


def test_paired_delong_reference_cases_exist():
    assert len(PAIRED_DELONG_CASES) >= 3


@pytest.mark.parametrize("case", PAIRED_DELONG_CASES)
def test_one_reader_fixed_readers_is_the_paired_delong_test_of_proc(case: ReferenceCase):
    """With one reader, FRRC + DeLong is DeLong's paired test (R pROC::roc.test)."""
    expected = case.expected["paired_delong_test"]
    truth = case.column("truth", int)
    scores = np.stack([case.column("score1"), case.column("score2")])[:, np.newaxis, :]
    result = obuchowski_rockette(scores, truth, "delong")
    frrc = result.fixed_readers_random_cases
    # pROC reports score1 − score2; we report second − first.
    assert result.fom[:, 0] == pytest.approx([expected["auc1"], expected["auc2"]], abs=1e-12)
    assert frrc.difference == pytest.approx(-expected["auc_diff"], abs=1e-12)
    assert math.sqrt(frrc.statistic) == pytest.approx(abs(expected["z"]), rel=1e-9)
    assert frrc.p_value == pytest.approx(expected["p_value"], rel=1e-7)
    assert frrc.ci_low == pytest.approx(-expected["ci_diff_upper"], abs=1e-9)
    assert frrc.ci_high == pytest.approx(-expected["ci_diff_lower"], abs=1e-9)
    reader = frrc.reader_differences[0]
    assert reader.statistic == pytest.approx(-expected["z"], rel=1e-9)
    # One reader: RRRC and RRFC are undefined and say so.
    assert not result.random_readers_random_cases.defined
    assert "one reader" in result.random_readers_random_cases.method
    assert not result.random_readers_fixed_cases.defined
    assert math.isnan(result.ci_low) and math.isnan(result.p_value)
    json.dumps(result.to_dict(), allow_nan=False)  # NaN must not leak into JSON


# --------------------------------------------------------------------------- properties
def test_specificity_is_sensitivity_of_the_complement(vandyke):
    scores, truth = vandyke
    decisions = (scores >= 3).astype(float)
    spec = obuchowski_rockette(decisions, truth, "jackknife", "specificity")
    mirrored = obuchowski_rockette(1.0 - decisions, 1 - truth, "jackknife", "sensitivity")
    np.testing.assert_allclose(spec.fom, mirrored.fom, atol=1e-15)
    assert spec.n_benign == 69 and spec.n_malignant == 45
    for name in ("random_readers_random_cases", "fixed_readers_random_cases"):
        a, b = getattr(spec, name), getattr(mirrored, name)
        assert (a.statistic, a.p_value, a.ci_low, a.ci_high) == pytest.approx(
            (b.statistic, b.p_value, b.ci_low, b.ci_high), rel=1e-12
        )
    # Specificity in Van Dyke is computed on the 69 benign cases only.
    assert spec.fom[0, 0] == pytest.approx(np.mean(decisions[0, 0, truth == 0] == 0))


def test_swapping_modalities_negates_the_difference_and_keeps_p(vandyke):
    scores, truth = vandyke
    forward = obuchowski_rockette(scores, truth)
    backward = obuchowski_rockette(scores[::-1], truth, modality_names=("aided", "unaided"))
    assert backward.difference == pytest.approx(-forward.difference, abs=1e-15)
    for name in ("random_readers_random_cases", "fixed_readers_random_cases"):
        f, b = getattr(forward, name), getattr(backward, name)
        assert b.p_value == pytest.approx(f.p_value, rel=1e-12)
        assert (b.ci_low, b.ci_high) == pytest.approx((-f.ci_high, -f.ci_low), abs=1e-15)


def test_confidence_interval_and_test_agree(vandyke):
    scores, truth = vandyke
    for alpha in (0.0517, 0.0516, 0.10, 0.01):
        rrrc = obuchowski_rockette(scores, truth, "jackknife", alpha=alpha)
        rrrc = rrrc.random_readers_random_cases
        assert (rrrc.p_value < alpha) == (rrrc.ci_low > 0 or rrrc.ci_high < 0)
        assert rrrc.statistic == pytest.approx((rrrc.difference / rrrc.std_error) ** 2)


def test_identical_modalities_give_zero_difference_and_p_one():
    scores, truth = _small_study(seed=3)
    same = np.stack([scores[0], scores[0]])
    result = obuchowski_rockette(same, truth, "jackknife")
    assert result.difference == 0.0
    for analysis in (
        result.random_readers_random_cases,
        result.fixed_readers_random_cases,
        result.random_readers_fixed_cases,
    ):
        assert analysis.statistic == 0.0
        assert analysis.p_value == pytest.approx(1.0)
    # Identical modalities: the difference is 0 on every case sample (Cov3 = Cov2,
    # MS(T×R) = 0), so its variance is 0 too and the CI collapses to the point 0.
    rrrc = result.random_readers_random_cases
    assert (rrrc.std_error, rrrc.ci_low, rrrc.ci_high) == (0.0, 0.0, 0.0)
    # The per-modality CIs still carry reader and case variability.
    assert all(m.ci_high - m.ci_low > 0.05 for m in rrrc.modalities)


def test_perfect_readers_have_zero_covariance_and_a_degenerate_but_valid_result():
    truth = np.r_[np.ones(10), np.zeros(15)].astype(int)
    scores = np.broadcast_to(truth * 90.0 + 5.0, (2, 4, 25)).copy()
    scores[1] += np.arange(4)[:, None]  # different scales, still perfectly separating
    for method in ("delong", "jackknife"):
        result = obuchowski_rockette(scores, truth, method)
        assert np.all(result.fom == 1.0)
        vc = result.variance_components
        assert (vc.var, vc.cov1, vc.cov2, vc.cov3, vc.ms_tr) == (0.0, 0.0, 0.0, 0.0, 0.0)
        rrrc = result.random_readers_random_cases
        assert (rrrc.statistic, rrrc.p_value, rrrc.ci_low, rrrc.ci_high) == (0.0, 1.0, 0.0, 0.0)
        assert result.fixed_readers_random_cases.p_value == 1.0
        json.dumps(result.to_dict(), allow_nan=False)


def test_ties_are_scored_one_half():
    truth = np.array([1, 1, 0, 0, 0])
    constant = np.full((2, 2, 5), 50.0)
    constant[1, :, 0] = 60.0  # second modality ranks one malignant case above every benign one
    result = obuchowski_rockette(constant, truth, "jackknife")
    np.testing.assert_allclose(result.fom[0], 0.5)
    np.testing.assert_allclose(result.fom[1], (3 + 0.5 * 3) / 6)


def test_to_dict_is_json_ready_and_keyed_by_names(delong_auc):
    out = delong_auc.to_dict()
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text)["fom"]["trt2"]["4"] == pytest.approx(0.9993559, abs=SEVEN_SIG)
    assert out["difference"]["contrast"] == "trt2 - trt1"
    # Infinite df of the chi-square test: "Inf", as the R reference vectors (null is "undefined").
    assert out["fixed_readers_random_cases"]["df2"] == "Inf"
    assert out["fixed_readers_random_cases"]["modalities"][0]["df"] == "Inf"
    assert set(out) >= {
        "random_readers_random_cases",
        "fixed_readers_random_cases",
        "random_readers_fixed_cases",
        "variance_components",
    }
    assert {"statistic", "p_value", "method"} <= set(out["random_readers_random_cases"])
    summary = delong_auc.summary()
    assert "F(1, 15.07) = 4.485" in summary and "p = 0.0512" in summary


def test_reader_ids_and_names_are_carried_through(vandyke):
    scores, truth = vandyke
    ids = ["A", "B", "C", "D", "E"]
    result = obuchowski_rockette(scores, truth, reader_ids=ids)
    assert result.reader_ids == tuple(ids)
    assert [r.reader_id for r in result.fixed_readers_random_cases.reader_differences] == ids
    assert result.modality_names == ("unaided", "aided")
    assert not result.fom.flags.writeable


# --------------------------------------------------------------------------- bad input
_T = np.r_[np.ones(4), np.zeros(6)].astype(int)
_S = np.tile(np.linspace(0, 100, 10), (2, 3, 1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": _S[0]}, "3-D"),
        ({"scores": np.concatenate([_S, _S[:1]])}, "exactly 2 modalities"),
        ({"truth": _T[:-1]}, "truth must have shape"),
        ({"truth": np.where(_T == 1, 2, 0)}, "only 1"),
        ({"scores": np.where(_S == 0, np.nan, _S)}, "NaN"),
        ({"truth": np.ones(10, int), "covariance": "jackknife"}, "at least 2"),
        ({"truth": np.ones(10, int), "covariance": "delong"}, "both classes"),
        ({"figure_of_merit": "sensitivity", "covariance": "jackknife"}, "binary decisions"),
        ({"figure_of_merit": "sensitivity", "scores": (_S > 50) * 1.0}, "DeLong"),
        ({"figure_of_merit": "ppv"}, "figure_of_merit"),
        ({"covariance": "bootstrap"}, "covariance"),
        ({"alpha": 1.5}, "alpha"),
        ({"reader_ids": ["a", "a", "b"]}, "reader_ids"),
        ({"reader_ids": ["a", "b"]}, "reader_ids"),
        ({"modality_names": ("x", "x")}, "modality_names"),
    ],
)
def test_bad_input_raises_value_error(kwargs, message):
    arguments = {"scores": _S, "truth": _T, **kwargs}
    with pytest.raises(ValueError, match=message):
        obuchowski_rockette(**arguments)


def test_figures_of_merit_reject_a_single_malignant_case_for_the_jackknife():
    truth = np.array([1, 0, 0, 0])
    with pytest.raises(ValueError, match="at least 2"):
        jackknife_figures_of_merit(np.ones((1, 4)), truth, "sensitivity")
    assert figures_of_merit(np.ones((1, 4)), truth, "sensitivity")[0] == 1.0


@pytest.mark.parametrize("figure_of_merit", ["auc", "sensitivity"])
def test_a_single_malignant_case_is_too_few_for_the_jackknife(figure_of_merit):
    truth = np.array([1, 0, 0, 0, 0])
    decisions = np.tile([1.0, 0.0, 1.0, 0.0, 0.0], (2, 2, 1))
    with pytest.raises(TooFewCasesError, match="at least 2") as raised:
        obuchowski_rockette(decisions, truth, "jackknife", figure_of_merit)
    assert isinstance(raised.value, ValueError)
    assert obuchowski_rockette(decisions, truth, "delong").fom.shape == (2, 2)


# --------------------------------------------------------------------------- simulation
def _roe_metz_null_study(rng: np.random.Generator, readers: int, cases: int):
    """Roe & Metz (1997)-style scores with no modality effect: all variance terms present."""
    truth = (np.arange(cases) < cases // 2).astype(int)
    case = rng.normal(size=cases)
    reader_sep = rng.normal(scale=0.25, size=readers)
    scores = np.empty((2, readers, cases))
    for i in range(2):
        modality_case = rng.normal(scale=0.5, size=cases)
        tr = rng.normal(scale=0.15, size=readers)
        for j in range(readers):
            separation = 1.2 + reader_sep[j] + tr[j]
            scores[i, j] = separation * truth + case + modality_case + rng.normal(size=cases)
    return scores, truth


@pytest.mark.slow
def test_type_one_error_is_near_alpha_under_the_null():
    """300 null studies: RRRC (Hillis ddf) rejects near 5 %, never wildly off (both methods)."""
    rng = np.random.default_rng(20261125)
    studies = 300
    rejections = {"delong": 0, "jackknife": 0}
    for _ in range(studies):
        scores, truth = _roe_metz_null_study(rng, readers=5, cases=60)
        for method in rejections:
            result = obuchowski_rockette(scores, truth, method)
            rejections[method] += result.p_value < 0.05
    for method, count in rejections.items():
        rate = count / studies
        # Binomial(300, 0.05): 0.05 ± 3 SE is [0.012, 0.088]; Hillis's ddf is mildly conservative.
        assert 0.01 <= rate <= 0.09, f"{method}: type-I error {rate:.3f}"
