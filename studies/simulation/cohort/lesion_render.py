"""Rasterising a lesion (:class:`~studies.simulation.cohort.lesions.LesionSpec`) on a pixel grid.

Everything is computed from millimetre coordinates in the lesion's frame (angle 0 toward the
nipple), so one lesion looks the same on a full-size and on a small image. The body is a soft
occupancy (its edge as wide as the margin is indistinct) times a projected profile — a plateau
plus the chord of an ellipsoid for a mass, flat for a non-mass segment. Enhancement texture
comes from the lesion's own power-law fields (generated on a 0.25 mm grid from its seed): mottled
for heterogeneous lesions; for rim enhancement a ring whose radius and thickness wander with the
texture around an irregular, partly necrotic core; for a non-mass segment, clumps of enhancing
foci under a faint diffuse blush. Spicules are curved tubes whose width and strength fade along
their length, so they dissolve into the tissue rather than end as needles; on the low-energy
image they appear as faint strands with the tissue retracted toward the lesion (architectural
distortion), not as bright lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from studies.simulation.cohort.lesions import CLUMPED, LesionSpec
from studies.simulation.cohort.texture import power_law_noise
from studies.simulation.cohort.vessels import render_tubes

#: Grid (mm) of the lesion's own texture fields.
TEXTURE_SPACING_MM = 0.25
_SPICULE_STEP_MM = 0.1
_SPICULE_SIGMAS_MM = (0.1, 0.2, 0.35)


@dataclass(frozen=True)
class LesionRender:
    """A lesion rendered on a pixel grid, inside a box of the image.

    Attributes:
        box: (row slice, column slice) of the image that holds every non-zero pixel below.
        density: low-energy signal, relative (body profile + faint spicules, 0 elsewhere).
        iodine: recombined signal, relative (enhancement × pattern × profile + spicules).
        retraction: (2, rows, columns) source coordinates, in box pixels, that pull the
            surrounding tissue toward a spiculated lesion, or None.
        calcifications_mm: (n, 4) calcifications in image millimetres (row, column, radius,
            intensity), for :func:`~studies.simulation.cohort.calcifications.render_specks`.
        true_mask: the simulated lesion (body and the thick roots of its spicules), bool.
        drawn_mask: the radiologist's outline, bool.
    """

    box: tuple[slice, slice]
    density: np.ndarray
    iodine: np.ndarray
    retraction: np.ndarray | None
    calcifications_mm: np.ndarray
    true_mask: np.ndarray
    drawn_mask: np.ndarray


def _table_lookup(table: np.ndarray, angle: np.ndarray) -> np.ndarray:
    step = 2.0 * np.pi / table.size
    return np.interp(
        np.mod(angle, 2.0 * np.pi) / step, np.arange(table.size + 1), np.r_[table, table[0]]
    )


def _texture_fields(spec: LesionSpec, extent_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """The lesion's smooth (blobs ≈ R/3) and fine (foci of 1–3 mm) texture fields."""
    rng = np.random.default_rng(spec.texture_seed)
    n = 2 * math.ceil(extent_mm / TEXTURE_SPACING_MM) + 2
    blob_mm = max(0.7 * float(spec.radius_table.mean()), 3.0)
    cycles = max(n * TEXTURE_SPACING_MM / blob_mm, 2.0)
    smooth = power_law_noise(rng, (n, n), beta=3.0, min_frequency=cycles)
    fine = power_law_noise(rng, (n, n), beta=2.0, min_frequency=n * TEXTURE_SPACING_MM / 4.0)
    return smooth, fine


def _sample(field: np.ndarray, yr: np.ndarray, xr: np.ndarray, extent_mm: float) -> np.ndarray:
    coordinates = [(yr + extent_mm) / TEXTURE_SPACING_MM, (xr + extent_mm) / TEXTURE_SPACING_MM]
    return ndimage.map_coordinates(field, coordinates, order=1, mode="nearest")


def _spicule_paths(spec: LesionSpec, axis_angle: float, origin: tuple[float, float]) -> list:
    """Points (row, column, width, strength) of each spicule in box millimetres."""
    paths = []
    for angle, length, width, strength, bend, bend2 in spec.spicules:
        s = np.arange(0.0, length, _SPICULE_STEP_MM)
        if s.size < 3:
            continue
        t = s / length
        start = 0.8 * float(_table_lookup(spec.radius_table, np.array([angle]))[0])
        heading = angle + axis_angle + bend * t + bend2 * t**2
        rows = start * math.sin(angle + axis_angle) + np.cumsum(np.sin(heading)) * _SPICULE_STEP_MM
        cols = start * math.cos(angle + axis_angle) + np.cumsum(np.cos(heading)) * _SPICULE_STEP_MM
        widths = width * (1.0 - 0.8 * t)
        fade = strength * (1.0 - t) ** 0.7
        paths.append(np.column_stack([rows + origin[0], cols + origin[1], widths, fade]))
    return paths


