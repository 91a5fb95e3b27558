"""Synthetic CESM cohorts: realistic low-energy / recombined pairs, lesion masks and manifests.

No CESM data can be shared, so the project simulates it, for the demo, the tests and the demo
classifier. See ``docs/synthetic_cohorts.md`` for the generative model and its limits.

Modules, by responsibility (in :mod:`studies.simulation.cohort`): ``texture`` (power-law noise,
noise radiating from the nipple, ridges, resampling), ``anatomy`` (breast outline, thickness,
glandular tissue, ligaments, BPE), ``vessels`` (vessel paths and tubes), ``calcifications``
(benign calcifications, speck rendering), ``lesions`` (shape, margin, enhancement, drawn
outline), ``lesion_render`` (rasterising a lesion), ``clinical`` (age, diameter, histology,
BI-RADS), ``acquisition`` (centres: grid, bit depth, gain, noise, magnification, windows),
``phantom`` (one case), ``dicom_writer``, ``mask_writer``, ``cohort`` (a cohort on disk),
``lesion_features`` (simple features that measure the cohort's difficulty).
"""

from studies.simulation.cohort.acquisition import AcquisitionProfile, acquisition_profile
from studies.simulation.cohort.cohort import (
    DEFAULT_MALIGNANT_FRACTION,
    MANIFEST_COLUMNS,
    CohortResult,
    CohortSettings,
    synthesize_cohort,
)
from studies.simulation.cohort.phantom import SyntheticCase, generate_case

__all__ = [
    "DEFAULT_MALIGNANT_FRACTION",
    "MANIFEST_COLUMNS",
    "AcquisitionProfile",
    "CohortResult",
    "CohortSettings",
    "SyntheticCase",
    "acquisition_profile",
    "generate_case",
    "synthesize_cohort",
]
