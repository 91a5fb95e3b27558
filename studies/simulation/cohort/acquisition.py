"""What the imaging centre contributes: detector grid, bit depth, gain, noise and display defaults.

The study's two centres are modelled as two acquisition profiles. The internal centre mimics a
GE Senographe-class unit with SenoBright CESM (0.1 mm pixels, 2294 × 1914 detector, 14-bit
low-energy and 12-bit recombined images). The external centre mimics a second vendor: 0.094 mm
pixels on a slightly larger matrix covering the same field of view, a 12-bit low-energy image,
different gain and offsets, more quantum noise and a weaker iodine signal. A classifier trained
on one and tested on the other therefore meets a realistic (moderate) domain shift.

``size="small"`` keeps the same field of view in millimetres but pixels four times larger
(0.4 mm internal, 0.376 mm external), i.e. the same anatomy on a 16× smaller image, for tests.
Noise per pixel falls accordingly (averaging over a four times larger pixel side).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from studies.errors import SynthesisError

Center = Literal["internal", "external"]
Size = Literal["full", "small"]

CENTERS: tuple[str, ...] = ("internal", "external")
SIZES: tuple[str, ...] = ("full", "small")

#: Linear down-scaling of ``size="small"`` relative to the full detector.
SMALL_FACTOR = 4

#: Source-to-image distance and breast-support-to-detector gap of a mammography unit (mm); a
#: CC view's mid-breast plane is magnified by SID / (SID − gap − T/2), about 1.07–1.1.
SOURCE_IMAGE_DISTANCE_MM = 660.0
SUPPORT_GAP_MM = 20.0

#: Spacing (mm) of the grid on which smooth anatomy and texture are generated, whatever the
#: output size; it makes small and full cases of one seed show the same anatomy.
WORK_SPACING_MM = 0.4


@dataclass(frozen=True)
class AcquisitionProfile:
    """Detector geometry, grey-level model and noise of one centre at one output size.

    Grey levels are stored values of a *For Presentation* image (MONOCHROME2, brighter = denser
    or more iodine). Low-energy levels: ``le_air`` outside the breast, ``le_fat`` for fatty
    tissue at full compressed thickness, plus ``le_gland`` per unit glandular fraction.
    Recombined levels: ``re_air`` outside, ``re_breast`` for the (flat) cancelled tissue, plus
    ``re_iodine`` per unit of lesion enhancement. Noise: ``le_noise`` scales a Poisson-like
    standard deviation ``le_noise * sqrt(signal)``; ``re_noise`` is the recombined image's
    standard deviation. Both are per pixel at 0.1 mm and scale with 0.1 / spacing.
    """

    center: str
    size: str
    pixel_spacing_mm: float
    rows: int
    columns: int
    le_bits_stored: int
    re_bits_stored: int
    le_air: float
    le_fat: float
    le_gland: float
    le_noise: float
    re_air: float
    re_breast: float
    re_iodine: float
    re_noise: float
    manufacturer: str
    model_name: str
    institution: str

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the output images."""
        return (self.rows, self.columns)

    @property
    def noise_scale(self) -> float:
        """Factor applied to the 0.1 mm per-pixel noise: larger pixels average more quanta."""
        return 0.1 / self.pixel_spacing_mm

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, for the cohort's ``synth.json``."""
        return asdict(self)


_FULL_PROFILES: dict[str, AcquisitionProfile] = {
    "internal": AcquisitionProfile(
        center="internal",
        size="full",
        pixel_spacing_mm=0.1,
        rows=2294,
        columns=1914,
        le_bits_stored=14,
        re_bits_stored=12,
        le_air=90.0,
        le_fat=4300.0,
        le_gland=5200.0,
        le_noise=2.2,
        re_air=1150.0,
        re_breast=2050.0,
        re_iodine=620.0,
        re_noise=40.0,
        manufacturer="SYNTHETIC (cesm-reader synth)",
        model_name="GE Senographe-like CESM simulation",
        institution="Synthetic internal centre",
    ),
    "external": AcquisitionProfile(
        center="external",
        size="full",
        pixel_spacing_mm=0.094,
        rows=2440,
        columns=2036,
        le_bits_stored=12,
        re_bits_stored=12,
        le_air=40.0,
        le_fat=1250.0,
        le_gland=1150.0,
        le_noise=1.7,
        re_air=700.0,
        re_breast=1850.0,
        re_iodine=500.0,
        re_noise=55.0,
        manufacturer="SYNTHETIC (cesm-reader synth)",
        model_name="Second-vendor CESM simulation",
        institution="Synthetic external centre",
    ),
}