def render_lesion(
    spec: LesionSpec,
    center_mm: tuple[float, float],
    spacing_mm: float,
    image_shape: tuple[int, int],
    axis_angle: float = 0.0,
) -> LesionRender:
    """Rasterise ``spec`` centred at ``center_mm`` (row, column) on a grid of ``spacing_mm``;
    ``axis_angle`` is the image direction (rad, 0 = increasing columns) of the lesion frame's
    angle 0, the direction of the nipple."""
    extent = spec.extent_mm
    r0 = max(int((center_mm[0] - extent) / spacing_mm), 0)
    r1 = min(math.ceil((center_mm[0] + extent) / spacing_mm) + 1, image_shape[0])
    c0 = max(int((center_mm[1] - extent) / spacing_mm), 0)
    c1 = min(math.ceil((center_mm[1] + extent) / spacing_mm) + 1, image_shape[1])
    y = ((np.arange(r0, r1, dtype=np.float32) + 0.5) * spacing_mm - center_mm[0])[:, None]
    x = ((np.arange(c0, c1, dtype=np.float32) + 0.5) * spacing_mm - center_mm[1])[None, :]
    cos_a, sin_a = math.cos(axis_angle), math.sin(axis_angle)
    yr, xr = -x * sin_a + y * cos_a, x * cos_a + y * sin_a  # lesion frame
    rho = np.sqrt(y**2 + x**2)
    angle = np.arctan2(yr, xr)
    u = (rho / _table_lookup(spec.radius_table, angle)).astype(np.float32)
    w = spec.edge_width
    occupancy = np.clip((1.0 + w - u) / (2.0 * w), 0.0, 1.0)
    occupancy = occupancy * occupancy * (3.0 - 2.0 * occupancy)  # smoothstep
    if spec.is_mass:
        body = occupancy * (0.35 + 0.65 * np.sqrt(np.clip(1.0 - u**2, 0.0, 1.0)))
    else:
        body = occupancy

    smooth_field, fine_field = _texture_fields(spec, extent)
    near = occupancy > 0.0
    smooth = np.zeros(u.shape, dtype=np.float32)
    fine = np.zeros(u.shape, dtype=np.float32)
    yb, xb = np.broadcast_to(yr, u.shape)[near], np.broadcast_to(xr, u.shape)[near]
    smooth[near] = _sample(smooth_field, yb, xb, extent)
    fine[near] = _sample(fine_field, yb, xb, extent)
    if spec.pattern == "rim":
        ring_radius = 0.8 + 0.07 * smooth
        ring_width = 0.17 * (1.0 + 0.3 * np.tanh(fine))
        ring = np.exp(-(((u - ring_radius) / ring_width) ** 2))
        core = spec.rim_core * np.clip(1.0 + 0.6 * smooth, 0.2, None)
        pattern = np.maximum(core, 1.7 * ring) * (1.0 + 0.15 * fine)
    elif spec.pattern == CLUMPED:
        clumps = 1.0 / (1.0 + np.exp(-(fine + 0.5 * smooth - 0.5) / 0.35))
        pattern = (0.35 + 1.1 * clumps) * np.clip(1.0 + 0.3 * smooth, 0.3, None)
    else:
        pattern = 1.0 + spec.heterogeneity * (0.85 * smooth + 0.2 * fine)
    pattern = np.clip(pattern, 0.05, None)
    iodine = body * pattern

    spicules = np.zeros(u.shape, dtype=np.float32)
    if len(spec.spicules):
        origin = (center_mm[0] - r0 * spacing_mm, center_mm[1] - c0 * spacing_mm)
        paths = _spicule_paths(spec, axis_angle, origin)
        spicules = render_tubes(
            paths, u.shape, spacing_mm, _SPICULE_STEP_MM, _SPICULE_SIGMAS_MM
        )  # projected mm × strength

    retraction = None
    if spec.margin_score > 0.55 and spec.is_mass:
        # Tissue within a few radii is pulled toward the lesion: sample it farther out.
        # The magnification 1 + k·exp(−ρ/L) is smooth at the centre and fades to 1 well
        # inside the box, so nothing is torn at its edge.
        reach = 1.5 * float(spec.radius_table.mean())
        fade = np.clip((extent - rho) / (0.3 * extent), 0.0, 1.0)
        scale = 1.0 + 0.35 * spec.margin_score * np.exp(-rho / reach) * fade
        rows_px = (y * scale + center_mm[0]) / spacing_mm - 0.5 - r0
        cols_px = (x * scale + center_mm[1]) / spacing_mm - 0.5 - c0
        retraction = np.stack(np.broadcast_arrays(rows_px, cols_px)).astype(np.float32)

    calcifications = spec.calcifications
    if len(calcifications):
        cy, cx = calcifications[:, 0], calcifications[:, 1]  # lesion frame
        rows_mm = center_mm[0] + cy * cos_a + cx * sin_a
        cols_mm = center_mm[1] - cy * sin_a + cx * cos_a
        calcifications = np.column_stack([rows_mm, cols_mm, calcifications[:, 2:]])

    shift = spec.outline_shift_mm
    drawn_y, drawn_x = y - shift[0], x - shift[1]
    drawn_angle = np.arctan2(-drawn_x * sin_a + drawn_y * cos_a, drawn_x * cos_a + drawn_y * sin_a)
    drawn_u = np.sqrt(drawn_y**2 + drawn_x**2) / _table_lookup(spec.outline_table, drawn_angle)
    return LesionRender(
        box=(slice(r0, r1), slice(c0, c1)),
        density=np.maximum(body, 0.55 * spicules).astype(np.float32),
        iodine=np.maximum(iodine, 0.5 * spicules).astype(np.float32),
        retraction=retraction,
        calcifications_mm=calcifications,
        true_mask=(u <= 1.0) | (spicules >= 0.6),
        drawn_mask=drawn_u <= 1.0,
    )
