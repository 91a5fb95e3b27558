"""Lesion appearance: kind (mass / non-mass), shape, margin, enhancement pattern, spicules,
calcifications, and the radiologist's outline.

A lesion is described in millimetres (:class:`LesionSpec`), independent of the pixel grid, and
rendered analytically on any grid (:mod:`studies.simulation.cohort.lesion_render`), so that a
seed gives the same lesion on a full-size and on a small image. Its own frame has angle 0
pointing to the nipple: a non-mass enhancement's segment and its calcifications follow the
ducts toward the nipple, as they do in real breasts.

Appearance depends on histology, not directly on the label: each histology has probabilities
for the BI-RADS lexicon descriptors (shape round / oval / irregular; margin circumscribed /
indistinct / spiculated; enhancement homogeneous / heterogeneous / rim) and a median
enhancement, and a probability of presenting as non-mass enhancement (NME: segmental clumped
enhancement without a mass, most often DCIS). Fibroadenomas are mostly oval and circumscribed
with weak homogeneous enhancement; invasive ductal carcinomas mostly irregular and spiculated
with strong heterogeneous or rim enhancement; mastitis and adenosis look suspicious, mucinous and
papillary carcinomas look benign. That overlap, plus the independent draws of each descriptor,
keeps any one feature from separating the classes while their combination separates them well.

The margin is also a continuous score m in [0, 1] (circumscribed 0–0.3, indistinct 0.3–0.7,
spiculated 0.7–1): it sets the width of the soft edge, the microlobulation and, above 0.55, the
number, length and strength of spicules, so margins run from smooth to spiculated without steps.

Geometry: the body's boundary is r(θ) = ellipse(θ) · (1 + Σ a_k cos(kθ + φ_k)). Spicules are
curved, tapering strands of varying length and width that fade into the tissue (heading bends
as a quadratic in arc length). The drawn outline is the boundary low-passed to 10 harmonics (a
careful radiologist follows lobulations but not spicules), wobbled, scaled by 1 + N(0, 0.06) and
shifted by N(0, 0.06 R): Dice 0.85–0.95 against the true lesion, with no systematic over-size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SHAPES: tuple[str, ...] = ("round", "oval", "irregular")
MARGINS: tuple[str, ...] = ("circumscribed", "indistinct", "spiculated")
PATTERNS: tuple[str, ...] = ("homogeneous", "heterogeneous", "rim")
#: Shape and pattern of a non-mass enhancement (BI-RADS: segmental distribution, clumped).
NON_MASS = "non-mass"
CLUMPED = "clumped"
#: Range of the continuous margin score per margin category.
MARGIN_SCORE_RANGE = {
    "circumscribed": (0.0, 0.3),
    "indistinct": (0.3, 0.7),
    "spiculated": (0.7, 1.0),
}


@dataclass(frozen=True)
class HistologyAppearance:
    """Descriptor probabilities (in the order of SHAPES, MARGINS, PATTERNS) of one histology,
    its median enhancement, and the probabilities of calcifications and of non-mass
    enhancement."""

    shape: tuple[float, float, float]
    margin: tuple[float, float, float]
    pattern: tuple[float, float, float]
    enhancement_median: float
    calcification_probability: float
    non_mass_probability: float = 0.0


APPEARANCE: dict[str, HistologyAppearance] = {
    "fibroadenoma": HistologyAppearance(
        (0.33, 0.62, 0.05), (0.82, 0.16, 0.02), (0.82, 0.16, 0.02), 0.40, 0.05
    ),
    "adenosis": HistologyAppearance(
        (0.25, 0.45, 0.30), (0.50, 0.42, 0.08), (0.62, 0.35, 0.03), 0.50, 0.20, 0.15
    ),
    "intraductal papilloma": HistologyAppearance(
        (0.45, 0.45, 0.10), (0.72, 0.24, 0.04), (0.72, 0.25, 0.03), 0.65, 0.05, 0.10
    ),
    "fibrocystic change": HistologyAppearance(
        (0.35, 0.45, 0.20), (0.55, 0.41, 0.04), (0.64, 0.30, 0.06), 0.30, 0.15, 0.20
    ),
    "mastitis": HistologyAppearance(
        (0.10, 0.30, 0.60), (0.15, 0.65, 0.20), (0.25, 0.45, 0.30), 0.85, 0.00, 0.20
    ),
    "benign phyllodes tumour": HistologyAppearance(
        (0.20, 0.65, 0.15), (0.72, 0.25, 0.03), (0.40, 0.56, 0.04), 0.60, 0.00
    ),
    "invasive ductal carcinoma": HistologyAppearance(
        (0.04, 0.11, 0.85), (0.08, 0.36, 0.56), (0.15, 0.50, 0.35), 0.95, 0.25, 0.03
    ),
    "ductal carcinoma in situ": HistologyAppearance(
        (0.05, 0.20, 0.75), (0.10, 0.75, 0.15), (0.20, 0.65, 0.15), 0.65, 0.80, 0.60
    ),
    "invasive lobular carcinoma": HistologyAppearance(
        (0.05, 0.10, 0.85), (0.05, 0.40, 0.55), (0.30, 0.55, 0.15), 0.70, 0.05, 0.15
    ),
    "mucinous carcinoma": HistologyAppearance(
        (0.45, 0.40, 0.15), (0.60, 0.35, 0.05), (0.30, 0.30, 0.40), 0.55, 0.05
    ),
    "invasive papillary carcinoma": HistologyAppearance(
        (0.35, 0.45, 0.20), (0.50, 0.40, 0.10), (0.40, 0.45, 0.15), 0.90, 0.10
    ),
}

#: Log-normal spread of the enhancement around the histology's median.
ENHANCEMENT_LOG_SD = 0.33

_ANGLES = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)


@dataclass(frozen=True)
class LesionSpec:
    """One lesion in millimetres, independent of any pixel grid, in its own frame (angle 0
    toward the nipple).

    Attributes:
        shape: round / oval / irregular, or ``"non-mass"``.
        margin: circumscribed / indistinct / spiculated (the category of ``margin_score``).
        margin_score: continuous margin, 0 (smooth) … 1 (spiculated).
        pattern: homogeneous / heterogeneous / rim, or ``"clumped"`` (non-mass).
        diameter_mm: true largest diameter of the body (spicules not counted).
        radius_table: r(θ) in mm at 720 equally spaced angles (0 … 2π).
        outline_table: the radiologist's outline r_s(θ) in mm (smoothed, scaled).
        outline_shift_mm: (row, column) offset of the drawn outline from the true centre.
        edge_width: half-width of the soft edge in units of u (sharp ≈ 0.03, indistinct ≈ 0.3).
        enhancement: mean iodine enhancement, relative (1 ≈ a typical strongly enhancing cancer).
        rim_core: for rim enhancement, the core's level relative to the rim.
        heterogeneity: amplitude of the enhancement's texture (0.1 homogeneous … 0.6).
        texture_seed: seed of the lesion's own texture fields (grid-independent).
        spicules: (n, 6) array of (angle rad, length mm, base width mm, strength, bend, bend²).
        calcifications: (n, 4) array of (row mm, column mm, radius mm, intensity).
        density: low-energy attenuation relative to glandular tissue.
    """

    shape: str
    margin: str
    margin_score: float
    pattern: str
    diameter_mm: float
    radius_table: np.ndarray
    outline_table: np.ndarray
    outline_shift_mm: tuple[float, float]
    edge_width: float
    enhancement: float
    rim_core: float
    heterogeneity: float
    texture_seed: int
    spicules: np.ndarray
    calcifications: np.ndarray
    density: float

    @property
    def is_mass(self) -> bool:
        """False for non-mass enhancement."""
        return self.shape != NON_MASS

    @property
    def extent_mm(self) -> float:
        """Radius of a disc that holds the body, its spicules and its drawn outline."""
        body = float(self.radius_table.max())
        spicules = body + float(self.spicules[:, 1].max()) + 1.0 if len(self.spicules) else 0.0
        drawn = float(self.outline_table.max()) + float(np.hypot(*self.outline_shift_mm))
        return max(body * (1.0 + self.edge_width), spicules, drawn) + 1.0

    def suspicion(self) -> float:
        """How suspicious the lesion looks to a reader (drives the BI-RADS category)."""
        shape_score = {"round": 0.0, "oval": 0.2, "irregular": 1.3, NON_MASS: 1.1}
        pattern_score = {"homogeneous": 0.0, "heterogeneous": 0.5, "rim": 0.9, CLUMPED: 0.8}
        score = shape_score[self.shape] + 1.35 * self.margin_score + pattern_score[self.pattern]
        score += 0.8 * math.log(max(self.enhancement, 0.05) / 0.6)
        score += 0.5 if len(self.calcifications) else 0.0
        return score


def _pick(rng: np.random.Generator, names: tuple[str, ...], p: tuple[float, ...]) -> str:
    return names[int(rng.choice(len(names), p=np.asarray(p) / sum(p)))]


def _harmonics(rng: np.random.Generator, orders: np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    """Σ a_k cos(kθ + φ_k) over ``orders`` with a_k ~ N(0, sd) on the 720 table angles."""
    amplitude = rng.normal(0.0, sd, orders.size)[:, None]
    phases = rng.uniform(0.0, 2.0 * np.pi, orders.size)[:, None]
    return (amplitude * np.cos(orders[:, None] * _ANGLES + phases)).sum(0)


def _radius_table(
    rng: np.random.Generator, shape: str, margin_score: float, diameter_mm: float
) -> np.ndarray:
    """r(θ) of the body, scaled so that its largest diameter equals ``diameter_mm``."""
    if shape == "round":
        aspect, orders, amplitude = rng.uniform(0.88, 1.0), np.arange(2, 4), 0.015
    elif shape == "oval":
        aspect, orders, amplitude = rng.uniform(0.55, 0.8), np.arange(2, 6), 0.03
    elif shape == NON_MASS:
        aspect, orders, amplitude = rng.uniform(0.35, 0.6), np.arange(2, 7), 0.08
    else:
        aspect, orders, amplitude = rng.uniform(0.55, 1.0), np.arange(2, 9), 0.18
    # Masses lie at any orientation; a non-mass segment runs along the ducts (toward angle 0).
    orientation = 0.0 if shape == NON_MASS else rng.uniform(0.0, np.pi)
    theta = _ANGLES - orientation
    radius = 1.0 / np.sqrt(np.cos(theta) ** 2 + (np.sin(theta) / aspect) ** 2)
    modulation = 1.0 + _harmonics(rng, orders, amplitude / orders**0.6)
    if shape == NON_MASS:  # a segment narrows toward the nipple
        modulation *= 1.0 - 0.3 * np.cos(_ANGLES)
    if shape == "irregular":  # angular, ragged contour on top of the lobes
        modulation += _harmonics(rng, np.arange(9, 17), 0.015)
    modulation += _harmonics(rng, np.arange(10, 21), 0.012 * margin_score)  # microlobulation
    radius = radius * np.clip(modulation, 0.35, None)
    half = radius.size // 2
    largest = float((radius + np.roll(radius, half)).max())
    return radius * (diameter_mm / largest)


def _drawn_outline(
    rng: np.random.Generator, radius: np.ndarray, harmonics: int
) -> tuple[np.ndarray, tuple[float, float]]:
    """The outline a careful radiologist draws: the body's contour low-passed to ``harmonics``
    (lobulations followed, spicules left out), with the hand's wobble (harmonics 2–4 of
    2 %), scaled by 1 + N(0, 0.06) — no systematic over- or under-size — and shifted by
    N(0, 0.06 R)."""
    spectrum = np.fft.rfft(radius)
    spectrum[harmonics + 1 :] = 0.0
    smooth = np.fft.irfft(spectrum, n=radius.size)
    hand = 1.0 + _harmonics(rng, np.arange(2, 5), 0.02)  # the hand's own wobble
    scale = 1.0 + rng.normal(0.0, 0.06)
    shift = rng.normal(0.0, 0.06 * float(radius.mean()), 2)
    return smooth * hand * scale, (float(shift[0]), float(shift[1]))


def _spicules(rng: np.random.Generator, margin_score: float, mean_radius: float) -> np.ndarray:
    """Curved, tapering strands; more, longer and stronger as the margin score rises past 0.55."""
    spiculation = max(margin_score - 0.55, 0.0) / 0.45
    if spiculation <= 0.0:
        return np.zeros((0, 6))
    count = round(4 + 16 * spiculation * float(rng.uniform(0.6, 1.0)))
    lengths = (mean_radius * rng.uniform(0.3, 1.4, count) + 3.0) * rng.lognormal(0.0, 0.35, count)
    return np.column_stack(
        [
            rng.uniform(0, 2 * np.pi, count),
            np.minimum(lengths * (0.5 + 0.5 * spiculation), 28.0),
            rng.uniform(0.3, 1.4, count) * rng.uniform(0.7, 1.0),
            (0.35 + 0.65 * spiculation) * rng.uniform(0.4, 1.0, count),
            rng.normal(0.0, 0.35, count),
            rng.normal(0.0, 0.25, count),
        ]
    )


def _calcifications(
    rng: np.random.Generator, shape: str, mean_radius: float, diameter_mm: float
) -> np.ndarray:
    """Malignant-type calcifications: a cluster in a mass, lines along the ducts in a segment."""
    if shape != NON_MASS:
        count = int(rng.integers(5, 26))
        spread = 0.4 * mean_radius
        rows, cols = rng.normal(0, spread, count), rng.normal(0, spread, count)
    else:  # linear / segmental: 2–4 ductal lines converging toward the nipple (angle 0)
        lines = int(rng.integers(2, 5))
        rows_list, cols_list = [], []
        for _ in range(lines):
            offset = rng.normal(0.0, 0.18 * diameter_mm)
            n = int(rng.integers(4, 12))
            along = rng.uniform(-0.4, 0.4, n) * diameter_mm
            rows_list.append(offset * (1.0 - 0.4 * along / diameter_mm) + rng.normal(0, 0.3, n))
            cols_list.append(along)
        rows, cols = np.concatenate(rows_list), np.concatenate(cols_list)
        count = rows.size
    # Fine pleomorphic calcifications of DCIS are smaller than a mass's cluster.
    radius = rng.uniform(0.1, 0.3, count) if shape != NON_MASS else rng.uniform(0.06, 0.18, count)
    return np.column_stack([rows, cols, radius, rng.uniform(0.5, 1.0, count)])


def sample_lesion(rng: np.random.Generator, histology: str, diameter_mm: float) -> LesionSpec:
    """Draw a lesion's appearance from its histology's table (see :data:`APPEARANCE`)."""
    table = APPEARANCE[histology]
    non_mass = rng.random() < table.non_mass_probability
    shape = NON_MASS if non_mass else _pick(rng, SHAPES, table.shape)
    margin = "indistinct" if non_mass else _pick(rng, MARGINS, table.margin)
    pattern = _pick(rng, PATTERNS, table.pattern)
    if non_mass:
        pattern = CLUMPED if rng.random() < 0.75 else "heterogeneous"
    low, high = MARGIN_SCORE_RANGE[margin]
    margin_score = float(rng.uniform(low, high))
    radius = _radius_table(rng, shape, margin_score, diameter_mm)
    outline, shift = _drawn_outline(rng, radius, 6 if non_mass else 10)
    mean_radius = float(radius.mean())
    edge_width = 0.35 if non_mass else 0.03 + 0.3 * margin_score
    enhancement = float(table.enhancement_median * rng.lognormal(0.0, ENHANCEMENT_LOG_SD))
    heterogeneity = {"homogeneous": 0.1, "heterogeneous": 0.6, "rim": 0.25, CLUMPED: 1.0}[pattern]
    spicules = np.zeros((0, 6)) if non_mass else _spicules(rng, margin_score, mean_radius)
    if rng.random() < table.calcification_probability:
        calcifications = _calcifications(rng, shape, mean_radius, diameter_mm)
    else:
        calcifications = np.zeros((0, 4))
    return LesionSpec(
        shape=shape,
        margin=margin,
        margin_score=margin_score,
        pattern=pattern,
        diameter_mm=float(diameter_mm),
        radius_table=radius,
        outline_table=outline,
        outline_shift_mm=shift,
        edge_width=edge_width,
        enhancement=enhancement,
        rim_core=float(rng.uniform(0.15, 0.45)),
        heterogeneity=heterogeneity,
        texture_seed=int(rng.integers(0, 2**31 - 1)),
        spicules=spicules,
        calcifications=calcifications,
        density=float(rng.uniform(0.15, 0.3) if non_mass else rng.uniform(0.85, 1.15)),
    )
