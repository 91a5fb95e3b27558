"""The compressed breast in a cranio-caudal (CC) view: outline, thickness, glandular tissue.

Geometry (canonical orientation, chest wall at column 0, nipple pointing to increasing columns;
a right breast is the mirror image): the outline is a half-ellipse from the chest wall whose
semi-axes above and below the nipple line differ, with small harmonic irregularities and a nipple
bump at the apex. Under compression the breast is a slab of thickness T whose edge is a
half-cylinder of radius T/2, so the thickness at distance d from the skin line is
``2·sqrt(r² − (r − d)²)`` for d < r = T/2 — the cause of the darker periphery on a mammogram.

Fibroglandular tissue: a smooth prior (concentrated behind the nipple, absent in the
subcutaneous and retro-mammary fat) plus power-law noise (β = 3) generated in polar coordinates
around the nipple — wedge-shaped lobes whose structures converge on it, blending into isotropic
texture in the last centimetres behind the nipple — is passed through a sigmoid whose offset
sets the BI-RADS density category a–d. Inside it, rounded fat lobules are cut out and thin
strands (ducts, trabeculae: zero crossings of a finer field, also converging on the nipple) are
added; in the fat next to the gland, the arcs of Cooper's ligaments (zero crossings of an
isotropic field). Vessels run from the chest wall toward the nipple (``vessels``); some women have
scattered round benign calcifications, older ones sometimes vascular ones (``calcifications``).
Background parenchymal enhancement (BPE) is patchy noise confined to the glandular tissue.
All fields live on a coarse grid (``WORK_SPACING_MM``) and are interpolated to the detector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from studies.simulation.cohort.acquisition import magnification_factor
from studies.simulation.cohort.calcifications import scattered_benign, vascular
from studies.simulation.cohort.texture import (
    power_law_noise,
    radial_noise,
    resample_linear,
    ridges,
)
from studies.simulation.cohort.vessels import branch_paths, render_tubes, sample_vessel_paths

DENSITIES: tuple[str, ...] = ("a", "b", "c", "d")
BPE_LEVELS: tuple[str, ...] = ("minimal", "mild", "moderate", "marked")

#: Sigmoid offset of the glandular fraction per density category (a = fatty … d = dense).
_DENSITY_OFFSET = {"a": -1.9, "b": -1.0, "c": -0.1, "d": 0.8}
#: Cut points of the age-dependent density latent, set so that a cohort of Mao et al.'s ages has
#: the BI-RADS Atlas (5th ed.) proportions: about 10 % a, 40 % b, 40 % c, 10 % d.
DENSITY_CUTS = (-1.7, 0.05, 1.85)
#: Cut points of the BPE latent: about 35 % minimal, 35 % mild, 20 % moderate, 10 % marked, the
#: order of the shares in CESM series (most women minimal or mild, marked the rarest); a choice,
#: not a fit.
BPE_CUTS = (-0.9, 0.45, 1.55)
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
        magnification: geometric magnification of the breast's mid-plane on the detector
            (``acquisition.magnification_factor``); image millimetres are breast millimetres.
        vascular_calcification: whether a vessel carries tram-track calcifications.
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
    magnification: float
    vascular_calcification: bool


def _category(latent: float, cuts: tuple[float, ...], names: tuple[str, ...]) -> str:
    for name, cut in zip(names, cuts, strict=False):
        if latent < cut:
            return name
    return names[-1]


def sample_breast(
    rng: np.random.Generator, age: int, detector_mm: tuple[float, float], min_depth_mm: float
) -> BreastSpec:
    """Draw a breast for a woman of ``age``; younger women have denser breasts and more BPE.

    ``detector_mm`` is the detector's field; the breast is magnified onto it, so the field at
    the breast is smaller by the magnification factor, which depends on the thickness.
    """
    size = rng.normal()
    thickness = float(np.clip(50.0 + 8.0 * size + rng.normal(0, 5), 30.0, 80.0))
    magnification = magnification_factor(thickness)
    field_mm = (detector_mm[0] / magnification, detector_mm[1] / magnification)
    depth = float(np.clip(105.0 + 20.0 * size, 70.0, field_mm[1] - 15.0))
    depth = float(min(max(depth, min_depth_mm), field_mm[1] - 10.0))
    width = float(np.clip(92.0 + 12.0 * size + rng.normal(0, 5), 65.0, 120.0))
    density_latent = (50.0 - age) / 12.0 + rng.normal(0.0, 1.0)
    density = _category(density_latent, DENSITY_CUTS, DENSITIES)
    bpe_latent = (45.0 - age) / 12.0 + 0.3 * (DENSITIES.index(density) - 1.5) + rng.normal()
    bpe = _category(bpe_latent, BPE_CUTS, BPE_LEVELS)
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
        thickness_mm=thickness,
        density=density,
        bpe=bpe,
        harmonics=harmonics,
        magnification=magnification,
        vascular_calcification=bool(age >= 50 and rng.random() < 0.3),
    )


@dataclass(frozen=True)
class BreastFields:
    """The breast sampled on the coarse work grid (canonical orientation).

    Attributes:
        spacing_mm: grid spacing.
        inside: float 0…1 (soft at the skin line).
        skin_distance_mm: distance from the skin line inside the breast (0 outside).
        thickness_mm: compressed thickness along each ray (0 outside).
        glandular: smooth fibroglandular fraction 0…1 (where lesions may sit).
        tissue: the glandular tissue as the low-energy image shows it: ``glandular`` with fat
            lobules cut out, plus trabecular strands converging on the nipple and Cooper's
            ligament arcs in the fat next to the gland (density units of glandular tissue).
        vessels: projected vessel thickness in mm.
        bpe: background parenchymal enhancement, relative iodine units (≥ 0).
        fine: small-scale structure noise (zero mean, unit variance).
        mottle: low-frequency recombination residue noise (zero mean, unit variance).
        specks_mm: benign calcifications, (n, 4): row mm, column mm, radius mm, intensity.
    """

    spacing_mm: float
    inside: np.ndarray
    skin_distance_mm: np.ndarray
    thickness_mm: np.ndarray
    glandular: np.ndarray
    tissue: np.ndarray
    vessels: np.ndarray
    bpe: np.ndarray
    fine: np.ndarray
    mottle: np.ndarray
    specks_mm: np.ndarray


def _outline_limit(spec: BreastSpec, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Distance (mm) from the nipple-line origin on the chest wall to the skin, per direction."""
    phi = np.arctan2(y, x)
    half_width = np.where(y < 0, spec.half_width_above_mm, spec.half_width_below_mm)
    limit = 1.0 / np.sqrt((np.cos(phi) / spec.depth_mm) ** 2 + (np.sin(phi) / half_width) ** 2)
    k, amplitude, phase = spec.harmonics.T
    shape = (-1,) + (1,) * np.ndim(phi)
    limit = limit * (
        1.0
        + (amplitude.reshape(shape) * np.cos(k.reshape(shape) * phi + phase.reshape(shape))).sum(0)
    )
    return limit + 6.0 * np.exp(-((phi / 0.07) ** 2))  # nipple


