"""Synthetic CESM cohorts: realistic low-energy / recombined pairs, lesion masks and manifests.

No CESM data can be shared, so the project simulates it, for the demo, the tests and the demo
classifier. See ``docs/synthetic_cohorts.md`` for the generative model and its limits.

Modules, by responsibility: :mod:`~studies.synthetic.texture` (power-law noise, resampling),
:mod:`~studies.synthetic.anatomy` (breast outline, thickness, glandular tissue, BPE),
:mod:`~studies.synthetic.lesions` (shape, margin, enhancement, drawn outline),
:mod:`~studies.synthetic.clinical` (age, diameter, histology, BI-RADS),
:mod:`~studies.synthetic.acquisition` (centres: grid, bit depth, gain, noise),
:mod:`~studies.synthetic.phantom` (one case), :mod:`~studies.synthetic.dicom_writer`,
:mod:`~studies.synthetic.mask_writer`, :mod:`~studies.synthetic.cohort` (a cohort on disk),
:mod:`~studies.synthetic.lesion_features` (simple features that measure the cohort's difficulty).
"""

from studies.synthetic.acquisition import AcquisitionProfile, acquisition_profile
from studies.synthetic.cohort import (
    DEFAULT_MALIGNANT_FRACTION,
    MANIFEST_COLUMNS,
    CohortResult,
    CohortSettings,
    synthesize_cohort,
)
from studies.synthetic.phantom import SyntheticCase, generate_case

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
