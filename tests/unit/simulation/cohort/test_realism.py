"""The images behave like CESM, measured: the mask sits on the enhancing lesion and is outlined as
a careful radiologist would (Dice 0.85–0.95, no over-size); the default windows show the breast
without saturating it (low energy: under 2 % clipped; recombined: breast at mid-grey, lesion not
clipped); parenchyma converges on the nipple; density and BPE follow their categories and real
proportions; the external centre differs. Figures: docs/synthetic_cohorts.md."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.anatomy import BPE_LEVELS, DENSITIES
from studies.simulation.cohort.phantom import (
    SyntheticCase,
    case_streams,
    design_case,
    generate_case,
    render_case,
)

SMALL = acquisition_profile("internal", "small")


@pytest.fixture(scope="module")
def cases() -> list[SyntheticCase]:
    return [generate_case(77, "internal", index, SMALL, 0.5) for index in range(12)]


def _breast(case: SyntheticCase) -> np.ndarray:
    profile = case.profile
    return case.recombined > 0.5 * (profile.re_air + profile.re_breast)


def _window_position(image: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    """Grey level of each value on the display, 0 (black) … 1 (white), unclipped."""
    center, width = window
    return (image.astype(float) - (center - width / 2.0)) / width


def _canonical(image: np.ndarray, case: SyntheticCase) -> np.ndarray:
    """The image with the chest wall on the left (as the anatomy is drawn)."""
    return image[:, ::-1] if case.design.breast.laterality == "R" else image


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
    assert 0.85 <= dice.mean() <= 0.95
    assert dice.min() > 0.7
    assert dice.max() < 1.0  # imperfect by design


def test_drawn_outline_is_not_systematically_larger(cases: list[SyntheticCase]) -> None:
    ratio = np.array([case.mask.sum() / case.true_mask.sum() for case in cases])
    assert 0.9 < ratio.mean() < 1.1
    assert ratio.max() < 1.35  # never the 1.6× outline of an irregular lesion's convex hull


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


@pytest.mark.parametrize("center", ["internal", "external"])
def test_low_energy_window_shows_the_breast_without_clipping(center: str) -> None:
    profile = acquisition_profile(center, "small")
    for index in range(6):
        case = generate_case(77, center, index, profile, 0.5)
        breast = ndimage.binary_erosion(_breast(case), iterations=2)
        grey = _window_position(case.low_energy[breast], case.low_energy_window)
        clipped = np.mean((grey <= 0.0) | (grey >= 1.0))
        assert clipped < 0.02
        assert np.percentile(grey, 95) < 0.9  # dense tissue is not a white blob
        assert np.percentile(grey, 5) > 0.02  # nor fat black


@pytest.mark.parametrize("center", ["internal", "external"])
def test_recombined_window_puts_the_breast_at_mid_grey(center: str) -> None:
    profile = acquisition_profile(center, "small")
    for index in range(6):
        case = generate_case(77, center, index, profile, 0.5)
        breast = ndimage.binary_erosion(_breast(case), iterations=2)
        grey = _window_position(case.recombined, case.recombined_window)
        assert 0.3 <= np.median(grey[breast]) <= 0.7
        lesion = grey[case.true_mask]
        assert np.mean(lesion >= 1.0) < 0.02  # bright, not clipped
        assert np.percentile(lesion, 90) > np.median(grey[breast]) + 0.1


def test_parenchyma_converges_on_the_nipple(cases: list[SyntheticCase]) -> None:
    """Band-passed low-energy gradients point across the lines to the nipple, not along them:
    ducts and trabeculae run toward the nipple."""
    ratios = []
    for case in cases[:8]:
        breast_spec, spacing = case.design.breast, case.pixel_spacing_mm
        low = _canonical(case.low_energy, case).astype(float)
        lesion = _canonical(case.true_mask, case)
        region = ndimage.binary_erosion(_canonical(_breast(case), case), iterations=15)
        region &= ~ndimage.binary_dilation(lesion, iterations=15)
        band = ndimage.gaussian_filter(low, 1.0) - ndimage.gaussian_filter(low, 4.0)
        grad_rows, grad_cols = np.gradient(band)
        rows, cols = np.nonzero(region)
        d_rows = rows + 0.5 - breast_spec.nipple_row_mm / spacing
        d_cols = cols + 0.5 - breast_spec.depth_mm / spacing
        norm = np.hypot(d_rows, d_cols) + 1e-6
        g_rows, g_cols = grad_rows[rows, cols], grad_cols[rows, cols]
        radial = (g_rows * d_rows + g_cols * d_cols) / norm
        tangential = (g_cols * d_rows - g_rows * d_cols) / norm
        ratios.append(np.log((tangential**2).sum() / (radial**2).sum()))
    assert min(ratios) > 0.1
    assert np.mean(ratios) > 0.25


def _rendered_variants(field: str, levels: tuple[str, ...]) -> list[SyntheticCase]:
    """One case rendered with each level of a breast attribute, all else equal."""
    design_rng, fields_rng, detector_rng = case_streams(21, "internal", 2)
    field_mm = (SMALL.rows * SMALL.pixel_spacing_mm, SMALL.columns * SMALL.pixel_spacing_mm)
    design = design_case(design_rng, 0.5, field_mm)
    state = (fields_rng.bit_generator.state, detector_rng.bit_generator.state)
    variants = []
    for level in levels:
        fields_rng.bit_generator.state, detector_rng.bit_generator.state = state
        changed = replace(design, breast=replace(design.breast, **{field: level}))
        variants.append(render_case(changed, SMALL, fields_rng, detector_rng))
    return variants


def test_bpe_grades_increase_the_breast_enhancement() -> None:
    spreads = []
    for case in _rendered_variants("bpe", BPE_LEVELS):
        breast = ndimage.binary_erosion(_breast(case), iterations=10)
        breast &= ~ndimage.binary_dilation(case.true_mask, iterations=15)
        values = case.recombined[breast].astype(float)
        spreads.append(np.percentile(values, 99) - np.median(values))
    assert all(np.diff(spreads) > 0), spreads
    assert spreads[-1] > 2.0 * spreads[0]


def test_density_categories_increase_the_dense_tissue() -> None:
    means = []
    for case in _rendered_variants("density", DENSITIES):
        breast = ndimage.binary_erosion(_breast(case), iterations=10)
        means.append(case.low_energy[breast].mean())
    assert all(np.diff(means) > 0), means


def test_density_and_bpe_follow_real_proportions() -> None:
    """BI-RADS Atlas density ≈ 10/40/40/10 %; CESM BPE ≈ 35/35/20/10 % (docs)."""
    field_mm = (229.4, 191.4)
    designs = [design_case(case_streams(3, "internal", i)[0], 0.6, field_mm) for i in range(1500)]
    density = Counter(d.breast.density for d in designs)
    bpe = Counter(d.breast.bpe for d in designs)
    for name, share in zip(DENSITIES, (0.10, 0.40, 0.40, 0.10), strict=True):
        assert density[name] / len(designs) == pytest.approx(share, abs=0.05), name
    for name, share in zip(BPE_LEVELS, (0.35, 0.35, 0.20, 0.10), strict=True):
        assert bpe[name] / len(designs) == pytest.approx(share, abs=0.06), name
