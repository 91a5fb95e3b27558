"""Lesion and anatomy building blocks look like tissue, measured on their specifications and
renders: curved, tapering spicules that fade; margins continuous from smooth to spiculated;
non-mass enhancement for a share of DCIS, its calcifications along the ducts; vessels as tubes
of their width; a CC view's magnification."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from studies.simulation.cohort.acquisition import magnification_factor
from studies.simulation.cohort.lesion_render import render_lesion
from studies.simulation.cohort.lesions import NON_MASS, LesionSpec, sample_lesion
from studies.simulation.cohort.vessels import render_tubes


def _lesions(histology: str, count: int, diameter_mm: float = 20.0) -> list[LesionSpec]:
    rng = np.random.default_rng(12)
    return [sample_lesion(rng, histology, diameter_mm) for _ in range(count)]


@pytest.fixture(scope="module")
def spiculated() -> list[LesionSpec]:
    return [
        spec for spec in _lesions("invasive ductal carcinoma", 200) if spec.margin == "spiculated"
    ]


def test_spicules_vary_in_length_width_and_bend(spiculated: list[LesionSpec]) -> None:
    for spec in spiculated[:20]:
        length, width, bend = spec.spicules[:, 1], spec.spicules[:, 2], spec.spicules[:, 4]
        assert len(spec.spicules) >= 4
        assert length.std() > 0.15 * length.mean()
        assert width.std() > 0.1 * width.mean()
        assert np.abs(bend).max() > 0.1  # curved, not straight needles


def test_spicules_fade_away_from_the_body(spiculated: list[LesionSpec]) -> None:
    """Mean recombined signal of the spicules in rings farther out keeps falling."""
    spec = max(spiculated, key=lambda s: s.spicules[:, 1].mean())
    render = render_lesion(spec, (60.0, 60.0), 0.1, (1200, 1200))
    rows, cols = np.mgrid[render.box[0], render.box[1]]
    rho = np.hypot((rows + 0.5) * 0.1 - 60.0, (cols + 0.5) * 0.1 - 60.0)
    radius = float(spec.radius_table.max())
    reach = radius + 0.8 * float(spec.spicules[:, 1].max())
    rings = np.linspace(radius + 1.0, reach, 4)
    means = [render.iodine[(rho >= a) & (rho < b)].mean() for a, b in itertools.pairwise(rings)]
    assert all(np.diff(means) < 0), means
    assert render.retraction is not None  # architectural distortion on the low-energy image


def test_margin_score_is_continuous_and_sets_edge_and_spicules() -> None:
    specs = _lesions("invasive ductal carcinoma", 200) + _lesions("adenosis", 200)
    masses = [spec for spec in specs if spec.shape != NON_MASS]
    scores = np.array([spec.margin_score for spec in masses])
    edges = np.array([spec.edge_width for spec in masses])
    spicules = np.array([len(spec.spicules) for spec in masses])
    assert len(np.unique(np.round(scores, 2))) > 50  # a continuum, not three values
    assert np.all(np.diff(edges[np.argsort(scores)]) >= 0)  # edge widens with the score
    assert np.all(spicules[scores < 0.55] == 0)
    high = scores > 0.85
    assert spicules[high].mean() > spicules[(scores > 0.6) & (scores < 0.7)].mean()


def test_a_share_of_dcis_is_non_mass_with_ductal_calcifications() -> None:
    specs = _lesions("ductal carcinoma in situ", 300)
    non_mass = [spec for spec in specs if spec.shape == NON_MASS]
    assert 0.5 < len(non_mass) / len(specs) < 0.7
    assert all(spec.pattern in ("clumped", "heterogeneous") for spec in non_mass)
    assert all(len(spec.spicules) == 0 and spec.density < 0.5 for spec in non_mass)
    aligned = []
    for spec in non_mass:
        calcifications = spec.calcifications
        if len(calcifications) < 8:
            continue
        # Principal axis of the calcifications: along the frame's angle 0, toward the nipple.
        points = calcifications[:, :2] - calcifications[:, :2].mean(0)
        _, _, axes = np.linalg.svd(points, full_matrices=False)
        aligned.append(abs(axes[0][1]) > math.cos(math.radians(30)))
    assert len(aligned) > 10 and np.mean(aligned) > 0.8
    assert any(spec.shape == NON_MASS for spec in _lesions("fibrocystic change", 100))


def test_non_mass_segment_points_to_the_nipple() -> None:
    spec = next(s for s in _lesions("ductal carcinoma in situ", 50) if s.shape == NON_MASS)
    for axis_angle in (0.0, 1.2):
        render = render_lesion(spec, (50.0, 50.0), 0.2, (500, 500), axis_angle)
        rows, cols = np.nonzero(render.true_mask)
        points = np.column_stack([rows, cols]).astype(float)
        _, _, axes = np.linalg.svd(points - points.mean(0), full_matrices=False)
        direction = (math.sin(axis_angle), math.cos(axis_angle))
        assert abs(float(np.dot(axes[0], direction))) > 0.9


def test_tube_render_peaks_at_the_vessel_width() -> None:
    path = np.column_stack([np.full(200, 20.0), np.arange(200) * 0.3 + 5.0, np.full(200, 2.0)])
    tube = render_tubes([path], (100, 200), 0.4)
    assert tube[:, 60:120].max(axis=0).mean() == pytest.approx(2.0, rel=0.15)
    profile = tube[:, 100]
    assert profile.argmax() == pytest.approx(20.0 / 0.4 - 0.5, abs=1)
    assert profile[int(20.0 / 0.4) + 8] < 0.05 * profile.max()  # 3 mm off axis: background


@pytest.mark.parametrize("thickness", [30.0, 55.0, 80.0])
def test_magnification_of_a_cc_view(thickness: float) -> None:
    assert 1.05 < magnification_factor(thickness) < 1.12
    assert magnification_factor(80.0) > magnification_factor(30.0)
