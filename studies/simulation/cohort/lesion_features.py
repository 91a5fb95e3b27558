"""Simple hand-crafted lesion features, to measure how hard a synthetic cohort is.

A realistic cohort must not be separable by one trivial feature (lesion area, mean
enhancement), yet a handful of radiomics-style features combined should reach the accuracy of a
good classifier. ``benchmarks/bench_synth.py`` measures both with these features. They work on
any case — images as read from disk, mask as drawn — and use no simulation truth.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError


@dataclass(frozen=True)
class LesionFeatures:
    """Features of one lesion.

    Attributes:
        area_mm2: mask area.
        mean_enhancement: mean recombined value in the mask minus the breast background
            (median recombined value of the breast away from the lesion).
        enhancement_cv: standard deviation / mean of the enhancement inside the mask.
        rim_core_ratio: mean enhancement of the mask's outer third over its inner core.
        margin_ratio: 95th percentile of the enhancement 2–7 mm outside the mask over the mean
            inside (spicules reach out of the outline, farther than a soft edge does).
        edge_sharpness: mean recombined gradient (per mm) on the mask's boundary over the mean
            enhancement (circumscribed margins are sharp).
        solidity: mask area over its convex hull's area (1 = convex).
        compactness: perimeter² / (4π · area) (1 = disc).
        low_energy_contrast: mean low-energy value in the mask minus the ring 3–6 mm around it,
            over the breast's low-energy spread.
        spiculation: log ratio of tangential to radial gradient energy of the band-passed
            recombined image 1–8 mm outside the mask: radiating lines (spicules) have their
            gradients across the radius; random parenchyma gives ≈ 0.
        calcification_score: brightest small speck in the mask on the low-energy image (white
            top-hat over 1.2 mm), in units of the top-hat's spread over the breast.
    """

    area_mm2: float
    mean_enhancement: float
    enhancement_cv: float
    rim_core_ratio: float
    margin_ratio: float
    edge_sharpness: float
    solidity: float
    compactness: float
    low_energy_contrast: float
    spiculation: float
    calcification_score: float

    def to_dict(self) -> dict[str, float]:
        """Plain-dict form."""
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Feature names in field order."""
        return tuple(field.name for field in fields(cls))

    def as_vector(self) -> np.ndarray:
        """Features as a float vector in :meth:`names` order."""
        return np.array([getattr(self, name) for name in self.names()], dtype=float)


def _otsu_threshold(values: np.ndarray) -> float:
    """Otsu's threshold of a 1-D sample (two-class grey-level split)."""
    hist, edges = np.histogram(values, bins=256)
    centers = 0.5 * (edges[:-1] + edges[1:])
    weight_low = np.cumsum(hist)
    weight_high = weight_low[-1] - weight_low
    mean_low = np.cumsum(hist * centers) / np.maximum(weight_low, 1)
    total = float((hist * centers).sum())
    mean_high = (total - np.cumsum(hist * centers)) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(centers[int(np.argmax(between))])


def _spiculation(recombined: np.ndarray, mask: np.ndarray, spacing_mm: float) -> float:
    """Tangential / radial gradient energy (log) around the lesion; see ``LesionFeatures``."""
    band = ndimage.gaussian_filter(recombined, 0.6 / spacing_mm) - ndimage.gaussian_filter(
        recombined, 3.0 / spacing_mm
    )
    grad_rows, grad_cols = np.gradient(band)
    outer = ndimage.binary_dilation(mask, iterations=max(int(8.0 / spacing_mm), 2))
    inner = ndimage.binary_dilation(mask, iterations=max(int(1.0 / spacing_mm), 1))
    ring = outer & ~inner
    if not ring.any():
        return 0.0
    center_row, center_col = ndimage.center_of_mass(mask)
    rows, cols = np.nonzero(ring)
    d_row, d_col = rows - center_row, cols - center_col
    norm = np.hypot(d_row, d_col) + 1e-6
    g_row, g_col = grad_rows[rows, cols], grad_cols[rows, cols]
    radial = (g_row * d_row + g_col * d_col) / norm
    tangential = (g_col * d_row - g_row * d_col) / norm
    return float(np.log((tangential**2).sum() + 1e-9) - np.log((radial**2).sum() + 1e-9))