def _smooth_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    spacing_mm: float,
    beta: float,
    min_frequency: float,
) -> np.ndarray:
    """Power-law noise of a steep spectrum (β ≥ 2.4: nothing fine to lose) drawn on a grid twice
    as coarse and interpolated, four times cheaper than drawing it on the work grid."""
    coarse = ((shape[0] + 1) // 2 + 1, (shape[1] + 1) // 2 + 1)
    field = power_law_noise(rng, coarse, beta=beta, min_frequency=min_frequency)
    return resample_linear(field, 2.0 * spacing_mm, shape, spacing_mm)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _vessels(
    spec: BreastSpec, rng: np.random.Generator, deep: np.ndarray, spacing_mm: float
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Vessel paths (row, column, width mm) from the chest wall toward the nipple, and their
    branches; both in image millimetres. ``deep`` marks work-grid pixels ≥ 2 mm from the skin."""

    def inside(row: float, col: float) -> bool:
        i, j = int(row / spacing_mm), int(col / spacing_mm)
        return 0 <= i < deep.shape[0] and 0 <= j < deep.shape[1] and bool(deep[i, j])

    count = int(rng.integers(2, 7))
    side = rng.uniform(-0.75, 0.75, count)
    half = np.where(side < 0, spec.half_width_above_mm, spec.half_width_below_mm)
    starts = np.column_stack([spec.nipple_row_mm + side * half, rng.uniform(1.0, 12.0, count)])
    to_nipple = np.arctan2(spec.nipple_row_mm - starts[:, 0], spec.depth_mm - starts[:, 1])
    headings = to_nipple * rng.uniform(0.4, 0.9, count) + rng.normal(0.0, 0.15, count)
    paths = sample_vessel_paths(rng, starts, headings, inside, 1.1 * spec.depth_mm)
    return paths, branch_paths(rng, paths, inside)


def render_breast(
    spec: BreastSpec, rng: np.random.Generator, shape: tuple[int, int], spacing_mm: float
) -> BreastFields:
    """Sample outline, thickness, glandular tissue, vessels and BPE of ``spec`` on a coarse grid."""
    y = ((np.arange(shape[0]) + 0.5) * spacing_mm - spec.nipple_row_mm)[:, None]
    x = ((np.arange(shape[1]) + 0.5) * spacing_mm)[None, :]
    limit = _outline_limit(spec, y, x)
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

    # Fibroglandular tissue: lobes radiating from the nipple (a smooth prior behind the nipple,
    # wedge-shaped power-law structure converging on it), absent in the subcutaneous and
    # retromammary fat; the density category shifts the sigmoid.
    nipple = (spec.nipple_row_mm, spec.depth_mm)
    gx = x / spec.depth_mm
    gy = y / np.where(y < 0, spec.half_width_above_mm, spec.half_width_below_mm)
    prior = np.exp(-(((gx - 0.45) / 0.45) ** 2) - (gy / 0.62) ** 2)
    subcutaneous = np.clip((distance - 3.0) / 9.0, 0.0, 1.0)
    retromammary = np.clip((x - 4.0) / 14.0, 0.0, 1.0)
    lobes = radial_noise(rng, shape, spacing_mm, nipple, beta=3.0, stretch=2.2)
    # Behind the nipple the lobes merge (no point of convergence): blend to isotropic texture.
    to_nipple = np.hypot(y, x - spec.depth_mm)
    radial_weight = np.clip((to_nipple - 10.0) / 40.0, 0.0, 1.0)
    isotropic = _smooth_noise(rng, shape, spacing_mm, beta=3.0, min_frequency=2.0)
    lobes = radial_weight * lobes + (1.0 - radial_weight) * isotropic
    latent = 1.1 * lobes + 3.0 * (prior - 0.45) + _DENSITY_OFFSET[spec.density]
    envelope = subcutaneous * retromammary * inside
    glandular = _sigmoid(latent / 0.45) * envelope

    # Inside the gland: rounded fat lobules (dark holes) and strands (ducts, trabeculae)
    # converging on the nipple; in the fat next to the gland: Cooper's ligament arcs.
    lobules = _sigmoid((power_law_noise(rng, shape, beta=2.4, min_frequency=10.0) - 0.7) / 0.3)
    strands = ridges(radial_noise(rng, shape, spacing_mm, nipple, beta=2.4, stretch=4.0), 0.22)
    near_gland = resample_linear(
        ndimage.gaussian_filter(glandular[::2, ::2], 4.0 / spacing_mm),
        2 * spacing_mm,
        shape,
        spacing_mm,
    )
    ligament_zone = np.clip(3.0 * near_gland, 0.0, 1.0) * (1.0 - glandular)
    ligament_zone *= np.clip((distance - 1.0) / 3.0, 0.0, 1.0) * inside
    ligaments = ridges(_smooth_noise(rng, shape, spacing_mm, beta=3.0, min_frequency=5.0), 0.07)
    tissue = (
        glandular * (1.0 - 0.55 * lobules)
        + 0.30 * strands * (0.25 + glandular) * envelope
        + 0.40 * ligaments * ligament_zone
    )

    paths, branches = _vessels(spec, rng, distance * inside_hard >= 2.0, spacing_mm)
    vessels = render_tubes(paths + branches, shape, spacing_mm) * inside

    patches = _smooth_noise(rng, shape, spacing_mm, beta=2.4, min_frequency=3.0)
    bpe = BPE_AMPLITUDE[spec.bpe] * np.clip(patches + 0.3, 0.0, None) * glandular
    bpe *= 1.0 - 0.5 * lobules
    fine = power_law_noise(rng, shape, beta=1.8, anisotropy=1.6)
    mottle = _smooth_noise(rng, shape, spacing_mm, beta=2.5, min_frequency=2.0)

    deep = np.argwhere((distance > 6.0) & (x > 6.0))
    candidates = (deep + 0.5) * spacing_mm
    count = int(rng.poisson(2.0)) if rng.random() < 0.45 else 0
    specks = [scattered_benign(rng, candidates, count)]
    if spec.vascular_calcification and paths:
        specks.append(vascular(rng, paths[int(rng.integers(len(paths)))]))
    return BreastFields(
        spacing_mm=spacing_mm,
        inside=inside.astype(np.float32),
        skin_distance_mm=(distance * inside_hard).astype(np.float32),
        thickness_mm=thickness.astype(np.float32),
        glandular=glandular.astype(np.float32),
        tissue=tissue.astype(np.float32),
        vessels=vessels,
        bpe=bpe.astype(np.float32),
        fine=fine,
        mottle=mottle,
        specks_mm=np.concatenate(specks),
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
