"""Random fields for breast parenchyma: power-law (1/f^β) noise and resampling onto pixel grids.

Mammographic parenchyma has an approximately power-law power spectrum, P(f) ∝ 1/f^β with
β ≈ 3 (Burgess et al., Med Phys 2001;28:419–37; Heine & Velthuizen, Med Phys 2002). Such a field
is dominated by low frequencies, so it is generated on a coarse grid (a few tenths of a
millimetre) by shaping white noise in the Fourier domain and then interpolated onto the
detector grid. That keeps a full-size case well under a second while losing only power that
1/f^3 barely has.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.fft import next_fast_len


def power_law_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    beta: float = 3.0,
    anisotropy: float = 1.0,
    min_frequency: float = 1.0,
) -> np.ndarray:
    """A zero-mean, unit-variance random field with power spectrum ∝ 1/f^β.

    Args:
        rng: the generator that owns the draw (determinism).
        shape: (rows, columns) of the field.
        beta: spectral exponent; 3 is mammographic parenchyma, 2 gives finer, patchier fields.
        anisotropy: > 1 stretches structures along the columns axis (the nipple direction of a
            CC view, along which ducts and trabeculae run).
        min_frequency: frequencies below this many cycles per field are flattened, so that a
            single huge blob does not dominate the field.

    Returns:
        float32 array of ``shape``.
    """
    # Generated on the next FFT-friendly size and cropped: a prime side would make the FFT
    # many times slower, and a crop of a stationary field is the same field.
    rows, cols = next_fast_len(shape[0], real=True), next_fast_len(shape[1], real=True)
    fy = np.fft.fftfreq(rows)[:, np.newaxis] * rows
    fx = np.fft.rfftfreq(cols)[np.newaxis, :] * cols
    # Scale so that both axes count cycles per field of the same physical length.
    radius = np.sqrt((fx * anisotropy * rows / cols) ** 2 + fy**2)
    radius = np.maximum(radius, min_frequency)
    amplitude = radius ** (-beta / 2.0)
    amplitude[0, 0] = 0.0
    white = rng.standard_normal((rows, cols))
    field = np.fft.irfft2(np.fft.rfft2(white) * amplitude, s=(rows, cols))
    field = field[: shape[0], : shape[1]]
    field -= field.mean()
    field /= max(float(field.std()), 1e-12)
    return field.astype(np.float32)


def _linear_taps(n_out: int, n_in: int, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper source index and upper weight of each output pixel (pixel-centred grids,
    clamped at the borders)."""
    position = np.clip((np.arange(n_out) + 0.5) * scale - 0.5, 0.0, n_in - 1)
    lower = np.floor(position).astype(np.intp)
    upper = np.minimum(lower + 1, n_in - 1)
    return lower, upper, (position - lower).astype(np.float32)


def resample_linear(
    field: np.ndarray, field_spacing_mm: float, out_shape: tuple[int, int], out_spacing_mm: float
) -> np.ndarray:
    """Bilinear resampling of a coarse field onto a finer (or equal) pixel grid, same origin.

    Both grids start at the same physical corner; pixel centres sit at (i + ½)·spacing. Done
    separably with two-tap gathers, about three times faster than ``scipy.ndimage.zoom`` for the
    4× upsampling of a full-size mammogram (see ``benchmarks/bench_synth.py``).
    """
    scale = out_spacing_mm / field_spacing_mm
    source = np.asarray(field, dtype=np.float32)
    lower, upper, weight = _linear_taps(out_shape[0], source.shape[0], scale)
    rows = source[lower] * (1.0 - weight)[:, None] + source[upper] * weight[:, None]
    lower, upper, weight = _linear_taps(out_shape[1], source.shape[1], scale)
    return rows[:, lower] * (1.0 - weight) + rows[:, upper] * weight


def radial_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    spacing_mm: float,
    origin_mm: tuple[float, float],
    beta: float,
    stretch: float,
    grid_mm: float = 0.8,
    reference_radius_mm: float = 60.0,
) -> np.ndarray:
    """Power-law noise whose structures radiate from ``origin_mm`` (row, column), like ducts
    and trabeculae converging on the nipple.

    The noise is generated on a polar grid around the origin — radius along one axis, arc length
    at ``reference_radius_mm`` along the other, stretched ``stretch`` times along the radius —
    and sampled at every pixel of the work grid. Structures are therefore elongated toward the
    origin and narrow as they approach it, the wedge-shaped lobes of the breast. The angular
    axis is one full period of the Fourier grid, so the field has no seam.

    Returns:
        float32 array of ``shape``, zero mean and unit variance over the polar grid.
    """
    rows = (np.arange(shape[0], dtype=np.float32) + 0.5) * spacing_mm - origin_mm[0]
    cols = (np.arange(shape[1], dtype=np.float32) + 0.5) * spacing_mm - origin_mm[1]
    max_radius = float(np.hypot(max(abs(rows[0]), abs(rows[-1])), max(abs(cols[0]), abs(cols[-1]))))
    n_radius = int(max_radius / grid_mm) + 2
    n_angle = next_fast_len(int(2.0 * np.pi * reference_radius_mm / grid_mm), real=True)
    # rows = angle, columns = radius: ``anisotropy`` stretches structures along the radius.
    polar = power_law_noise(rng, (n_angle, n_radius), beta, anisotropy=stretch, min_frequency=2.0)
    radius = np.hypot(rows[:, None], cols[None, :]) / grid_mm
    angle = np.arctan2(rows[:, None], cols[None, :])
    angle_index = (angle / (2.0 * np.pi) % 1.0) * n_angle
    sampled = ndimage.map_coordinates(
        polar, [angle_index.ravel(), radius.ravel()], order=1, mode="grid-wrap"
    )
    return sampled.reshape(shape).astype(np.float32)


def ridges(field: np.ndarray, width: float) -> np.ndarray:
    """Thin bright lines along the zero crossings of a zero-mean field: ``exp(-(f/width)²)``.

    Zero crossings of smooth random fields are closed, curving lines; with a field that is
    elongated toward the nipple they become trabecular strands, with an isotropic one the arcs
    of Cooper's ligaments.
    """
    return np.exp(-((field / width) ** 2)).astype(np.float32)
