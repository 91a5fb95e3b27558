"""One synthetic CESM case: draws its parameters, renders both images and the masks.

Randomness is split into three independent streams derived from (seed, centre, case index):
*design* (label, clinical record, breast and lesion parameters, all in millimetres), *fields*
(parenchymal texture and BPE on the coarse grid) and *detector* (quantum noise on the output
grid). The first two do not depend on the output size, so a seed gives the same patient on a
full-size and on a small image; none depends on the number of cases in the cohort.

Grey-level model (For Presentation, MONOCHROME2): the low-energy image is air, plus fat whose
signal follows the compressed thickness, plus glandular tissue and the lesion's density in
proportion to the glandular path; the recombined image cancels tissue to a flat grey, keeps a
faint skin rim and a small residue, and adds iodine: background parenchymal enhancement and
the lesion's enhancement. Quantum noise is Poisson-like in the low-energy image (σ ∝ √signal)
and larger in the recombined one (dual-energy subtraction amplifies noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from model_core.vocabulary import BENIGN, MALIGNANT
from studies.simulation.cohort.acquisition import (
    WORK_SPACING_MM,
    AcquisitionProfile,
    low_energy_window,
    quantise,
    recombined_window,
)
from studies.simulation.cohort.anatomy import (
    BreastSpec,
    choose_lesion_center,
    lesion_reach_mm,
    render_breast,
    sample_breast,
)
from studies.simulation.cohort.calcifications import render_specks
from studies.simulation.cohort.clinical import (
    ClinicalRecord,
    assess_bi_rads,
    reported_diameter_cm,
    sample_age,
    sample_diameter_cm,
    sample_histology,
)
from studies.simulation.cohort.lesion_render import render_lesion
from studies.simulation.cohort.lesions import LesionSpec, sample_lesion
from studies.simulation.cohort.texture import resample_linear

_CENTER_CODES = {"internal": 1, "external": 2}


def case_streams(
    seed: int, center: str, index: int, streams: int = 3
) -> tuple[np.random.Generator, ...]:
    """Independent generators of case ``index``: design, fields, detector (then any extra).

    Children of one ``SeedSequence`` keyed by (centre, index): adding streams never changes the
    first ones, and no stream depends on how many cases the cohort has.
    """
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(_CENTER_CODES[center], index))
    return tuple(np.random.default_rng(child) for child in sequence.spawn(streams))


@dataclass(frozen=True)
class CaseDesign:
    """Everything drawn about a case before any pixel exists (millimetres, categories)."""

    label: str
    clinical: ClinicalRecord
    breast: BreastSpec
    lesion: LesionSpec


def design_case(
    rng: np.random.Generator, malignant_fraction: float, field_mm: tuple[float, float]
) -> CaseDesign:
    """Draw label, clinical record, breast and lesion for one case."""
    label = MALIGNANT if rng.random() < malignant_fraction else BENIGN
    age = sample_age(rng, label)
    histology = sample_histology(rng, label)
    diameter_cm = sample_diameter_cm(rng, label)
    lesion = sample_lesion(rng, histology, diameter_cm * 10.0)
    clinical = ClinicalRecord(
        label=label,
        age=age,
        histology=histology,
        true_diameter_cm=diameter_cm,
        diameter_cm=reported_diameter_cm(rng, diameter_cm),
        bi_rads=assess_bi_rads(rng, lesion.suspicion()),
    )
    breast = sample_breast(rng, age, field_mm, min_depth_mm=diameter_cm * 10.0 + 40.0)
    return CaseDesign(label=label, clinical=clinical, breast=breast, lesion=lesion)


@dataclass(frozen=True)
class SyntheticCase:
    """A rendered case: stored pixel values, masks and the truth behind them.

    Attributes:
        design: the drawn parameters.
        profile: the acquisition profile it was rendered with.
        low_energy, recombined: uint16 stored values, shape ``profile.shape``.
        mask: the radiologist's outline (bool), what the manifest's mask file holds.
        true_mask: the simulated lesion, body and spicules (bool).
        lesion_center_mm: (row, column) of the lesion centre in image coordinates (mm at the
            breast, i.e. in units of ``pixel_spacing_mm``).
        pixel_spacing_mm: pixel spacing at the breast: the detector's divided by the
            magnification factor (DICOM PixelSpacing); masks and areas use it.
        low_energy_window, recombined_window: default (centre, width).
        mean_enhancement: mean recombined signal added by the lesion inside ``true_mask``.
    """

    design: CaseDesign
    profile: AcquisitionProfile
    low_energy: np.ndarray
    recombined: np.ndarray
    mask: np.ndarray
    true_mask: np.ndarray
    lesion_center_mm: tuple[float, float]
    pixel_spacing_mm: float
    low_energy_window: tuple[float, float]
    recombined_window: tuple[float, float]
    mean_enhancement: float

    @property
    def mask_dice(self) -> float:
        """Dice of the drawn outline against the true lesion."""
        overlap = np.logical_and(self.mask, self.true_mask).sum()
        return float(2.0 * overlap / max(int(self.mask.sum()) + int(self.true_mask.sum()), 1))

    def truth(self) -> dict[str, Any]:
        """The true lesion parameters, one row of ``truth.csv``."""
        lesion, breast = self.design.lesion, self.design.breast
        pixel_area = self.pixel_spacing_mm**2
        return {
            "label": self.design.label,
            "histology": self.design.clinical.histology,
            "true_diameter_mm": round(lesion.diameter_mm, 2),
            "shape": lesion.shape,
            "margin": lesion.margin,
            "enhancement_pattern": lesion.pattern,
            "enhancement_relative": round(lesion.enhancement, 4),
            "mean_enhancement": round(self.mean_enhancement, 2),
            "margin_score": round(lesion.margin_score, 3),
            "n_spicules": len(lesion.spicules),
            "n_calcifications": len(lesion.calcifications),
            "suspicion": round(lesion.suspicion(), 3),
            "breast_density": breast.density,
            "bpe": breast.bpe,
            "magnification": breast.magnification,
            "thickness_mm": round(breast.thickness_mm, 1),
            "lesion_row_mm": round(self.lesion_center_mm[0], 2),
            "lesion_col_mm": round(self.lesion_center_mm[1], 2),
            "true_area_mm2": round(float(self.true_mask.sum()) * pixel_area, 2),
            "mask_area_mm2": round(float(self.mask.sum()) * pixel_area, 2),
            "mask_dice": round(self.mask_dice, 4),
        }


def _low_energy_tissue(tissue: np.ndarray) -> np.ndarray:
    """Soft-compressed glandular signal 0…1: dense tissue keeps its structure on the display
    (processed For-Presentation images compress the dense end logarithmically)."""
    return (1.0 - np.exp(-1.4 * tissue)) / (1.0 - math.exp(-1.4))


def render_case(
    design: CaseDesign,
    profile: AcquisitionProfile,
    fields_rng: np.random.Generator,
    detector_rng: np.random.Generator,
) -> SyntheticCase:
    """Render ``design`` with ``profile``: both images, both masks."""
    breast = design.breast
    spacing = profile.pixel_spacing_mm / breast.magnification  # at the breast
    field_mm = (profile.rows * spacing, profile.columns * spacing)
    work_shape = (
        math.ceil(field_mm[0] / WORK_SPACING_MM),
        math.ceil(field_mm[1] / WORK_SPACING_MM),
    )
    fields = render_breast(breast, fields_rng, work_shape, WORK_SPACING_MM)
    lesion = design.lesion
    center = choose_lesion_center(fields_rng, fields, lesion_reach_mm(lesion.diameter_mm))

    inside = fields.inside
    t_rel = fields.thickness_mm / breast.thickness_mm
    skin = np.exp(-((fields.skin_distance_mm / 0.8) ** 2)) * inside
    tissue = _low_energy_tissue(fields.tissue + 0.08 * fields.vessels)
    # Peripheral equalisation, as processed images have it: the thin edge stays visible.
    low = profile.le_air * (1.0 - inside) + inside * (
        profile.le_fat * t_rel**0.25 * (1.0 + 0.05 * fields.fine)
        + profile.le_gland * tissue * t_rel**0.6 * (1.0 + 0.08 * fields.fine)
        + 0.12 * profile.le_fat * skin
    )
    rim = np.exp(-fields.skin_distance_mm / 1.5) * inside
    recombined = profile.re_air * (1.0 - inside) + inside * (
        profile.re_breast
        + 0.06 * profile.re_breast * rim
        + 0.025 * profile.re_breast * (1.0 - t_rel)
        + 0.012 * profile.re_breast * (fields.tissue - 0.3)
        + 0.010 * profile.re_breast * fields.mottle
        + profile.re_iodine * (fields.bpe + 0.035 * fields.vessels)
    )
    low = resample_linear(low, WORK_SPACING_MM, profile.shape, spacing)
    recombined = resample_linear(recombined, WORK_SPACING_MM, profile.shape, spacing)
    render_specks(low, fields.specks_mm, spacing, 0.9 * profile.le_gland)

    nipple = (breast.nipple_row_mm, breast.depth_mm)
    axis_angle = math.atan2(nipple[0] - center[0], nipple[1] - center[1])
    render = render_lesion(lesion, center, spacing, profile.shape, axis_angle)
    ci = (
        min(int(center[0] / WORK_SPACING_MM), work_shape[0] - 1),
        min(int(center[1] / WORK_SPACING_MM), work_shape[1] - 1),
    )
    local_thickness = max(float(fields.thickness_mm[ci]), 1.0)
    local_gland = float(fields.glandular[ci])
    path_fraction = min(lesion.diameter_mm, local_thickness) / breast.thickness_mm
    density_gain = (
        profile.le_gland * max(lesion.density - 0.6 * local_gland, 0.1) * path_fraction**0.8
    )
    iodine_gain = (
        profile.re_iodine
        * lesion.enhancement
        * 1.6
        * lesion.diameter_mm
        / (lesion.diameter_mm + 10.0)
    )
    box = render.box
    if render.retraction is not None:  # architectural distortion around spiculated masses
        low[box] = ndimage.map_coordinates(low[box], render.retraction, order=1, mode="nearest")
    low[box] += density_gain * render.density
    render_specks(low, render.calcifications_mm, spacing, 0.8 * profile.le_gland)
    iodine = iodine_gain * render.iodine
    recombined[box] += iodine

    true_mask = np.zeros(profile.shape, dtype=bool)
    true_mask[box] = render.true_mask
    mask = np.zeros(profile.shape, dtype=bool)
    mask[box] = render.drawn_mask
    mean_enhancement = float(iodine[render.true_mask].mean()) if render.true_mask.any() else 0.0

    breast_out = recombined > 0.5 * (profile.re_air + profile.re_breast)
    noise_scale = profile.noise_scale
    low += (
        (profile.le_noise * noise_scale)
        * np.sqrt(np.maximum(low, 1.0))
        * detector_rng.standard_normal(low.shape, dtype=np.float32)
    )
    re_noise = profile.re_noise * noise_scale
    re_sigma = np.where(breast_out, np.float32(re_noise), np.float32(0.45 * re_noise))
    recombined += re_sigma * detector_rng.standard_normal(recombined.shape, dtype=np.float32)

    if breast.laterality == "R":  # chest wall on the right edge: mirror the columns
        low, recombined = low[:, ::-1], recombined[:, ::-1]
        mask, true_mask, breast_out = mask[:, ::-1], true_mask[:, ::-1], breast_out[:, ::-1]
        center = (center[0], field_mm[1] - center[1])
    low_u16 = np.ascontiguousarray(quantise(low, profile.le_bits_stored))
    re_u16 = np.ascontiguousarray(quantise(recombined, profile.re_bits_stored))
    return SyntheticCase(
        design=design,
        profile=profile,
        low_energy=low_u16,
        recombined=re_u16,
        mask=np.ascontiguousarray(mask),
        true_mask=np.ascontiguousarray(true_mask),
        lesion_center_mm=center,
        pixel_spacing_mm=spacing,
        low_energy_window=low_energy_window(low_u16, breast_out),
        recombined_window=recombined_window(
            re_u16, breast_out, 14.0 * re_noise, block=max(round(0.4 / spacing), 1)
        ),
        mean_enhancement=mean_enhancement,
    )


def generate_case(
    seed: int, center: str, index: int, profile: AcquisitionProfile, malignant_fraction: float
) -> SyntheticCase:
    """Case ``index`` of the cohort of ``seed`` at ``center``: design and render it."""
    design_rng, fields_rng, detector_rng = case_streams(seed, center, index)
    field_mm = (profile.rows * profile.pixel_spacing_mm, profile.columns * profile.pixel_spacing_mm)
    design = design_case(design_rng, malignant_fraction, field_mm)
    return render_case(design, profile, fields_rng, detector_rng)
