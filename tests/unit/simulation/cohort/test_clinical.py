"""Clinical records follow Table 1 of Mao et al. (2023) over many draws (no images needed)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from studies.simulation.cohort.clinical import (
    AGE_DISTRIBUTION,
    DIAMETER_DISTRIBUTION_CM,
    HISTOLOGY_PREVALENCE,
    reported_diameter_cm,
    sample_age,
    sample_diameter_cm,
)
from studies.simulation.cohort.phantom import CaseDesign, case_streams, design_case

FIELD_MM = (229.4, 191.4)


@pytest.fixture(scope="module")
def designs() -> list[CaseDesign]:
    return [design_case(case_streams(11, "internal", i)[0], 0.5, FIELD_MM) for i in range(400)]


def _by_label(designs: list[CaseDesign], label: str) -> list[CaseDesign]:
    return [d for d in designs if d.label == label]


@pytest.mark.parametrize("label", ["benign", "malignant"])
def test_age_and_diameter_follow_table_1(designs: list[CaseDesign], label: str) -> None:
    group = _by_label(designs, label)
    assert len(group) > 150
    ages = np.array([d.clinical.age for d in group])
    mean, sd, _, _ = AGE_DISTRIBUTION[label]
    assert abs(ages.mean() - mean) < 2.5
    assert abs(ages.std() - sd) < 2.5
    diameters = np.array([d.clinical.true_diameter_cm for d in group])
    mean_d, sd_d = DIAMETER_DISTRIBUTION_CM[label]
    assert abs(diameters.mean() - mean_d) < 0.3
    assert abs(diameters.std() - sd_d) < 0.5
    assert diameters.min() >= 0.5
    assert min(d.lesion.diameter_mm for d in group) >= 5.0


def test_bi_rads_is_mostly_4a_4b_for_benign_and_4c_5_for_malignant(
    designs: list[CaseDesign],
) -> None:
    benign = Counter(d.clinical.bi_rads for d in _by_label(designs, "benign"))
    malignant = Counter(d.clinical.bi_rads for d in _by_label(designs, "malignant"))
    n_b, n_m = sum(benign.values()), sum(malignant.values())
    assert (benign["4A"] + benign["4B"]) / n_b > 0.6
    assert (malignant["4C"] + malignant["5"]) / n_m > 0.6
    # ... and they overlap: BI-RADS is an imperfect predictor, as in the paper.
    assert benign["4C"] + benign["5"] > 0 and malignant["4A"] + malignant["3"] > 0


def test_appearance_overlaps_between_classes(designs: list[CaseDesign]) -> None:
    benign = Counter(d.lesion.shape for d in _by_label(designs, "benign"))
    malignant = Counter(d.lesion.shape for d in _by_label(designs, "malignant"))
    n_b, n_m = sum(benign.values()), sum(malignant.values())
    assert benign["irregular"] / n_b < 0.35 < malignant["irregular"] / n_m
    assert benign["irregular"] > 0 and malignant["round"] + malignant["oval"] > 0


def test_histology_matches_label(designs: list[CaseDesign]) -> None:
    for design in designs:
        assert design.clinical.histology in HISTOLOGY_PREVALENCE[design.label]


def test_older_women_have_less_dense_breasts(designs: list[CaseDesign]) -> None:
    rank = {"a": 0, "b": 1, "c": 2, "d": 3}
    ages = np.array([d.clinical.age for d in designs])
    density = np.array([rank[d.breast.density] for d in designs])
    assert np.corrcoef(ages, density)[0, 1] < -0.2


@pytest.mark.parametrize("label", ["benign", "malignant"])
def test_samplers_stay_in_their_ranges(label: str) -> None:
    rng = np.random.default_rng(0)
    ages = [sample_age(rng, label) for _ in range(500)]
    _, _, low, high = AGE_DISTRIBUTION[label]
    assert low <= min(ages) and max(ages) <= high
    diameters = [sample_diameter_cm(rng, label) for _ in range(500)]
    assert min(diameters) >= 0.5 and max(diameters) <= 7.0
    assert min(reported_diameter_cm(rng, 0.5) for _ in range(100)) >= 0.5
