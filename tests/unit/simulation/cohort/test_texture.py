"""Power-law noise has the requested spectrum; resampling keeps values and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from studies.simulation.cohort.texture import power_law_noise, radial_noise, resample_linear


def _radial_slope(field: np.ndarray) -> float:
    power = np.abs(np.fft.fft2(field)) ** 2
    fy = np.fft.fftfreq(field.shape[0])[:, None]
    fx = np.fft.fftfreq(field.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    band = (radius > 0.02) & (radius < 0.3)
    slope, _ = np.polyfit(np.log(radius[band]), np.log(power[band]), 1)
    return float(-slope)


@pytest.mark.parametrize("beta", [2.0, 3.0])
def test_power_law_noise_has_the_requested_exponent(beta: float) -> None:
    field = power_law_noise(np.random.default_rng(1), (256, 256), beta=beta)
    assert field.dtype == np.float32
    assert abs(float(field.mean())) < 1e-5 and float(field.std()) == pytest.approx(1.0, rel=1e-4)
    assert _radial_slope(field) == pytest.approx(beta, abs=0.25)


def test_anisotropy_elongates_structures_along_columns() -> None:
    field = power_law_noise(np.random.default_rng(2), (256, 256), beta=3.0, anisotropy=2.5)
    along = np.abs(np.diff(field, axis=1)).mean()
    across = np.abs(np.diff(field, axis=0)).mean()
    assert along < 0.8 * across


def test_resample_keeps_constants_and_linear_ramps() -> None:
    ramp = np.tile(np.arange(10, dtype=np.float32), (8, 1)) * 0.4  # value = column centre (mm)
    out = resample_linear(ramp + 0.2, 0.4, (32, 40), 0.1)
    assert out.shape == (32, 40)
    centres = (np.arange(40) + 0.5) * 0.1
    inner = slice(4, 36)  # away from the clamped borders
    np.testing.assert_allclose(out[5, inner], centres[inner], atol=1e-5)
    flat = resample_linear(np.full((5, 5), 7.0, np.float32), 0.4, (20, 20), 0.1)
    np.testing.assert_allclose(flat, 7.0, atol=1e-5)


def test_resample_at_the_same_spacing_is_identity() -> None:
    field = np.random.default_rng(3).random((12, 9)).astype(np.float32)
    np.testing.assert_allclose(resample_linear(field, 0.4, (12, 9), 0.4), field, atol=1e-6)


def test_radial_noise_runs_toward_its_origin() -> None:
    """Structures radiate from the origin: gradients point across the radius, not along it."""
    origin = (40.0, 60.0)
    field = radial_noise(np.random.default_rng(4), (200, 150), 0.4, origin, beta=3.0, stretch=3.0)
    assert field.shape == (200, 150) and field.dtype == np.float32
    grad_rows, grad_cols = np.gradient(field)
    rows, cols = np.mgrid[:200, :150]
    d_rows, d_cols = (rows + 0.5) * 0.4 - origin[0], (cols + 0.5) * 0.4 - origin[1]
    norm = np.hypot(d_rows, d_cols) + 1e-6
    radial = (grad_rows * d_rows + grad_cols * d_cols) / norm
    tangential = (grad_cols * d_rows - grad_rows * d_cols) / norm
    assert (tangential**2).sum() > 2.0 * (radial**2).sum()
    same = radial_noise(np.random.default_rng(4), (200, 150), 0.4, origin, 3.0, 3.0)
    np.testing.assert_array_equal(field, same)


def test_noise_on_a_prime_sized_grid_keeps_its_statistics() -> None:
    field = power_law_noise(np.random.default_rng(5), (479, 211), beta=3.0)
    assert field.shape == (479, 211)
    assert abs(float(field.mean())) < 1e-5 and float(field.std()) == pytest.approx(1.0, rel=1e-4)