def acquisition_profile(center: str, size: str = "full") -> AcquisitionProfile:
    """The acquisition profile of ``center`` (internal | external) at ``size`` (full | small)."""
    if center not in _FULL_PROFILES:
        raise SynthesisError(f"center: expected one of {', '.join(CENTERS)}, got {center!r}")
    if size not in SIZES:
        raise SynthesisError(f"size: expected one of {', '.join(SIZES)}, got {size!r}")
    full = _FULL_PROFILES[center]
    if size == "full":
        return full
    return replace(
        full,
        size="small",
        pixel_spacing_mm=full.pixel_spacing_mm * SMALL_FACTOR,
        rows=math.ceil(full.rows / SMALL_FACTOR),
        columns=math.ceil(full.columns / SMALL_FACTOR),
    )


def magnification_factor(thickness_mm: float) -> float:
    """Geometric magnification of the breast's mid-plane (DICOM Estimated Radiographic
    Magnification Factor), rounded to the 3 decimals a header holds."""
    distance = SOURCE_IMAGE_DISTANCE_MM
    return round(distance / (distance - SUPPORT_GAP_MM - thickness_mm / 2.0), 3)


def quantise(values: np.ndarray, bits_stored: int) -> np.ndarray:
    """Round to stored integers and clip to the ``bits_stored`` range, as a detector does."""
    top = float(2**bits_stored - 1)
    clipped = np.clip(values, 0.0, top)
    clipped += 0.5  # then truncation rounds to the nearest level, cheaper than rint
    return clipped.astype(np.uint16)


def _breast_values(pixels: np.ndarray, inside: np.ndarray, stride: int) -> np.ndarray:
    values = pixels[::stride, ::stride][inside[::stride, ::stride]]
    return values if values.size else pixels.ravel()


def low_energy_window(pixels: np.ndarray, inside: np.ndarray) -> tuple[float, float]:
    """Default (centre, width) of a low-energy image, as a vendor presets it per image.

    The window spans the breast's grey levels from the 0.3rd to the 99.9th percentile with a
    little room on both sides, so that dense tissue keeps its structure instead of saturating
    (under 2 % of breast pixels clipped; docs/synthetic_cohorts.md). Computed on a strided
    subsample: it is a display default, not a measurement.
    """
    low, high = np.percentile(_breast_values(pixels, inside, 3), [0.3, 99.9])
    span = max(float(high - low), 1.0)
    low, high = low - 0.03 * span, high + 0.06 * span
    return float(round((low + high) / 2.0)), float(round(high - low))


def recombined_window(
    pixels: np.ndarray, inside: np.ndarray, min_width: float, block: int = 1
) -> tuple[float, float]:
    """Default (centre, width) of a recombined image: the breast at mid-grey, lesions bright.

    Real recombined images are shown with the cancelled breast at mid-grey, so the window puts
    the breast's median at 45 % of the width and its brightest spot (the largest mean of
    ``block`` × ``block`` pixels: an enhancing lesion, vessels or BPE, not a noise spike) at
    90 %, never at white; ``min_width`` (a multiple of the noise) keeps a weakly enhancing
    breast from being shown as magnified noise.
    """
    median = float(np.median(_breast_values(pixels, inside, 3)))
    rows, cols = (pixels.shape[0] // block) * block, (pixels.shape[1] // block) * block
    shape = (rows // block, block, cols // block, block)
    sums = pixels[:rows, :cols].reshape(shape).sum(axis=3, dtype=np.uint32).sum(axis=1)
    means = sums / float(block * block)
    solid = inside[:rows:block, :cols:block]  # the block's corner inside the breast
    top = float(means[solid].max()) if solid.any() else float(pixels.max())
    width = max((top - median) / 0.45, min_width)
    center = median + 0.05 * width
    return float(round(center)), float(round(width))
