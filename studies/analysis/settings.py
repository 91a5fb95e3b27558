"""Settings of a reader-study analysis, and the software versions recorded with its results.

Kept apart from the computation so that the CLI, the report and the results can all name the
settings without importing the estimators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from model_core import provenance
from studies.analysis.ci_convention import PAPER_CI, CiConvention
from studies.analysis.mcnemar import COMPARISON_METHODS
from studies.analysis.numbers import check_alpha

#: Most bootstrap replicates: 50 times pROC's default of 2 000, far more than a percentile
#: interval needs, so that a mistyped number fails at once instead of running for days.
MAX_BOOTSTRAP_REPLICATES = 100_000
MODEL_THRESHOLD_NAMES: tuple[str, ...] = ("youden", "high_sensitivity", "high_specificity")
#: How the report names each model threshold in text.
MODEL_THRESHOLD_TITLES: dict[str, str] = {
    "youden": "Youden",
    "high_sensitivity": "high-sensitivity",
    "high_specificity": "high-specificity",
}
#: The libraries whose code computes the analysis's numbers and figures.
SOFTWARE: tuple[str, ...] = ("numpy", "scipy", "statsmodels", "pandas", "matplotlib")


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices that change the numbers; all are written to ``results.json`` under ``settings``.

    Attributes:
        ci: the interval method of each proportion (default: the paper's — accuracy
            Clopper–Pearson, the others Wilson with continuity correction as R ``prop.test``).
        alpha: 1 − confidence level of every interval.
        mcnemar_method: primary McNemar variant (``chi2_cc``, ``exact`` or ``mid_p``).
        bootstrap_replicates: 0 = no bootstrap; otherwise the number of case resamples for
            percentile AUC intervals (reported next to the DeLong intervals).
        bootstrap_seed: seed of the bootstrap resampling.
        model_thresholds: thresholds given by the user (e.g. from the model bundle) by name;
            the others are computed from the scores.
        comparison_threshold: which model threshold the model-vs-reader McNemar tests and the
            subgroup analysis use.
        target_sensitivity, target_specificity: targets of the ``high_sensitivity`` and
            ``high_specificity`` thresholds.
        subgroup_columns: manifest columns analysed as subgroups.
        subgroup_bins: bin edges of numeric subgroup columns by column (``--bins``); other
            numeric columns get the default bins of :mod:`studies.analysis.subgroups`.
    """

    ci: CiConvention = PAPER_CI
    alpha: float = 0.05
    mcnemar_method: str = "chi2_cc"
    bootstrap_replicates: int = 0
    bootstrap_seed: int = 0
    model_thresholds: Mapping[str, float] = field(default_factory=dict)
    comparison_threshold: str = "youden"
    target_sensitivity: float = 0.95
    target_specificity: float = 0.95
    subgroup_columns: tuple[str, ...] = ()
    subgroup_bins: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.ci, CiConvention):
            raise ValueError(f"ci must be a CiConvention, got {self.ci!r}")
        check_alpha(self.alpha)
        if self.mcnemar_method not in COMPARISON_METHODS:
            raise ValueError(
                f"mcnemar_method must be one of {COMPARISON_METHODS}, got {self.mcnemar_method!r}"
            )
        unknown = sorted(set(self.model_thresholds) - set(MODEL_THRESHOLD_NAMES))
        if unknown or self.comparison_threshold not in MODEL_THRESHOLD_NAMES:
            raise ValueError(
                f"model thresholds are named {MODEL_THRESHOLD_NAMES}; got "
                f"{unknown or self.comparison_threshold!r}"
            )
        if not 0 <= self.bootstrap_replicates <= MAX_BOOTSTRAP_REPLICATES:
            raise ValueError(
                f"bootstrap_replicates must be 0–{MAX_BOOTSTRAP_REPLICATES:,}, "
                f"got {self.bootstrap_replicates}"
            )
        for column, edges in self.subgroup_bins.items():
            if not edges or len(set(edges)) != len(edges):
                raise ValueError(f"bins of '{column}': give distinct edges, got {edges!r}")
        if self.bootstrap_seed < 0:
            raise ValueError(f"bootstrap_seed must be ≥ 0, got {self.bootstrap_seed}")

    def to_dict(self) -> dict[str, object]:
        """The choices, as written under ``settings`` in ``results.json``."""
        return {
            "ci_convention": self.ci.spec,
            "ci_methods": self.ci.to_dict(),
            "alpha": self.alpha,
            "confidence_level": 1 - self.alpha,
            "mcnemar_method": self.mcnemar_method,
            "bootstrap": {"replicates": self.bootstrap_replicates, "seed": self.bootstrap_seed},
            "model_threshold_for_comparisons": self.comparison_threshold,
            "target_sensitivity": self.target_sensitivity,
            "target_specificity": self.target_specificity,
            "subgroup_columns": list(self.subgroup_columns),
            "subgroup_bins": {column: list(edges) for column, edges in self.subgroup_bins.items()},
        }


def software_versions() -> dict[str, str]:
    """Versions of Python, this project and the packages whose code computed the numbers."""
    return provenance.software_versions(*SOFTWARE)