def measure_lesion(
    low_energy: np.ndarray, recombined: np.ndarray, mask: np.ndarray, spacing_mm: float
) -> LesionFeatures:
    """Measure :class:`LesionFeatures` of the lesion outlined by ``mask`` (bool, same shape)."""
    low = np.asarray(low_energy, dtype=np.float32)
    rec = np.asarray(recombined, dtype=np.float32)
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        raise ValueError("mask is empty")
    threshold = _otsu_threshold(low[::4, ::4].ravel())
    # Everything else is local: crop to the lesion plus 12 mm (the widest ring used below).
    rows, cols = np.nonzero(mask)
    margin = round(12.0 / spacing_mm) + 2
    box = (
        slice(max(rows.min() - margin, 0), rows.max() + margin + 1),
        slice(max(cols.min() - margin, 0), cols.max() + margin + 1),
    )
    low, rec, mask = low[box], rec[box], mask[box]
    breast = low > threshold
    reach = max(round(6.0 / spacing_mm), 2)
    near = ndimage.binary_dilation(mask, iterations=reach)
    background_region = breast & ~near
    if background_region.any():
        background = float(np.median(rec[background_region]))
    else:
        background = float(
            np.median(np.asarray(recombined)[::4, ::4][low_energy[::4, ::4] > threshold])
        )
    enhancement = rec[mask] - background
    mean_enh = float(enhancement.mean())

    depth = ndimage.distance_transform_edt(mask)
    core = depth > 0.66 * depth.max()
    rim = mask & ~(depth > 0.33 * depth.max())
    core_mean = float(rec[core].mean() - background) if core.any() else mean_enh
    rim_mean = float(rec[rim].mean() - background) if rim.any() else mean_enh
    ring_width = max(round(3.0 / spacing_mm), 1)
    outer = ndimage.binary_dilation(mask, iterations=2 * ring_width) & ~ndimage.binary_dilation(
        mask, iterations=ring_width
    )
    far = ndimage.binary_dilation(mask, iterations=max(round(7.0 / spacing_mm), 2))
    spill = far & ~ndimage.binary_dilation(mask, iterations=max(round(2.0 / spacing_mm), 1))
    ring_high = float(np.percentile(rec[spill], 95) - background) if spill.any() else 0.0
    smooth = ndimage.gaussian_filter(rec, sigma=max(0.5 / spacing_mm, 0.7))
    gradient = np.hypot(*np.gradient(smooth)) / spacing_mm
    low_spread = float(np.std(low[breast])) if breast.any() else 1.0
    low_contrast = (
        float(low[mask].mean() - low[outer].mean()) / max(low_spread, 1e-6) if outer.any() else 0.0
    )

    speck = max(round(1.2 / spacing_mm), 3)
    tophat = ndimage.white_tophat(low, size=speck)
    tophat_spread = float(np.std(tophat[breast][::7])) if breast.any() else 1.0
    calcification = float(np.percentile(tophat[mask], 99.5)) / max(tophat_spread, 1e-6)

    area = float(mask.sum()) * spacing_mm**2
    points = np.argwhere(mask)
    try:
        hull_area = ConvexHull(points).volume if len(points) >= 3 else float(len(points))
    except QhullError:
        hull_area = float(len(points))
    solidity = float(mask.sum()) / max(hull_area + 0.5 * np.sqrt(len(points)), 1.0)
    edge = mask & ~ndimage.binary_erosion(mask)
    perimeter = float(edge.sum()) * spacing_mm
    scale = max(abs(mean_enh), 1e-6)
    return LesionFeatures(
        area_mm2=area,
        mean_enhancement=mean_enh,
        enhancement_cv=float(enhancement.std()) / scale,
        rim_core_ratio=rim_mean / core_mean if abs(core_mean) > 1e-6 else 1.0,
        margin_ratio=ring_high / scale,
        edge_sharpness=float(gradient[edge].mean()) / scale,
        solidity=min(solidity, 1.0),
        compactness=perimeter**2 / (4.0 * np.pi * area),
        low_energy_contrast=low_contrast,
        spiculation=_spiculation(rec, mask, spacing_mm),
        calcification_score=calcification,
    )
