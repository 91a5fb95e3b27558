"""The bundle's operating points, chosen on out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pytest

from model_core.classifier.thresholds import operating_points


def test_separable_scores_give_a_youden_cut_with_perfect_sensitivity_and_specificity() -> None:
    points = operating_points([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
    assert points["youden"].threshold == 0.7
    assert (points["youden"].sensitivity, points["youden"].specificity) == (1.0, 1.0)


def test_targets_are_met_on_the_data_and_the_best_other_side_is_kept() -> None:
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 200)
    scores = np.clip(rng.normal(0.35 + 0.3 * labels, 0.15), 0, 1)
    points = operating_points(scores, labels)
    sensitive, specific = points["high_sensitivity"], points["high_specificity"]
    assert sensitive.sensitivity >= 0.95 and specific.specificity >= 0.95
    # the next stricter (resp. looser) observed cut-off would miss the target
    above = np.unique(scores[scores > sensitive.threshold])[0]
    assert (scores[labels == 1] >= above).mean() < 0.95
    below = np.unique(scores[scores < specific.threshold])[-1]
    assert (scores[labels == 0] < below).mean() < 0.95
    assert sensitive.threshold <= points["youden"].threshold <= specific.threshold
    # a case is positive when its score is >= the threshold
    assert sensitive.sensitivity == (scores[labels == 1] >= sensitive.threshold).mean()


def test_when_only_nobody_positive_reaches_the_specificity_the_threshold_is_1() -> None:
    points = operating_points([0.9, 0.9, 0.9, 0.9], [0, 1, 0, 1])
    assert points["high_specificity"].threshold == 1.0
    assert points["high_specificity"].sensitivity == 0.0


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        ([0.1, 0.2], [1, 1], "both benign and malignant"),
        ([0.1, np.nan], [0, 1], "finite"),
        ([0.1, 0.2, 0.3], [0, 1], "same length"),
    ],
)
def test_unusable_predictions_are_refused(scores, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        operating_points(scores, labels)
