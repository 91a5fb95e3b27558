"""The compressed breast in a cranio-caudal (CC) view: outline, thickness, glandular tissue.

Geometry (canonical orientation, chest wall at column 0, nipple pointing to increasing columns;
a right breast is the mirror image): the outline is a half-ellipse from the chest wall whose
semi-axes above and below the nipple line differ, with small harmonic irregularities and a nipple
bump at the apex. Under compression the breast is a slab of thickness T whose edge is a
half-cylinder of radius T/2, so the thickness at distance d from the skin line is
``2·sqrt(r² − (r − d)²)`` for d < r = T/2 — the cause of the darker periphery on a mammogram.

Fibroglandular tissue: a smooth prior (concentrated behind the nipple, absent in the
subcutaneous and retro-mammary fat) plus anisotropic power-law noise (β = 3, structures
elongated toward the nipple) is passed through a sigmoid whose offset sets the BI-RADS density
category a–d. Background parenchymal enhancement (BPE) is patchy noise confined to that tissue.
All fields live on a coarse grid (``WORK_SPACING_MM``) and are interpolated to the detector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from studies.simulation.cohort.texture import power_law_noise

DENSITIES: tuple[str, ...] = ("a", "b", "c", "d")
BPE_LEVELS: tuple[str, ...] = ("minimal", "mild", "moderate", "marked")

#: Sigmoid offset of the glandular fraction per density category (a = fatty … d = dense).
_DENSITY_OFFSET = {"a": -1.9, "b": -1.0, "c": -0.1, "d": 0.8}
#: Peak BPE per level, in units of the recombined image's iodine gain.
BPE_AMPLITUDE = {"minimal": 0.04, "mild": 0.10, "moderate": 0.20, "marked": 0.32}


@dataclass(frozen=True)
class BreastSpec:
    """One compressed breast, in millimetres.

    Attributes:
        laterality: ``"L"`` or ``"R"``.
        depth_mm: chest wall to nipple.
        half_width_above_mm, half_width_below_mm: semi-axes along the chest wall.
        nipple_row_mm: height of the nipple line from the top of the image.
        thickness_mm: compressed thickness.
        density: BI-RADS density a–d.
        bpe: background parenchymal enhancement level.
        harmonics: (k, amplitude, phase) rows of the outline's irregularity.
    """

    laterality: str
    depth_mm: float
    half_width_above_mm: float
    half_width_below_mm: float
    nipple_row_mm: float
    thickness_mm: float
    density: str
    bpe: str
    harmonics: np.ndarray


def _category(latent: float, cuts: tuple[float, ...], names: tuple[str, ...]) -> str:
    for name, cut in zip(names, cuts, strict=False):
        if latent < cut:
            return name
    return names[-1]


def sample_breast(
    rng: np.random.Generator, age: int, field_mm: tuple[float, float], min_depth_mm: float
) -> BreastSpec:
    """Draw a breast for a woman of ``age``; younger women have denser breasts and more BPE."""
    size = rng.normal()
    depth = float(np.clip(105.0 + 20.0 * size, 70.0, field_mm[1] - 15.0))
    depth = float(min(max(depth, min_depth_mm), field_mm[1] - 10.0))
    width = float(np.clip(92.0 + 12.0 * size + rng.normal(0, 5), 65.0, 125.0))
    density_latent = (50.0 - age) / 12.0 + rng.normal(0.0, 1.0)
    density = _category(density_latent, (-1.4, -0.2, 1.0), DENSITIES)
    bpe_latent = (45.0 - age) / 12.0 + 0.3 * (DENSITIES.index(density) - 1.5) + rng.normal()
    bpe = _category(bpe_latent, (0.0, 1.0, 2.1), BPE_LEVELS)
    orders = np.array([2.0, 3.0, 4.0])
    harmonics = np.column_stack(
        [orders, rng.normal(0.0, 0.025, 3), rng.uniform(0.0, 2.0 * np.pi, 3)]
    )
    return BreastSpec(
        laterality=str(rng.choice(["L", "R"])),
        depth_mm=depth,
        half_width_above_mm=width * rng.uniform(0.92, 1.08),
        half_width_below_mm=width * rng.uniform(0.92, 1.08),
        nipple_row_mm=field_mm[0] / 2.0 + rng.normal(0.0, 6.0),
        thickness_mm=float(np.clip(50.0 + 8.0 * size + rng.normal(0, 5), 30.0, 80.0)),
        density=density,
        bpe=bpe,
        harmonics=harmonics,
    )


@dataclass(frozen=True)
class BreastFields:
    """The breast sampled on the coarse work grid (canonical orientation).

    Attributes:
        spacing_mm: grid spacing.
        inside: float 0…1 (soft at the skin line).
        skin_distance_mm: distance from the skin line inside the breast (0 outside).
        thickness_mm: compressed thickness along each ray (0 outside).
        glandular: fibroglandular fraction 0…1.
        bpe: background parenchymal enhancement, relative iodine units (≥ 0).
        fine: small-scale structure noise (zero mean, unit variance).
        mottle: low-frequency recombination residue noise (zero mean, unit variance).
    """

    spacing_mm: float
    inside: np.ndarray
    skin_distance_mm: np.ndarray
    thickness_mm: np.ndarray
    glandular: np.ndarray
    bpe: np.ndarray
    fine: np.ndarray
    mottle: np.ndarray


def render_breast(
    spec: BreastSpec, rng: np.random.Generator, shape: tuple[int, int], spacing_mm: float
) -> BreastFields:
    """Sample outline, thickness, glandular tissue and BPE of ``spec`` on a coarse grid."""
    y = ((np.arange(shape[0]) + 0.5) * spacing_mm - spec.nipple_row_mm)[:, None]
    x = ((np.arange(shape[1]) + 0.5) * spacing_mm)[None, :]
    phi = np.arctan2(y, x)
    half_width = np.where(y < 0, spec.half_width_above_mm, spec.half_width_below_mm)
    limit = 1.0 / np.sqrt((np.cos(phi) / spec.depth_mm) ** 2 + (np.sin(phi) / half_width) ** 2)
    k, amplitude, phase = spec.harmonics.T
    limit = limit * (
        1.0
        + (amplitude[:, None, None] * np.cos(k[:, None, None] * phi + phase[:, None, None])).sum(0)
    )
    limit = limit + 6.0 * np.exp(-((phi / 0.07) ** 2))  # nipple
    rho = np.sqrt(x**2 + y**2)
    inside_hard = rho < limit
    # Distance to the skin line; the chest wall (column 0) is not skin, so pad it as tissue.
    pad = 64
    padded = np.pad(inside_hard, ((0, 0), (pad, 0)), mode="edge")
    distance = ndimage.distance_transform_edt(padded)[:, pad:] * spacing_mm
    inside = np.clip((limit - rho) / spacing_mm + 0.5, 0.0, 1.0)

    radius = spec.thickness_mm / 2.0
    d = np.minimum(distance, radius)
    thickness = 2.0 * np.sqrt(np.clip(radius**2 - (radius - d) ** 2, 0.0, None))
    thickness = thickness * (1.0 - 0.06 * np.clip(x / spec.depth_mm, 0.0, 1.0)) * inside

    gx = x / spec.depth_mm
    gy = y / np.where(y < 0, spec.half_width_above_mm, spec.half_width_below_mm)
    prior = np.exp(-(((gx - 0.42) / 0.42) ** 2) - (gy / 0.62) ** 2)
    subcutaneous = np.clip((distance - 3.0) / 9.0, 0.0, 1.0)
    retromammary = np.clip((x - 4.0) / 14.0, 0.0, 1.0)
    texture = power_law_noise(rng, shape, beta=3.0, anisotropy=2.2, min_frequency=2.0)
    latent = 1.1 * texture + 3.0 * (prior - 0.45) + _DENSITY_OFFSET[spec.density]
    glandular = (1.0 / (1.0 + np.exp(-latent / 0.45))) * subcutaneous * retromammary * inside

    patches = power_law_noise(rng, shape, beta=2.4, min_frequency=3.0)
    bpe = BPE_AMPLITUDE[spec.bpe] * np.clip(patches + 0.3, 0.0, None) * glandular
    fine = power_law_noise(rng, shape, beta=1.8, anisotropy=1.6)
    mottle = power_law_noise(rng, shape, beta=2.5, min_frequency=2.0)
    return BreastFields(
        spacing_mm=spacing_mm,
        inside=inside.astype(np.float32),
        skin_distance_mm=(distance * inside_hard).astype(np.float32),
        thickness_mm=thickness.astype(np.float32),
        glandular=glandular.astype(np.float32),
        bpe=bpe.astype(np.float32),
        fine=fine,
        mottle=mottle,
    )


def choose_lesion_center(
    rng: np.random.Generator, fields: BreastFields, reach_mm: float
) -> tuple[float, float]:
    """A lesion centre (row, column mm) in glandular tissue, ≥ ``reach_mm`` + 3 mm from the skin
    and the chest wall; falls back on the deepest point when the lesion is too large."""
    spacing = fields.spacing_mm
    columns_mm = (np.arange(fields.inside.shape[1]) + 0.5) * spacing
    valid = (fields.skin_distance_mm >= reach_mm + 3.0) & (columns_mm[None, :] >= reach_mm + 3.0)
    weight = (0.15 + fields.glandular) * valid
    total = float(weight.sum())
    if total <= 0.0:
        flat = int(np.argmax(fields.skin_distance_mm * (columns_mm[None, :] > 5.0)))
    else:
        flat = int(rng.choice(weight.size, p=(weight / total).ravel()))
    row, col = np.unravel_index(flat, weight.shape)
    jitter = rng.uniform(-0.5, 0.5, 2) * spacing
    return (float((row + 0.5) * spacing + jitter[0]), float((col + 0.5) * spacing + jitter[1]))


def lesion_reach_mm(diameter_mm: float) -> float:
    """Half the diameter: how far the body reaches from its centre (spicules may cross skin)."""
    return 0.5 * diameter_mm + math.sqrt(diameter_mm)
