"""Cohen's kappa against the R reference (FCE 1969 variances, vcd::Kappa) - cases ``kappa_*``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from reference_cases import ReferenceCase, assert_close, case_params
from sklearn.metrics import cohen_kappa_score

from studies.analysis.kappa import UNDEFINED_NOTE, cohen_kappa, contingency_table

CASES = case_params("kappa")
WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}


def _ratings(case: ReferenceCase) -> tuple[np.ndarray, np.ndarray]:
    return case.column("rater1", int), case.column("rater2", int)


@pytest.mark.parametrize("weight_name", sorted(WEIGHTS))
@pytest.mark.parametrize("case", CASES)
def test_matches_R(case: ReferenceCase, weight_name: str) -> None:
    expected = case.expected
    want = expected[weight_name]
    result = cohen_kappa(*_ratings(case), weights=WEIGHTS[weight_name], levels=expected["levels"])
    assert result.weights == weight_name
    assert result.n == expected["n"]
    assert [list(row) for row in result.table] == expected["table"]
    assert_close(result.kappa, want["kappa"], "kappa")
    assert_close(result.p_observed, want["p_observed"], "p_observed")
    assert_close(result.p_expected, want["p_expected"], "p_expected")
    assert_close(result.se, want["se"], "se")
    assert_close(result.se_null, want["se0"], "se0")
    assert_close(result.ci_low, want["ci_lower"], "ci_lower")
    assert_close(result.ci_high, want["ci_upper"], "ci_upper")
    assert_close(result.statistic, want["z"], "z")
    assert_close(result.p_value, want["p_value_two_sided"], "p")
    vcd_value, vcd_se = expected["cross_checks"]["vcd_Kappa"][weight_name]
    assert_close(result.se, vcd_se, "vcd ASE")
    assert_close(result.kappa, vcd_value, "vcd kappa")


def test_missing_level_keeps_declared_table() -> None:
    """Rater 2 never says 5: the table stays 5 x 5 (a per-rater crosstab would be 5 x 4)."""
    (case,) = [p.values[0] for p in CASES if p.id == "kappa_ordinal5_missing_level_n60"]
    first, second = _ratings(case)
    declared = cohen_kappa(first, second, weights="linear", levels=[1, 2, 3, 4, 5])
    inferred = cohen_kappa(first, second, weights="linear")  # union of both raters: 1..5
    assert inferred.kappa == pytest.approx(declared.kappa, rel=1e-12)
    assert declared.table[4] == (0, 0, 1, 11, 0)
    assert [row[4] for row in declared.table] == [0] * 5


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_unused_inner_level_changes_weighted_kappa(weights: str) -> None:
    """Nobody uses level 3: weights on the declared 1..5 scale differ from those on 1,2,4,5."""
    r1 = [1, 2, 2, 4, 5, 5, 1, 4, 2, 5]
    r2 = [1, 2, 4, 4, 4, 5, 2, 5, 1, 5]
    declared = cohen_kappa(r1, r2, weights=weights, levels=[1, 2, 3, 4, 5])
    observed = cohen_kappa(r1, r2, weights=weights)
    assert observed.levels == (1, 2, 4, 5)
    assert declared.kappa != pytest.approx(observed.kappa, rel=1e-3)
    assert declared.kappa == pytest.approx(
        cohen_kappa_score(r1, r2, labels=[1, 2, 3, 4, 5], weights=weights), rel=1e-12
    )


def test_perfect_agreement() -> None:
    (case,) = [p.values[0] for p in CASES if p.id == "kappa_binary_perfect_n25"]
    result = cohen_kappa(*_ratings(case))
    assert result.kappa == 1.0 and result.se == 0.0
    assert result.ci_low == result.ci_high == 1.0
    assert result.se_null == pytest.approx(0.2) and result.statistic == pytest.approx(5.0)
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_agrees_with_sklearn_on_random_bi_rads(weights: str | None) -> None:
    rng = np.random.default_rng(7)
    scale = ["3", "4A", "4B", "4C", "5"]
    first = rng.integers(0, 5, 200)
    second = np.clip(first + rng.integers(-1, 2, 200), 0, 4)
    r1, r2 = [scale[i] for i in first], [scale[i] for i in second]
    result = cohen_kappa(r1, r2, weights=weights, levels=scale)
    reference = cohen_kappa_score(r1, r2, labels=scale, weights=weights)
    assert result.kappa == pytest.approx(reference, rel=1e-12)
    assert result.levels == tuple(scale)
    assert result.to_dict()["levels"] == scale


def test_string_levels_and_alpha() -> None:
    r1 = ["benign", "malignant", "malignant", "benign", "benign", "malignant"]
    r2 = ["benign", "malignant", "benign", "benign", "malignant", "malignant"]
    narrow = cohen_kappa(r1, r2, alpha=0.5)
    wide = cohen_kappa(r1, r2, alpha=0.01)
    assert narrow.kappa == pytest.approx(1 / 3)
    assert wide.ci_low < narrow.ci_low < narrow.kappa < narrow.ci_high < wide.ci_high
    assert "kappa (unweighted) 0.333" in narrow.summary()


def test_single_shared_level_is_undefined() -> None:
    result = cohen_kappa([1, 1, 1], [1, 1, 1], levels=[0, 1])
    assert math.isnan(result.kappa) and result.note == UNDEFINED_NOTE
    exported = result.to_dict()
    assert exported["kappa"] is None and exported["note"] == UNDEFINED_NOTE
    json.dumps(exported, allow_nan=False)


def test_contingency_table_orientation() -> None:
    table, levels = contingency_table([0, 0, 1], [1, 0, 1])
    assert levels == (0, 1)
    assert table.tolist() == [[1, 1], [0, 1]]  # rows = rater 1


@pytest.mark.parametrize(
    ("r1", "r2", "kwargs"),
    [
        ([1, 2], [1, 2, 3], {}),
        ([], [], {}),
        ([1, 2, 6], [1, 2, 3], {"levels": [1, 2, 3]}),
        ([1, 2], [1, 2], {"levels": [1, 1, 2]}),
        ([1, 1], [1, 1], {}),
        ([1, None], [1, 2], {}),
        ([1.0, math.nan], [1, 2], {}),
        ([1, 2], [1, 2], {"weights": "cubic"}),
        ([1, 2], [1, 2], {"alpha": 5}),
        ([[1, 2]], [[1, 2]], {}),
        ([1, "a"], [1, 2], {}),
    ],
)
def test_bad_input_raises(r1: list, r2: list, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        cohen_kappa(r1, r2, **kwargs)
