"""Diagnostic metrics against R (prop.test, binom.test) - reference cases ``diag_*``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from reference_cases import REL_TOL, ReferenceCase, assert_close, case_params

from studies.analysis.diagnostic import diagnostic_metrics, reader_averaged_metrics

NAMES = ("accuracy", "sensitivity", "specificity", "ppv", "npv")
# our CI method -> (reference key, relative tolerance)
METHODS = {
    "wilson_cc": ("wilson_cc", REL_TOL),
    "wilson": ("wilson", REL_TOL),
    "clopper_pearson": ("clopper_pearson", REL_TOL),
}


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("case", case_params("diagnostic_metrics"))
def test_matches_R(case: ReferenceCase, method: str) -> None:
    expected = case.expected
    result = diagnostic_metrics(
        case.column("truth", int), case.column("reader_call", int), ci_method=method
    )
    assert (result.tp, result.fp, result.tn, result.fn) == tuple(
        expected[k] for k in ("tp", "fp", "tn", "fn")
    )
    key, rel = METHODS[method]
    for name in NAMES:
        got, want = getattr(result, name), expected[name]
        assert (got.x, got.n) == (want["x"], want["n"]), name
        assert_close(got.estimate, want["estimate"], f"{name}.estimate")
        if want["estimate"] is None:
            assert math.isnan(got.ci_low) and math.isnan(got.ci_high)
            continue
        assert_close(got.ci_low, want[key]["lower"], f"{name}.{key}.lower", rel)
        assert_close(got.ci_high, want[key]["upper"], f"{name}.{key}.upper", rel)
    if expected["f1"] is None:
        assert result.f1 is None
    else:
        assert_close(result.f1, expected["f1"], "f1")


@pytest.mark.parametrize("case", case_params("diagnostic_metrics"))
def test_default_is_the_papers_convention_against_R(case: ReferenceCase) -> None:
    """Defaults: accuracy as R binom.test (Clopper–Pearson), the rest as R prop.test."""
    result = diagnostic_metrics(case.column("truth", int), case.column("reader_call", int))
    for name in NAMES:
        got, want = getattr(result, name), case.expected[name]
        key = "clopper_pearson" if name == "accuracy" else "wilson_cc"
        assert got.method == key, name
        if want["estimate"] is None:
            assert math.isnan(got.ci_low) and math.isnan(got.ci_high)
            continue
        assert_close(got.ci_low, want[key]["lower"], f"{name}.{key}.lower", REL_TOL)
        assert_close(got.ci_high, want[key]["upper"], f"{name}.{key}.upper", REL_TOL)


def test_undefined_specificity_exports_null() -> None:
    """Only diseased cases: specificity is 0/0 (R/epiR: NA)."""
    result = diagnostic_metrics([1, 1, 1, 1], [1, 0, 1, 1])
    exported = result.to_dict()
    assert exported["specificity"]["estimate"] is None
    assert exported["specificity"]["n"] == 0
    assert exported["sensitivity"]["estimate"] == pytest.approx(0.75)
    json.dumps(exported, allow_nan=False)


def test_f1_undefined_without_positives() -> None:
    result = diagnostic_metrics([0, 0, 0], [0, 0, 0])
    assert result.f1 is None
    assert result.to_dict()["f1"] is None
    assert result.specificity.estimate == 1.0


def test_counts_and_booleans() -> None:
    truth = np.array([True, True, False, False, True])
    call = np.array([True, False, True, False, True])
    result = diagnostic_metrics(truth, call)
    assert (result.tp, result.fp, result.tn, result.fn) == (2, 1, 1, 1)
    assert result.n == 5
    assert result.f1 == pytest.approx(4 / 6)
    assert "TP=2" in result.summary()


@pytest.mark.parametrize(
    ("truth", "decision"),
    [
        ([1, 0, 2], [1, 0, 1]),
        ([1, 0], [1, 0, 1]),
        ([], []),
        ([[1, 0]], [[1, 0]]),
        ([1, 0, np.nan], [1, 0, 1]),
        (["1", "0"], [1, 0]),
    ],
)
def test_bad_input_raises(truth: object, decision: object) -> None:
    with pytest.raises(ValueError):
        diagnostic_metrics(truth, decision)


# ------------------------------------------------------------------------- reader-averaged
def test_reader_averaged_metrics_are_the_mean_of_each_readers_proportions() -> None:
    rng = np.random.default_rng(4)
    truth = rng.integers(0, 2, 40)
    decisions = np.where(rng.random((5, 40)) < 0.8, truth, 1 - truth)
    averaged = reader_averaged_metrics(truth, decisions)
    per_reader = [diagnostic_metrics(truth, calls) for calls in decisions]
    for name in ("sensitivity", "specificity", "accuracy"):
        expected = np.mean([getattr(metrics, name).estimate for metrics in per_reader])
        assert getattr(averaged, name) == pytest.approx(expected, rel=1e-12)
    assert averaged.to_dict() == {
        "sensitivity": averaged.sensitivity,
        "specificity": averaged.specificity,
        "accuracy": averaged.accuracy,
    }
    assert "(reader mean)" in averaged.summary()


def test_reader_averaged_metrics_without_benign_cases() -> None:
    averaged = reader_averaged_metrics([1, 1], [[1, 0], [1, 1]])
    assert (averaged.sensitivity, averaged.accuracy) == (0.75, 0.75)
    assert math.isnan(averaged.specificity)
    assert averaged.to_dict()["specificity"] is None


@pytest.mark.parametrize(
    ("truth", "decisions"),
    [
        ([1, 0, 1], [1, 0, 1]),  # one reader's calls, not (readers, cases)
        ([1, 0, 1], [[1, 0]]),
        ([1, 0], np.zeros((0, 2))),
        ([], np.zeros((1, 0))),
        ([1, 0], [[1, 2]]),
        ([1, 3], [[1, 0]]),
    ],
)
def test_reader_averaged_metrics_bad_input(truth: object, decisions: object) -> None:
    with pytest.raises(ValueError):
        reader_averaged_metrics(truth, decisions)
