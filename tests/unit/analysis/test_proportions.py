"""Proportion CIs against R (prop.test, binom.test, qbeta) - reference case ``binom_ci``."""

from __future__ import annotations

import json
import math

import pytest
from reference_cases import ENV_VAR, REL_TOL, assert_close, load_cases, reference_dir

from studies.analysis.numbers import json_number
from studies.analysis.proportions import ProportionResult, proportion_ci

BINOM_ROWS = load_cases("binomial_ci")[0].expected["rows"]

# method -> (key in the reference, relative tolerance)
REFERENCE_KEYS = {
    "wilson_cc": ("wilson_cc_prop_test", REL_TOL),
    "wilson": ("wilson_prop_test_nocc", REL_TOL),
    "clopper_pearson": ("clopper_pearson_binom_test", REL_TOL),
    "jeffreys": ("jeffreys_qbeta", REL_TOL),
}


@pytest.mark.parametrize("method", sorted(REFERENCE_KEYS))
@pytest.mark.parametrize("row", BINOM_ROWS, ids=[f"{r['x']}of{r['n']}" for r in BINOM_ROWS])
def test_interval_matches_R(row: dict, method: str) -> None:
    key, rel = REFERENCE_KEYS[method]
    result = proportion_ci(row["x"], row["n"], method=method)
    assert (result.x, result.n, result.method) == (row["x"], row["n"], method)
    assert_close(result.estimate, row["p_hat"], "estimate")
    assert_close(result.ci_low, row[key]["lower"], f"{method} lower", rel)
    assert_close(result.ci_high, row[key]["upper"], f"{method} upper", rel)


def test_R_cc_rule_differs_from_textbook_where_flagged() -> None:
    """At x = n/2 R applies no correction: wilson_cc equals plain Wilson, not Newcombe's cc."""
    flagged = [r for r in BINOM_ROWS if not r["r_prop_test_cc_equals_textbook"]]
    assert flagged, "the reference should contain x = n/2 rows"
    for row in flagged:
        cc = proportion_ci(row["x"], row["n"], "wilson_cc")
        plain = proportion_ci(row["x"], row["n"], "wilson")
        assert cc.ci_low == pytest.approx(plain.ci_low, rel=1e-12)
        assert cc.ci_low != pytest.approx(row["newcombe_cc_textbook"]["lower"], rel=1e-6)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [(28, 33, 0.673, 0.943), (13, 13, 0.717, 1.000)],
)
def test_paper_table_values(x: int, n: int, low: float, high: float) -> None:
    """Mao et al. 2023 report these intervals (3 decimals)."""
    result = proportion_ci(x, n)
    assert round(result.ci_low, 3) == low
    assert round(result.ci_high, 3) == high


def test_alpha_changes_width() -> None:
    wide = proportion_ci(28, 33, alpha=0.01)
    narrow = proportion_ci(28, 33, alpha=0.10)
    assert wide.ci_low < narrow.ci_low < narrow.ci_high < wide.ci_high


@pytest.mark.parametrize("method", sorted(REFERENCE_KEYS))
def test_n_zero_is_undefined_and_serialises_to_null(method: str) -> None:
    result = proportion_ci(0, 0, method=method)
    assert math.isnan(result.estimate) and math.isnan(result.ci_low) and math.isnan(result.ci_high)
    assert not result.defined
    exported = result.to_dict()
    assert exported["estimate"] is None and exported["ci_low"] is None
    assert (exported["x"], exported["n"]) == (0, 0)
    assert json.loads(json.dumps(exported)) == exported
    assert "undefined" in result.summary()


def test_to_dict_and_summary() -> None:
    result = proportion_ci(28, 33)
    exported = result.to_dict()
    assert set(exported) >= {"estimate", "ci_low", "ci_high", "x", "n"}
    assert exported["estimate"] == pytest.approx(28 / 33)
    assert "0.848" in result.summary() and "28/33" in result.summary()
    assert "95%" in result.summary()
    with pytest.raises(AttributeError):
        result.x = 3  # type: ignore[misc]


def test_json_number() -> None:
    assert json_number(math.nan) is None
    assert json_number(math.inf) == "Inf" and json_number(-math.inf) == "-Inf"
    assert json_number(0.5) == 0.5


@pytest.mark.parametrize(
    ("x", "n", "kwargs"),
    [
        (5, 3, {}),
        (-1, 3, {}),
        (1, -1, {}),
        (1.5, 3, {}),
        (True, 3, {}),
        (1, 3, {"method": "agresti"}),
        (1, 3, {"alpha": 0.0}),
        (1, 3, {"alpha": 1.2}),
    ],
)
def test_bad_input_raises(x: object, n: object, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        proportion_ci(x, n, **kwargs)  # type: ignore[arg-type]


def test_numpy_integers_are_accepted() -> None:
    import numpy as np

    result = proportion_ci(np.int64(3), np.int64(7))
    assert isinstance(result, ProportionResult) and result.x == 3 and isinstance(result.x, int)


def test_reference_loader_fails_loudly_on_a_missing_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="R reference cases not found"):
        load_cases("binomial_ci")


def test_reference_loader_honours_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = reference_dir()
    monkeypatch.setenv(ENV_VAR, str(folder))
    assert reference_dir() == folder
    with pytest.raises(LookupError):
        load_cases("no_such_kind")
