"""Hand-crafted lesion features on shapes whose answers are known analytically; and (slow) the
cohort's difficulty: no single simple feature separates the classes, a few combined do."""

from __future__ import annotations

import numpy as np
import pytest
from cesm_files import disc_mask
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.lesion_features import LesionFeatures, measure_lesion
from studies.simulation.cohort.phantom import generate_case


def _scene(mask: np.ndarray, enhancement: float) -> tuple[np.ndarray, np.ndarray]:
    breast = np.zeros(mask.shape, bool)
    breast[10:-10, 10:-10] = True
    low = np.where(breast, 5000.0, 50.0) + 800.0 * mask
    rec = np.where(breast, 2000.0, 1000.0) + enhancement * mask
    return low, rec


def _disc(radius_px: float, size: int = 200) -> np.ndarray:
    return disc_mask((size, size), (size / 2 - 0.5, size / 2 - 0.5), radius_px)


def test_disc_features_match_geometry() -> None:
    mask = _disc(30)
    low, rec = _scene(mask, 400.0)
    features = measure_lesion(low, rec, mask, spacing_mm=0.1)
    assert features.area_mm2 == pytest.approx(np.pi * 3.0**2, rel=0.02)
    assert features.mean_enhancement == pytest.approx(400.0)
    assert features.enhancement_cv == pytest.approx(0.0, abs=1e-6)
    assert features.solidity > 0.95
    assert features.compactness < 1.3


def test_star_is_less_solid_and_less_compact_than_disc() -> None:
    y, x = np.mgrid[:200, :200] - 99.5
    star = np.hypot(y, x) <= 30 * (1 + 0.4 * np.cos(7 * np.arctan2(y, x)))
    disc = measure_lesion(*_scene(_disc(30), 400.0), _disc(30), 0.1)
    spiky = measure_lesion(*_scene(star, 400.0), star, 0.1)
    assert spiky.solidity < disc.solidity - 0.1
    assert spiky.compactness > disc.compactness + 0.3


def test_empty_mask_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        measure_lesion(*_scene(_disc(5), 1.0), np.zeros((200, 200), bool), 0.1)


@pytest.mark.slow
def test_cohort_difficulty_is_realistic() -> None:
    """120 small cases: area and mean enhancement alone stay below AUC 0.85; combined, the
    handful of features reaches a good classifier's range (benchmark: 200 cases)."""
    profile = acquisition_profile("internal", "small")
    rows, labels = [], []
    for index in range(120):
        case = generate_case(31, "internal", index, profile, 0.5)
        rows.append(measure_lesion(case.low_energy, case.recombined, case.mask, 0.4).as_vector())
        labels.append(case.design.label == "malignant")
    X, y = np.array(rows), np.array(labels)
    names = LesionFeatures.names()
    for name in ("area_mm2", "mean_enhancement"):
        auc = roc_auc_score(y, X[:, names.index(name)])
        assert 0.5 < auc < 0.85, name
    X[:, 0] = np.log(X[:, 0])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    probability = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
    assert 0.8 < roc_auc_score(y, probability) < 0.99
