"""DeLong components: placements by definition, covariance as ``np.cov``, on data with ties.

The pROC reference cases (``test_roc.py``, ``test_mrmc.py``) check the end results on fixed
data; these check the fast algorithm against its definitions on random data, in both class
orders (the smaller class is the one searched) and with heavy ties.
"""

from __future__ import annotations

import numpy as np
import pytest

from studies.analysis.delong import delong_components

# (K score vectors, cases, malignant fraction, distinct score levels; 0 = continuous)
SHAPES = [
    (1, 40, 0.3, 5),
    (1, 200, 0.7, 0),
    (3, 150, 0.5, 3),
    (4, 300, 0.2, 10),
    (6, 90, 0.8, 2),
    (2, 120, 0.4, 1),
]


def _data(
    k: int, cases: int, fraction: float, levels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = (rng.random(cases) < fraction).astype(int)
    truth[:2] = (0, 1)  # both classes, at least one case each
    if levels:
        scores = rng.integers(0, levels, (k, cases)) + truth  # ties, and some signal
        return scores.astype(float), truth
    return rng.normal(truth, 1.0, (k, cases)), truth


def _placements_by_definition(
    scores: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """O(m·n) pairwise: a pair scores 1 when the diseased case is higher, ½ when tied."""
    positives = scores[:, truth == 1][:, :, np.newaxis]
    negatives = scores[:, truth == 0][:, np.newaxis, :]
    kernel = (positives > negatives) + 0.5 * (positives == negatives)  # (K, m, n)
    return kernel.mean(axis=2), kernel.mean(axis=1)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("k", "cases", "fraction", "levels"), SHAPES)
def test_placements_and_auc_by_definition(
    k: int, cases: int, fraction: float, levels: int, seed: int
) -> None:
    scores, truth = _data(k, cases, fraction, levels, seed)
    components = delong_components(scores, truth)
    v10, v01 = _placements_by_definition(scores, truth)
    np.testing.assert_allclose(components.v10, v10, rtol=0, atol=1e-14)
    np.testing.assert_allclose(components.v01, v01, rtol=0, atol=1e-14)
    np.testing.assert_allclose(components.auc, v10.mean(axis=1), rtol=0, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("k", "cases", "fraction", "levels"), SHAPES)
def test_covariance_equals_np_cov(
    k: int, cases: int, fraction: float, levels: int, seed: int
) -> None:
    scores, truth = _data(k, cases, fraction, levels, seed)
    components = delong_components(scores, truth)
    v10, v01 = _placements_by_definition(scores, truth)
    m, n = v10.shape[1], v01.shape[1]
    expected = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
    assert components.covariance.shape == (k, k)
    np.testing.assert_allclose(components.covariance, expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(components.covariance, components.covariance.T)


def test_one_case_in_a_class_gives_zero_placement_variance() -> None:
    truth = np.array([1, 0, 0, 0, 0])
    components = delong_components(np.array([0.9, 0.1, 0.5, 0.9, 0.3]), truth)
    np.testing.assert_array_equal(components.v10, [[0.875]])
    np.testing.assert_array_equal(components.v01, [[1.0, 1.0, 0.5, 1.0]])
    # S10 is not estimable from one diseased case and counts as 0: only S01 / n remains.
    assert components.covariance[0, 0] == pytest.approx(np.var(components.v01, ddof=1) / 4)
