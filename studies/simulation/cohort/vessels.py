"""Blood vessels of the breast: meandering, tapering tubes from the chest wall toward the nipple.

On a mammogram, veins and arteries are soft curvilinear bands 1–3 mm wide that cross the fat
and the glandular tissue; after iodine injection they enhance, so they are also the faint bright
lines of a recombined image. A vessel is drawn as a path of points in millimetres (a heading that
wanders by a random walk plus a slow meander, with a width that tapers toward the periphery) and
rendered by splatting its points onto a grid and blurring them to the tube's width, which costs
a few milliseconds however many points there are.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import ndimage

#: Gaussian blur (mm) of each width class; each point goes to the class nearest its σ = width / 4.
_SIGMA_CLASSES_MM = (0.3, 0.5, 0.75)
_STEP_MM = 0.3


def sample_vessel_paths(
    rng: np.random.Generator,
    starts_mm: np.ndarray,
    headings: np.ndarray,
    inside: Callable[[float, float], bool],
    max_length_mm: float,
) -> list[np.ndarray]:
    """One path per start: (n, 3) arrays of (row mm, column mm, width mm).

    Args:
        rng: the generator that owns the draw.
        starts_mm: (k, 2) start points (row, column).
        headings: (k,) initial directions in radians (0 = increasing columns).
        inside: whether a point (row, column mm) is inside the breast; a path stops at the skin.
        max_length_mm: longest path.
    """
    paths = []
    for (row, col), heading in zip(starts_mm, headings, strict=True):
        length = rng.uniform(0.45, 1.0) * max_length_mm
        width0 = rng.uniform(1.1, 2.6)
        meander_amplitude, meander_period = rng.uniform(0.1, 0.35), rng.uniform(15.0, 45.0)
        phase = rng.uniform(0.0, 2.0 * math.pi)
        steps = int(length / _STEP_MM)
        walk = np.cumsum(rng.normal(0.0, 0.035, steps))
        points = []
        for k in range(steps):
            s = k * _STEP_MM
            direction = (
                heading
                + walk[k]
                + meander_amplitude * math.sin(2.0 * math.pi * s / meander_period + phase)
            )
            row += _STEP_MM * math.sin(direction)
            col += _STEP_MM * math.cos(direction)
            if not inside(row, col):
                break
            points.append((row, col, width0 * (1.0 - 0.6 * s / length)))
        if len(points) > 10:
            paths.append(np.array(points, dtype=np.float64))
    return paths


def branch_paths(
    rng: np.random.Generator,
    paths: list[np.ndarray],
    inside: Callable[[float, float], bool],
) -> list[np.ndarray]:
    """A thinner side branch leaving about half of the vessels at a random point."""
    branches = []
    for path in paths:
        if rng.random() >= 0.5 or len(path) < 60:
            continue
        k = int(rng.integers(len(path) // 5, len(path) // 2))
        row, col, width = path[k]
        forward = math.atan2(path[k + 5, 0] - row, path[k + 5, 1] - col)
        side = forward + rng.choice([-1.0, 1.0]) * rng.uniform(0.4, 0.9)
        child = sample_vessel_paths(
            rng, np.array([[row, col]]), np.array([side]), inside, 0.5 * len(path) * _STEP_MM
        )
        for branch in child:
            branch[:, 2] *= 0.6 * width / max(float(branch[0, 2]), 1e-6)
            branches.append(branch)
    return branches


def render_tubes(
    paths: list[np.ndarray],
    shape: tuple[int, int],
    spacing_mm: float,
    step_mm: float = _STEP_MM,
    sigma_classes_mm: tuple[float, ...] = _SIGMA_CLASSES_MM,
) -> np.ndarray:
    """Projected thickness (mm) of the tubes on a grid of ``shape`` and ``spacing_mm``.

    ``paths`` hold (row mm, column mm, width mm[, intensity]) points ``step_mm`` apart, in the
    grid's coordinates. Each point is splatted bilinearly with the weight that makes the blurred
    line's peak equal to the tube's width (the chord through its centre) times its intensity,
    then each width class (σ = width / 4, nearest of ``sigma_classes_mm``) is blurred once.
    """
    out = np.zeros(shape, dtype=np.float32)
    if not paths:
        return out
    points = np.concatenate(paths)
    intensity = points[:, 3] if points.shape[1] > 3 else 1.0
    sigma_mm = np.maximum(points[:, 2] / 4.0, 0.5 * spacing_mm)
    classes = np.abs(sigma_mm[:, None] - np.array(sigma_classes_mm)[None, :]).argmin(1)
    for index, sigma_class in enumerate(sigma_classes_mm):
        chosen = classes == index
        if not chosen.any():
            continue
        sigma = max(sigma_class, 0.5 * spacing_mm)
        weight = (
            (points[:, 2] * intensity)[chosen]
            * math.sqrt(2.0 * math.pi)
            * sigma
            * step_mm
            / spacing_mm**2
        )
        chosen = points[chosen]
        layer = _splat(
            chosen[:, 0] / spacing_mm - 0.5, chosen[:, 1] / spacing_mm - 0.5, weight, shape
        )
        out += ndimage.gaussian_filter(layer, sigma / spacing_mm)
    return out


def _splat(
    rows: np.ndarray, cols: np.ndarray, weight: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Bilinear splatting of weighted points (pixel coordinates) onto a zero grid."""
    r0, c0 = np.floor(rows).astype(np.intp), np.floor(cols).astype(np.intp)
    fr, fc = rows - r0, cols - c0
    rr = np.concatenate([r0, r0 + 1, r0, r0 + 1])
    cc = np.concatenate([c0, c0, c0 + 1, c0 + 1])
    ww = np.concatenate([(1 - fr) * (1 - fc), fr * (1 - fc), (1 - fr) * fc, fr * fc]) * np.tile(
        weight, 4
    )
    keep = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
    flat = np.bincount(rr[keep] * shape[1] + cc[keep], ww[keep], minlength=shape[0] * shape[1])
    return flat.reshape(shape).astype(np.float32)
