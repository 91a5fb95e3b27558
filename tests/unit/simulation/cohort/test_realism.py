"""The images behave like CESM: the mask sits on the enhancing lesion, Dice of the drawn outline
is in the radiologist range, background is dark, and the external centre differs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.phantom import SyntheticCase, generate_case

SMALL = acquisition_profile("internal", "small")


@pytest.fixture(scope="module")
def cases() -> list[SyntheticCase]:
    return [generate_case(77, "internal", index, SMALL, 0.5) for index in range(12)]


def _breast(case: SyntheticCase) -> np.ndarray:
    profile = case.profile
    return case.recombined > 0.5 * (profile.re_air + profile.re_breast)


def test_mask_lies_on_the_enhancing_region(cases: list[SyntheticCase]) -> None:
    for case in cases:
        breast = _breast(case) & ~ndimage.binary_dilation(case.mask, iterations=15)
        background = np.median(case.recombined[breast])
        inside = case.recombined[case.mask].mean()
        noise = case.profile.re_noise * case.profile.noise_scale
        assert inside - background > 2.0 * noise
        # The drawn outline and the true lesion overlap, and their centres are close.
        assert np.logical_and(case.mask, case.true_mask).any()
        shift = np.subtract(
            ndimage.center_of_mass(case.mask), ndimage.center_of_mass(case.true_mask)
        )
        radius_px = case.design.lesion.diameter_mm / 2 / case.profile.pixel_spacing_mm
        assert np.hypot(*shift) < 0.5 * radius_px


def test_drawn_outline_dice_is_radiologist_like(cases: list[SyntheticCase]) -> None:
    dice = np.array([case.mask_dice for case in cases])
    assert 0.82 <= dice.mean() <= 0.95
    assert dice.min() > 0.65
    assert dice.max() < 1.0  # imperfect by design


def test_lesion_is_inside_the_breast_and_at_least_5_mm(cases: list[SyntheticCase]) -> None:
    for case in cases:
        assert case.design.lesion.diameter_mm >= 5.0
        assert _breast(case)[case.mask].mean() > 0.95


def test_low_energy_background_is_dark_and_tissue_bright(cases: list[SyntheticCase]) -> None:
    for case in cases:
        breast = _breast(case)
        assert case.low_energy[~breast].mean() < 0.2 * case.low_energy[breast].mean()


def test_recombined_breast_is_flat_compared_with_low_energy(cases: list[SyntheticCase]) -> None:
    for case in cases:
        breast = _breast(case) & ~ndimage.binary_dilation(case.true_mask, iterations=10)
        breast = ndimage.binary_erosion(breast, iterations=20)
        low, rec = case.low_energy[breast], case.recombined[breast]
        # Tissue contrast cancels: relative spread much smaller on the recombined image.
        assert rec.std() / rec.mean() < 0.5 * low.std() / low.mean()


def _noise_sigma(image: np.ndarray, region: np.ndarray) -> float:
    """Noise estimate: spread of the difference of horizontal neighbours, / sqrt(2)."""
    difference = np.diff(image.astype(float), axis=1)
    return float(np.std(difference[region[:, 1:] & region[:, :-1]]) / np.sqrt(2))


def test_external_centre_differs_in_spacing_bits_and_noise() -> None:
    internal = acquisition_profile("internal", "small")
    external = acquisition_profile("external", "small")
    assert external.pixel_spacing_mm != internal.pixel_spacing_mm
    assert external.shape != internal.shape
    assert external.le_bits_stored < internal.le_bits_stored
    sigma = {}
    for profile in (internal, external):
        case = generate_case(3, profile.center, 0, profile, 0.5)
        core = ndimage.binary_erosion(_breast(case), iterations=25) & ~ndimage.binary_dilation(
            case.true_mask, iterations=20
        )
        sigma[profile.center] = _noise_sigma(case.recombined, core)
    assert sigma["external"] > 1.15 * sigma["internal"]


def test_full_size_case_has_the_detector_geometry() -> None:
    full = acquisition_profile("internal", "full")
    assert full.shape == (2294, 1914) and full.pixel_spacing_mm == 0.1
    small = acquisition_profile("internal", "small")
    assert small.rows * small.pixel_spacing_mm == pytest.approx(full.rows * 0.1, abs=0.4)
