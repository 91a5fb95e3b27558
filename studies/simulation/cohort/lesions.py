"""Lesion appearance: shape, margin, enhancement pattern, spicules, calcifications, and the
radiologist's outline.

A lesion is described in millimetres (:class:`LesionSpec`), independent of the pixel grid, and
rendered analytically on any grid (:func:`render_lesion`), so that a seed gives the same lesion
on a full-size and on a small image.

Appearance depends on histology, not directly on the label: each histology has probabilities
for the BI-RADS lexicon descriptors (shape round / oval / irregular; margin circumscribed /
indistinct / spiculated; enhancement homogeneous / heterogeneous / rim) and a median
enhancement. Fibroadenomas are mostly oval and circumscribed with weak homogeneous enhancement;
invasive ductal carcinomas mostly irregular and spiculated with strong heterogeneous or rim
enhancement; mastitis and adenosis look suspicious, mucinous and papillary carcinomas look
benign. That overlap, plus the independent draws of each descriptor, keeps any one feature
from separating the classes while their combination separates them well.

Geometry: the body's boundary is r(θ) = ellipse(θ) · (1 + Σ a_k cos(kθ + φ_k)); its normalised
radius u = ρ / r(θ) is ≤ 1 inside. Projected signal is a mix of a flat plateau and the chord
length of an ellipsoid, ``0.35 + 0.65·sqrt(1 − u²)``, so circumscribed lesions keep a visible
edge. Spicules are tapered line segments radiating from the boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SHAPES: tuple[str, ...] = ("round", "oval", "irregular")
MARGINS: tuple[str, ...] = ("circumscribed", "indistinct", "spiculated")
PATTERNS: tuple[str, ...] = ("homogeneous", "heterogeneous", "rim")


@dataclass(frozen=True)
class HistologyAppearance:
    """Descriptor probabilities (in the order of SHAPES, MARGINS, PATTERNS) of one histology."""

    shape: tuple[float, float, float]
    margin: tuple[float, float, float]
    pattern: tuple[float, float, float]
    enhancement_median: float
    calcification_probability: float


APPEARANCE: dict[str, HistologyAppearance] = {
    "fibroadenoma": HistologyAppearance(
        (0.33, 0.62, 0.05), (0.82, 0.16, 0.02), (0.82, 0.16, 0.02), 0.40, 0.05
    ),
    "adenosis": HistologyAppearance(
        (0.25, 0.45, 0.30), (0.50, 0.42, 0.08), (0.62, 0.35, 0.03), 0.50, 0.20
    ),
    "intraductal papilloma": HistologyAppearance(
        (0.45, 0.45, 0.10), (0.72, 0.24, 0.04), (0.72, 0.25, 0.03), 0.65, 0.05
    ),
    "fibrocystic change": HistologyAppearance(
        (0.35, 0.45, 0.20), (0.55, 0.41, 0.04), (0.64, 0.30, 0.06), 0.30, 0.15
    ),
    "mastitis": HistologyAppearance(
        (0.10, 0.30, 0.60), (0.15, 0.65, 0.20), (0.25, 0.45, 0.30), 0.85, 0.00
    ),
    "benign phyllodes tumour": HistologyAppearance(
        (0.20, 0.65, 0.15), (0.72, 0.25, 0.03), (0.40, 0.56, 0.04), 0.60, 0.00
    ),
    "invasive ductal carcinoma": HistologyAppearance(
        (0.04, 0.11, 0.85), (0.08, 0.36, 0.56), (0.15, 0.50, 0.35), 0.95, 0.25
    ),
    "ductal carcinoma in situ": HistologyAppearance(
        (0.05, 0.20, 0.75), (0.10, 0.75, 0.15), (0.20, 0.65, 0.15), 0.65, 0.80
    ),
    "invasive lobular carcinoma": HistologyAppearance(
        (0.05, 0.10, 0.85), (0.05, 0.40, 0.55), (0.30, 0.55, 0.15), 0.70, 0.05
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
    """One lesion in millimetres, independent of any pixel grid.

    Attributes:
        shape, margin, pattern: BI-RADS lexicon descriptors (see SHAPES, MARGINS, PATTERNS).
        diameter_mm: true largest diameter of the body (spicules not counted).
        radius_table: r(θ) in mm at 720 equally spaced angles (0 … 2π).
        outline_table: the radiologist's outline r_s(θ) in mm (smoothed, scaled).
        outline_shift_mm: (row, column) offset of the drawn outline from the true centre.
        edge_width: half-width of the soft edge in units of u (sharp ≈ 0.03, indistinct ≈ 0.2).
        enhancement: mean iodine enhancement, relative (1 ≈ a typical strongly enhancing cancer).
        rim_core: for rim enhancement, the core's level relative to the rim.
        heterogeneity: amplitude of the enhancement's blob texture (0.08 homogeneous … 0.6).
        blobs: (n, 4) array of blob (row mm, column mm, sigma mm, amplitude).
        spicules: (n, 4) array of (angle rad, length mm, base width mm, relative intensity).
        calcifications: (n, 3) array of (row mm, column mm, radius mm).
        density: low-energy attenuation relative to glandular tissue.
    """

    shape: str
    margin: str
    pattern: str
    diameter_mm: float
    radius_table: np.ndarray
    outline_table: np.ndarray
    outline_shift_mm: tuple[float, float]
    edge_width: float
    enhancement: float
    rim_core: float
    heterogeneity: float
    blobs: np.ndarray
    spicules: np.ndarray
    calcifications: np.ndarray
    density: float

    @property
    def extent_mm(self) -> float:
        """Radius of a disc that holds the body, its spicules and its drawn outline."""
        reach = float(self.radius_table.max())
        if len(self.spicules):
            reach += float(self.spicules[:, 1].max())
        drawn = float(self.outline_table.max()) + float(np.hypot(*self.outline_shift_mm))
        return max(reach, drawn) * (1.0 + self.edge_width) + 1.0

    def suspicion(self) -> float:
        """How suspicious the lesion looks to a reader (drives the BI-RADS category)."""
        score = {"round": 0.0, "oval": 0.2, "irregular": 1.3}[self.shape]
        score += {"circumscribed": 0.0, "indistinct": 0.7, "spiculated": 1.3}[self.margin]
        score += {"homogeneous": 0.0, "heterogeneous": 0.5, "rim": 0.9}[self.pattern]
        score += 0.8 * math.log(max(self.enhancement, 0.05) / 0.6)
        score += 0.5 if len(self.calcifications) else 0.0
        return score


def _pick(rng: np.random.Generator, names: tuple[str, ...], p: tuple[float, ...]) -> str:
    return names[int(rng.choice(len(names), p=np.asarray(p) / sum(p)))]


def _radius_table(
    rng: np.random.Generator, shape: str, margin: str, diameter_mm: float
) -> np.ndarray:
    """r(θ) of the body, scaled so that its largest diameter equals ``diameter_mm``."""
    if shape == "round":
        aspect, orders, amplitude = rng.uniform(0.88, 1.0), np.arange(2, 4), 0.015
    elif shape == "oval":
        aspect, orders, amplitude = rng.uniform(0.55, 0.8), np.arange(2, 6), 0.03
    else:
        aspect, orders, amplitude = rng.uniform(0.6, 1.0), np.arange(2, 9), 0.25
    orientation = rng.uniform(0.0, np.pi)
    theta = _ANGLES - orientation
    radius = 1.0 / np.sqrt(np.cos(theta) ** 2 + (np.sin(theta) / aspect) ** 2)
    a_k = rng.normal(0.0, amplitude, orders.size) / orders**0.6
    phases = rng.uniform(0.0, 2.0 * np.pi, orders.size)
    modulation = 1.0 + (a_k[:, None] * np.cos(orders[:, None] * _ANGLES + phases[:, None])).sum(0)
    if shape == "irregular":  # angular, ragged contour on top of the lobes
        ragged = np.arange(9, 17)
        modulation += (
            rng.normal(0.0, 0.03, ragged.size)[:, None]
            * np.cos(ragged[:, None] * _ANGLES + rng.uniform(0, 2 * np.pi, ragged.size)[:, None])
        ).sum(0)
    if margin == "indistinct":  # microlobulation
        fine = np.arange(10, 21)
        modulation += (
            rng.normal(0.0, 0.01, fine.size)[:, None]
            * np.cos(fine[:, None] * _ANGLES + rng.uniform(0, 2 * np.pi, fine.size)[:, None])
        ).sum(0)
    radius = radius * np.clip(modulation, 0.35, None)
    half = radius.size // 2
    largest = float((radius + np.roll(radius, half)).max())
    return radius * (diameter_mm / largest)


def _drawn_outline(
    rng: np.random.Generator, radius: np.ndarray, margin: str
) -> tuple[np.ndarray, tuple[float, float]]:
    """The outline a radiologist draws: low-pass body contour, a little dilated or eroded, shifted.

    Keeping harmonics ≤ 6 smooths lobulations and leaves spicules out; indistinct margins are
    drawn slightly wider. The shift and scale are tuned so that Dice against the true lesion is
    about 0.85–0.9 on average.
    """
    spectrum = np.fft.rfft(radius)
    spectrum[7:] = 0.0
    smooth = np.fft.irfft(spectrum, n=radius.size)
    bias = {"circumscribed": 0.0, "indistinct": 0.05, "spiculated": 0.02}[margin]
    scale = 1.0 + bias + rng.normal(0.0, 0.07)
    mean_radius = float(radius.mean())
    shift = rng.normal(0.0, 0.06 * mean_radius, 2)
    return smooth * scale, (float(shift[0]), float(shift[1]))


def sample_lesion(rng: np.random.Generator, histology: str, diameter_mm: float) -> LesionSpec:
    """Draw a lesion's appearance from its histology's table (see :data:`APPEARANCE`)."""
    table = APPEARANCE[histology]
    shape = _pick(rng, SHAPES, table.shape)
    margin = _pick(rng, MARGINS, table.margin)
    pattern = _pick(rng, PATTERNS, table.pattern)
    radius = _radius_table(rng, shape, margin, diameter_mm)
    outline, shift = _drawn_outline(rng, radius, margin)
    mean_radius = float(radius.mean())
    edge_width = {"circumscribed": 0.03, "indistinct": 0.3, "spiculated": 0.1}[margin]
    enhancement = float(table.enhancement_median * rng.lognormal(0.0, ENHANCEMENT_LOG_SD))
    heterogeneity = {"homogeneous": 0.08, "heterogeneous": 0.7, "rim": 0.2}[pattern]
    n_blobs = 10
    blob_r = mean_radius * np.sqrt(rng.uniform(0, 1, n_blobs))
    blob_a = rng.uniform(0, 2 * np.pi, n_blobs)
    blobs = np.column_stack(
        [
            blob_r * np.sin(blob_a),
            blob_r * np.cos(blob_a),
            mean_radius * rng.uniform(0.15, 0.4, n_blobs),
            rng.normal(0.0, 1.0, n_blobs),
        ]
    )
    if margin == "spiculated":
        n_spicules = int(rng.integers(6, 19))
        spicules = np.column_stack(
            [
                rng.uniform(0, 2 * np.pi, n_spicules),
                np.minimum(mean_radius * rng.uniform(0.4, 1.3, n_spicules) + 2.0, 25.0),
                rng.uniform(0.5, 1.2, n_spicules),
                rng.uniform(0.5, 1.0, n_spicules),
            ]
        )
    else:
        spicules = np.zeros((0, 4))
    if rng.random() < table.calcification_probability:
        n_calc = int(rng.integers(5, 26))
        spread = 0.4 * mean_radius
        calcifications = np.column_stack(
            [
                rng.normal(0, spread, n_calc),
                rng.normal(0, spread, n_calc),
                rng.uniform(0.12, 0.35, n_calc),
            ]
        )
    else:
        calcifications = np.zeros((0, 3))
    return LesionSpec(
        shape=shape,
        margin=margin,
        pattern=pattern,
        diameter_mm=float(diameter_mm),
        radius_table=radius,
        outline_table=outline,
        outline_shift_mm=shift,
        edge_width=edge_width,
        enhancement=enhancement,
        rim_core=float(rng.uniform(0.15, 0.45)),
        heterogeneity=heterogeneity,
        blobs=blobs,
        spicules=spicules,
        calcifications=calcifications,
        density=float(rng.uniform(0.85, 1.15)),
    )


@dataclass(frozen=True)
class LesionRender:
    """A lesion rendered on a pixel grid, inside a box of the image.

    Attributes:
        box: (row slice, column slice) of the image that holds every non-zero pixel below.
        density: low-energy signal, relative (body chord profile + spicules + 0 elsewhere).
        iodine: recombined signal, relative (enhancement × pattern × profile + weak spicules).
        calcifications: low-energy microcalcification signal, relative (0 … 1).
        true_mask: the simulated lesion (body and spicules), bool.
        drawn_mask: the radiologist's outline, bool.
    """

    box: tuple[slice, slice]
    density: np.ndarray
    iodine: np.ndarray
    calcifications: np.ndarray
    true_mask: np.ndarray
    drawn_mask: np.ndarray


def _table_lookup(table: np.ndarray, angle: np.ndarray) -> np.ndarray:
    step = 2.0 * np.pi / table.size
    return np.interp(
        np.mod(angle, 2.0 * np.pi) / step, np.arange(table.size + 1), np.r_[table, table[0]]
    )


def render_lesion(
    spec: LesionSpec,
    center_mm: tuple[float, float],
    spacing_mm: float,
    image_shape: tuple[int, int],
) -> LesionRender:
    """Rasterise ``spec`` centred at ``center_mm`` (row, column) on a grid of ``spacing_mm``."""
    extent = spec.extent_mm
    r0 = max(int((center_mm[0] - extent) / spacing_mm), 0)
    r1 = min(math.ceil((center_mm[0] + extent) / spacing_mm) + 1, image_shape[0])
    c0 = max(int((center_mm[1] - extent) / spacing_mm), 0)
    c1 = min(math.ceil((center_mm[1] + extent) / spacing_mm) + 1, image_shape[1])
    y = ((np.arange(r0, r1, dtype=np.float32) + 0.5) * spacing_mm - center_mm[0])[:, None]
    x = ((np.arange(c0, c1, dtype=np.float32) + 0.5) * spacing_mm - center_mm[1])[None, :]
    rho = np.sqrt(y**2 + x**2)
    angle = np.arctan2(y, x)
    u = rho / _table_lookup(spec.radius_table, angle)
    w = spec.edge_width
    occupancy = np.clip((1.0 + w - u) / (2.0 * w), 0.0, 1.0)
    occupancy = occupancy * occupancy * (3.0 - 2.0 * occupancy)  # smoothstep
    chord = np.sqrt(np.clip(1.0 - u**2, 0.0, 1.0))
    body = occupancy * (0.35 + 0.65 * chord)

    texture = np.zeros_like(rho)
    for by, bx, sigma, amplitude in spec.blobs:
        texture += amplitude * np.exp(-((y - by) ** 2 + (x - bx) ** 2) / (2.0 * sigma**2))
    peak = float(np.abs(spec.blobs[:, 3]).max()) if len(spec.blobs) else 1.0
    pattern = 1.0 + spec.heterogeneity * texture / max(peak, 1e-6)
    if spec.pattern == "rim":
        rim = np.exp(-(((u - 0.82) / 0.16) ** 2))
        pattern = pattern * (spec.rim_core + (1.9 - spec.rim_core) * rim)
    pattern = np.clip(pattern, 0.05, None)

    spicule_map = np.zeros_like(rho)
    spicule_core = np.zeros(rho.shape, dtype=bool)
    for angle_s, length, width, strength in spec.spicules:
        start = 0.85 * float(_table_lookup(spec.radius_table, np.array([angle_s]))[0])
        dy, dx = math.sin(angle_s), math.cos(angle_s)
        # Projection of each pixel on the spicule's axis, and distance from it.
        along = y * dy + x * dx - start
        across = np.abs(-y * dx + x * dy)
        t = np.clip(along / length, 0.0, 1.0)
        half_width = 0.5 * width * (1.0 - 0.85 * t) + 1e-3
        # Partial volume: a line thinner than a pixel is spread over one pixel, dimmer, with
        # the same integral, so spicules survive on coarse grids as they do on a detector.
        blurred = np.maximum(half_width, 0.5 * spacing_mm)
        inside = (along >= 0) & (along <= length)
        profile = (half_width / blurred) * np.exp(-((across / blurred) ** 2))
        line = np.where(inside, strength * profile, 0.0)
        spicule_map = np.maximum(spicule_map, line)
        spicule_core |= inside & (across <= half_width)

    calc = np.zeros_like(rho)
    for cy, cx, radius in spec.calcifications:
        sigma = max(radius, 0.5 * spacing_mm)
        weight = (radius / sigma) ** 2  # partial volume on coarse pixels
        calc += weight * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2.0 * sigma**2))
    calc = np.clip(calc, 0.0, 1.0)

    drawn_y = y - spec.outline_shift_mm[0]
    drawn_x = x - spec.outline_shift_mm[1]
    drawn_u = np.sqrt(drawn_y**2 + drawn_x**2) / _table_lookup(
        spec.outline_table, np.arctan2(drawn_y, drawn_x)
    )
    return LesionRender(
        box=(slice(r0, r1), slice(c0, c1)),
        density=(np.maximum(body, 0.8 * spicule_map)).astype(np.float32),
        iodine=(np.maximum(body * pattern, 0.45 * spicule_map)).astype(np.float32),
        calcifications=calc.astype(np.float32),
        true_mask=(u <= 1.0) | spicule_core,
        drawn_mask=drawn_u <= 1.0,
    )
