"""Clinical record of a synthetic case: age, histology, reported diameter and BI-RADS category.

Distributions follow the benign/malignant columns of Table 1 of Mao et al. (Br J Cancer 2023):
age 43 ± 11 years (benign) and 54.6 ± 10 years (malignant) as truncated normals; lesion
diameter 2.1 ± 1.6 cm (benign) and 2.5 ± 1.2 cm (malignant) as log-normals with that mean and
standard deviation, truncated to [0.5, 7] cm so that every lesion is at least 5 mm and fits a
compressed breast. The histology mix is typical of a Chinese tertiary-centre CESM series
(fibroadenoma and adenosis dominating the benign side, invasive ductal carcinoma the malignant
side); each histology has its own appearance table in :mod:`studies.simulation.cohort.lesions`.

The BI-RADS category is the radiologist's *assessment of the image*, so it is derived from the
lesion's appearance (shape, margin, enhancement) plus reader noise, not drawn from the label:
benign lesions end mostly in 4A/4B, cancers mostly in 4C/5, with the overlap that makes the
category an imperfect predictor, as in the paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model_core.vocabulary import BENIGN, BI_RADS_LESION_SCALE, MALIGNANT

#: (mean, sd, low, high) of age in years, per label (Mao et al. 2023, Table 1).
AGE_DISTRIBUTION: dict[str, tuple[float, float, float, float]] = {
    BENIGN: (43.0, 11.0, 18.0, 85.0),
    MALIGNANT: (54.6, 10.0, 25.0, 90.0),
}

#: (mean, sd) of the lesion's largest diameter in cm, per label (Mao et al. 2023, Table 1).
DIAMETER_DISTRIBUTION_CM: dict[str, tuple[float, float]] = {
    BENIGN: (2.1, 1.6),
    MALIGNANT: (2.5, 1.2),
}
MIN_DIAMETER_CM = 0.5
MAX_DIAMETER_CM = 7.0

#: Histologies and their prevalence within each label.
HISTOLOGY_PREVALENCE: dict[str, dict[str, float]] = {
    BENIGN: {
        "fibroadenoma": 0.40,
        "adenosis": 0.22,
        "intraductal papilloma": 0.14,
        "fibrocystic change": 0.10,
        "mastitis": 0.08,
        "benign phyllodes tumour": 0.06,
    },
    MALIGNANT: {
        "invasive ductal carcinoma": 0.72,
        "ductal carcinoma in situ": 0.12,
        "invasive lobular carcinoma": 0.07,
        "mucinous carcinoma": 0.05,
        "invasive papillary carcinoma": 0.04,
    },
}

#: Upper cut points of the reader's latent suspicion for BI-RADS 3, 4A, 4B, 4C (then 5).
_BI_RADS_CUTS = (-0.5, 1.1, 2.3, 3.25)


def sample_age(rng: np.random.Generator, label: str) -> int:
    """Age in whole years from the label's truncated normal."""
    mean, sd, low, high = AGE_DISTRIBUTION[label]
    while True:
        age = rng.normal(mean, sd)
        if low <= age <= high:
            return math.floor(age)


def sample_diameter_cm(rng: np.random.Generator, label: str) -> float:
    """True largest diameter in cm from the label's log-normal, truncated to [0.5, 7] cm."""
    mean, sd = DIAMETER_DISTRIBUTION_CM[label]
    sigma2 = math.log(1.0 + (sd / mean) ** 2)
    mu = math.log(mean) - sigma2 / 2.0
    while True:
        diameter = float(rng.lognormal(mu, math.sqrt(sigma2)))
        if MIN_DIAMETER_CM <= diameter <= MAX_DIAMETER_CM:
            return diameter


def sample_histology(rng: np.random.Generator, label: str) -> str:
    """One histology of ``label`` by its prevalence."""
    table = HISTOLOGY_PREVALENCE[label]
    names = list(table)
    return str(rng.choice(names, p=np.array([table[n] for n in names])))


def reported_diameter_cm(rng: np.random.Generator, true_diameter_cm: float) -> float:
    """The diameter a radiologist reports: ±5 % measurement error, to 0.1 cm, never < 0.5 cm."""
    measured = true_diameter_cm * (1.0 + rng.normal(0.0, 0.05))
    return max(MIN_DIAMETER_CM, round(measured, 1))


def assess_bi_rads(rng: np.random.Generator, suspicion: float) -> str:
    """BI-RADS category from the lesion's image suspicion (see ``LesionSpec.suspicion``).

    A reader's latent impression = suspicion + N(0, 0.6); fixed cut points map it to 3 … 5.
    """
    impression = suspicion + rng.normal(0.0, 0.6)
    for category, cut in zip(BI_RADS_LESION_SCALE, _BI_RADS_CUTS, strict=False):
        if impression < cut:
            return category
    return BI_RADS_LESION_SCALE[-1]


@dataclass(frozen=True)
class ClinicalRecord:
    """What the manifest says about a case besides its images.

    Attributes:
        label: ``"benign"`` or ``"malignant"`` (pathology).
        age: years.
        histology: pathology diagnosis.
        true_diameter_cm: the simulated lesion's largest diameter.
        diameter_cm: the diameter as a radiologist reports it (rounded, with measurement error).
        bi_rads: the radiologist's category, derived from the lesion's appearance.
    """

    label: str
    age: int
    histology: str
    true_diameter_cm: float
    diameter_cm: float
    bi_rads: str
