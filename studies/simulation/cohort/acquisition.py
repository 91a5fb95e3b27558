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


def quantise(values: np.ndarray, bits_stored: int) -> np.ndarray:
    """Round to stored integers and clip to the ``bits_stored`` range, as a detector does."""
    top = float(2**bits_stored - 1)
    return np.clip(np.rint(values), 0.0, top).astype(np.uint16)


def display_window(
    pixels: np.ndarray, inside: np.ndarray, enhancement_headroom: float = 0.0
) -> tuple[float, float]:
    """Default (centre, width) of a breast image, as a vendor presets it per image.

    The window spans the breast's 0.5–99.5 % grey levels. ``enhancement_headroom`` widens it
    upward by that multiple of the span, so that on a recombined image (a flat grey breast)
    enhancing lesions stay below white. Computed on a strided subsample: it is a display
    default, not a measurement.
    """
    values = pixels[::4, ::4][inside[::4, ::4]]
    if values.size == 0:
        values = pixels.ravel()
    low, high = np.percentile(values, [0.5, 99.5])
    high = high + enhancement_headroom * (high - low)
    width = max(float(high - low), 1.0)
    return float(round((low + high) / 2.0)), float(round(width))
