"""``to_dict()`` derived from the dataclass fields: markers, nesting, numbers, and the exact keys
that each result object writes into ``results.json``."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from studies.analysis.bootstrap import bootstrap_auc_ci
from studies.analysis.diagnostic import diagnostic_metrics, reader_averaged_metrics
from studies.analysis.kappa import cohen_kappa
from studies.analysis.mcnemar import mcnemar_test
from studies.analysis.mrmc import obuchowski_rockette
from studies.analysis.proportions import proportion_ci
from studies.analysis.result_dict import EXPORTED_WHEN_SET, NOT_EXPORTED, FieldsToDict
from studies.analysis.roc import auc_delong, delong_test, roc_curve, youden_threshold
from studies.analysis.study_results import ModelThreshold


@dataclass(frozen=True)
class _Inner(FieldsToDict):
    value: float


@dataclass(frozen=True)
class _Outer(FieldsToDict):
    name: str
    estimate: float
    inner: _Inner
    pieces: tuple[_Inner, ...]
    numbers: tuple[float, ...]
    array: np.ndarray
    alpha: float = field(default=0.05, metadata=NOT_EXPORTED)
    count: int | None = field(default=None, metadata=EXPORTED_WHEN_SET)
    flag: bool | None = field(default=None, metadata=EXPORTED_WHEN_SET)
    note: str = field(default="", metadata=EXPORTED_WHEN_SET)


def test_fields_in_order_with_markers_nesting_and_the_json_convention() -> None:
    outer = _Outer(
        "a",
        math.inf,
        _Inner(math.nan),
        (_Inner(1.0), _Inner(-math.inf)),
        (0.5, math.nan),
        np.array([np.inf, 2.0]),
    )
    exported = outer.to_dict()
    assert exported == {
        "name": "a",
        "estimate": "Inf",
        "inner": {"value": None},
        "pieces": [{"value": 1.0}, {"value": "-Inf"}],
        "numbers": [0.5, None],
        "array": ["Inf", 2.0],
    }
    assert list(exported) == ["name", "estimate", "inner", "pieces", "numbers", "array"]
    json.dumps(exported, allow_nan=False)


def test_exported_when_set_keeps_false_and_zero() -> None:
    outer = _Outer("a", 1.0, _Inner(0.0), (), (), np.zeros(0), count=0, flag=False, note="why")
    exported = outer.to_dict()
    assert (exported["count"], exported["flag"], exported["note"]) == (0, False, "why")
    assert "alpha" not in exported


_TRUTH = np.r_[np.ones(6), np.zeros(8)].astype(int)
_SCORES = np.linspace(0.0, 1.0, 14)[np.r_[8:14, 0:8]] + 0.3 * (np.arange(14) % 3)
_MRMC = obuchowski_rockette(
    np.stack([np.stack([_SCORES, _SCORES[::-1]]), np.stack([_SCORES + _TRUTH, _SCORES])]), _TRUTH
)


@pytest.mark.parametrize(
    ("result", "keys"),
    [
        (proportion_ci(3, 7), "estimate ci_low ci_high x n method"),
        (
            diagnostic_metrics([1, 0, 1, 0], [1, 1, 0, 0]),
            "tp fp tn fn accuracy sensitivity specificity ppv npv f1",
        ),
        (reader_averaged_metrics([1, 0], [[1, 0], [0, 0]]), "sensitivity specificity accuracy"),
        (mcnemar_test([1, 0, 1], [0, 0, 1]), "statistic p_value method b c n"),
        (mcnemar_test([1, 0], [1, 0]), "statistic p_value method b c n note"),
        (
            auc_delong(_SCORES, _TRUTH),
            "estimate ci_low ci_high se n_diseased n_nondiseased method",
        ),
        (
            bootstrap_auc_ci(_SCORES, _TRUTH, n_boot=20),
            "estimate ci_low ci_high se n_diseased n_nondiseased method n_boot stratified",
        ),
        (
            delong_test(_SCORES, _SCORES[::-1], _TRUTH),
            "statistic p_value method auc1 auc2 difference ci_low ci_high se covariance "
            "correlation n_diseased n_nondiseased",
        ),
        (roc_curve(_SCORES, _TRUTH), "fpr tpr thresholds n_diseased n_nondiseased"),
        (
            youden_threshold(_SCORES, _TRUTH)[0],
            "threshold threshold_midpoint sensitivity specificity youden_j tp fp tn fn criterion",
        ),
        (
            cohen_kappa([0, 1, 1, 0], [0, 1, 0, 0]),
            "kappa se ci_low ci_high se_null statistic p_value method weights n levels",
        ),
        (ModelThreshold("youden", 0.4, "computed", "J"), "value source criterion"),
        (
            _MRMC.random_readers_random_cases,
            "analysis method statistic_name statistic df1 df2 p_value difference std_error "
            "ci_low ci_high modalities reader_differences",
        ),
        (
            _MRMC.fixed_readers_random_cases.reader_differences[0],
            "reader_id estimate std_error statistic p_value ci_low ci_high method",
        ),
        (
            _MRMC.fixed_readers_random_cases.modalities[0],
            "modality estimate std_error df ci_low ci_high",
        ),
        (
            _MRMC.variance_components,
            "ms_t ms_r ms_tr var cov1 cov2 cov3 var_r var_tr rho1 rho2 rho3 ms_r_by_modality",
        ),
        (
            _MRMC.covariances,
            "method var cov1 cov2 cov3 var_by_modality cov2_by_modality var_by_reader "
            "cov1_by_reader",
        ),
    ],
    ids=lambda value: type(value).__name__ if not isinstance(value, str) else "",
)
def test_results_json_keys(result: FieldsToDict, keys: str) -> None:
    assert list(result.to_dict()) == keys.split()
