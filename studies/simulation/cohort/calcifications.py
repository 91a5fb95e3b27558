"""Calcifications: small dense specks rendered at the detector's resolution.

Benign calcifications are common on mammograms — scattered round ones (0.5–2 mm, sharp, very
dense) and, in older women, vascular calcifications, paired dashes along a vessel's walls (a
"tram track"). Malignant-type microcalcifications belong to lesions (``lesions``). All are too
small for the coarse anatomy grid, so they are rendered on the output grid, each in its own
small window, with partial volume: a speck smaller than a pixel spreads over it, dimmer, with
the same integral, as on a detector.
"""

from __future__ import annotations

import math

import numpy as np


def render_specks(image: np.ndarray, specks: np.ndarray, spacing_mm: float, gain: float) -> None:
    """Add specks (n, 4: row mm, column mm, radius mm, relative intensity) to ``image`` in place.

    A speck's peak is ``gain × intensity`` when it is larger than a pixel.
    """
    rows, cols = image.shape
    for row_mm, col_mm, radius, intensity in specks:
        sigma = max(radius, 0.5 * spacing_mm) / spacing_mm
        weight = gain * intensity * (max(radius / spacing_mm, 1e-3) / sigma) ** 2
        r, c = row_mm / spacing_mm - 0.5, col_mm / spacing_mm - 0.5
        reach = math.ceil(3.0 * sigma) + 1
        r0, r1 = max(int(r) - reach, 0), min(int(r) + reach + 1, rows)
        c0, c1 = max(int(c) - reach, 0), min(int(c) + reach + 1, cols)
        if r0 >= r1 or c0 >= c1:
            continue
        y = np.arange(r0, r1, dtype=np.float32)[:, None] - r
        x = np.arange(c0, c1, dtype=np.float32)[None, :] - c
        image[r0:r1, c0:c1] += weight * np.exp(-(y**2 + x**2) / (2.0 * sigma**2))


def scattered_benign(rng: np.random.Generator, candidates_mm: np.ndarray, count: int) -> np.ndarray:
    """``count`` round benign calcifications at random candidate points (row, column mm)."""
    if count == 0 or not len(candidates_mm):
        return np.zeros((0, 4))
    chosen = candidates_mm[rng.choice(len(candidates_mm), size=count)]
    return np.column_stack([chosen, rng.uniform(0.25, 0.9, count), rng.uniform(0.6, 1.0, count)])


def vascular(rng: np.random.Generator, path: np.ndarray) -> np.ndarray:
    """Tram-track calcification along part of a vessel path ((n, 3): row, column, width mm)."""
    if len(path) < 40:
        return np.zeros((0, 4))
    start = int(rng.integers(0, len(path) // 2))
    segment = path[start : start + int(rng.integers(30, min(len(path) - start, 200) + 1))]
    direction = np.gradient(segment[:, :2], axis=0)
    normal = np.column_stack([direction[:, 1], -direction[:, 0]])
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    keep = rng.random(len(segment)) < 0.45  # dashed, not continuous
    specks = []
    for side in (-0.5, 0.5):
        walls = segment[keep, :2] + side * segment[keep, 2:3] * normal[keep]
        specks.append(
            np.column_stack([walls, np.full(len(walls), 0.15), rng.uniform(0.4, 0.8, len(walls))])
        )
    return np.concatenate(specks)
