"""Result objects of the Obuchowski–Rockette MRMC analysis (:mod:`studies.analysis.mrmc`).

Frozen dataclasses with ``to_dict()`` (JSON-ready by the convention of
:mod:`studies.analysis.numbers`: NaN becomes ``None``, ±inf ``"Inf"``/``"-Inf"``; one key per
field (:mod:`studies.analysis.result_dict`), except :class:`MrmcResult`, whose tables are keyed by
modality and reader) and ``summary()`` (a short human-readable text).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from studies.analysis.mrmc_covariance import OrCovariances
from studies.analysis.numbers import json_number
from studies.analysis.result_dict import FieldsToDict


def _fmt(value: float, digits: int = 4) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


def _fmt_p(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return "<0.0001" if value < 1e-4 else f"{value:.4f}"


@dataclass(frozen=True)
class ModalityEstimate(FieldsToDict):
    """Reader-averaged figure of merit of one modality with its confidence interval.

    The CI is clipped to [0, 1], the range of every figure of merit here (as MRMCaov does).
    ``df`` is ``inf`` for a normal-based interval (fixed readers).
    """

    modality: str
    estimate: float
    std_error: float
    df: float
    ci_low: float
    ci_high: float

    def summary(self) -> str:
        return (
            f"{self.modality}: {_fmt(self.estimate)} "
            f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}] (SE {_fmt(self.std_error)})"
        )


@dataclass(frozen=True)
class ReaderDifference(FieldsToDict):
    """One reader's difference (second − first modality) with its z-test (fixed cases' sample).

    ``std_error = sqrt(Var₁ⱼ + Var₂ⱼ − 2 Cov₁ⱼ)`` from the same covariance estimate as the
    MRMC analysis (Hillis et al. 2005; RJafroc ``ciDiffTrtEachRdr``); ``method`` names the test.
    """

    reader_id: str
    estimate: float
    std_error: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float
    method: str = "z test of one reader's difference (OR covariance, fixed reader)"

    def summary(self) -> str:
        return (
            f"{self.reader_id}: {_fmt(self.estimate)} [{_fmt(self.ci_low)}, "
            f"{_fmt(self.ci_high)}], p={_fmt_p(self.p_value)}"
        )


@dataclass(frozen=True)
class OrTestResult(FieldsToDict):
    """One OR analysis (a choice of which factors are random) of the modality difference.

    Attributes:
        analysis: ``"random_readers_random_cases"``, ``"fixed_readers_random_cases"`` or
            ``"random_readers_fixed_cases"``.
        method: a sentence naming the test and its reference; says why when undefined.
        statistic_name: ``"F"`` or ``"chi2"``.
        statistic: the test statistic (NaN when undefined, e.g. one reader).
        df1: numerator degrees of freedom (T − 1).
        df2: denominator degrees of freedom; ``inf`` for the chi-square test.
        p_value: two-sided p-value of "no difference".
        difference: reader-averaged second minus first modality (aided − unaided).
        std_error: standard error of ``difference``.
        ci_low, ci_high: (1 − alpha) CI of ``difference``.
        modalities: per-modality reader-averaged figure of merit with CI (each analysis uses
            only that modality's data, as in OR-DBM MRMC, RJafroc and MRMCaov).
        reader_differences: per-reader differences (fixed-readers analysis only).
    """

    analysis: str
    method: str
    statistic_name: str
    statistic: float
    df1: float
    df2: float
    p_value: float
    difference: float
    std_error: float
    ci_low: float
    ci_high: float
    modalities: tuple[ModalityEstimate, ...]
    reader_differences: tuple[ReaderDifference, ...] = ()

    @property
    def defined(self) -> bool:
        """False when the design cannot support this analysis (e.g. one reader, random readers)."""
        return math.isfinite(self.p_value)

    def summary(self) -> str:
        title = self.analysis.replace("_", " ")
        if not self.defined:
            return f"{title}: undefined — {self.method}"
        df2 = "inf" if math.isinf(self.df2) else f"{self.df2:.2f}"
        lines = [
            f"{title}: difference {_fmt(self.difference)} "
            f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}], "
            f"{self.statistic_name}({self.df1:g}, {df2}) = {_fmt(self.statistic, 3)}, "
            f"p = {_fmt_p(self.p_value)}",
        ]
        lines += [f"  {m.summary()}" for m in self.modalities]
        lines += [f"  reader {r.summary()}" for r in self.reader_differences]
        return "\n".join(lines)


@dataclass(frozen=True)
class VarianceComponents(FieldsToDict):
    """Mean squares of the modality × reader table and the OR variance components.

    ``var_r`` and ``var_tr`` are the method-of-moments estimates of σ²_R and σ²_TR from the
    expected mean squares of the OR model (Hillis et al. 2005):
    ``E[MS(TR)] = σ²_TR + Var − Cov1 − Cov2 + Cov3`` and
    ``E[MS(R)] = Tσ²_R + σ²_TR + Var + (T−1)Cov1 − Cov2 − (T−1)Cov3``.
    ``rho1..3`` are ``Cov1..3 / Var``; ``ms_r_by_modality`` holds MS(R)ᵢ, the reader mean square
    within each modality (last, as in ``results.json``).
    """

    ms_t: float
    ms_r: float
    ms_tr: float
    var: float
    cov1: float
    cov2: float
    cov3: float
    var_r: float
    var_tr: float
    rho1: float
    rho2: float
    rho3: float
    ms_r_by_modality: tuple[float, ...]

    def summary(self) -> str:
        return (
            f"MS(T)={self.ms_t:.6g} MS(R)={self.ms_r:.6g} MS(T×R)={self.ms_tr:.6g}; "
            f"Var={self.var:.6g} Cov1={self.cov1:.6g} Cov2={self.cov2:.6g} Cov3={self.cov3:.6g}"
        )


@dataclass(frozen=True)
class MrmcResult:
    """Obuchowski–Rockette comparison of two modalities read by the same readers on the same cases.

    The headline ``difference`` / ``ci_low`` / ``ci_high`` / ``p_value`` are those of the
    random-readers random-cases analysis (Hillis 2007 ddf): they are NaN when it is undefined
    (one reader); the fixed-readers analysis is then the one to report.

    Attributes:
        figure_of_merit: ``"auc"``, ``"sensitivity"`` or ``"specificity"``.
        covariance_method: ``"delong"`` or ``"jackknife"``.
        alpha: 1 − confidence level of every CI.
        modality_names: (first, second); the difference is second − first.
        reader_ids: one id per reader, in the column order of ``fom``.
        n_malignant, n_benign: numbers of cases of each class.
        fom: shape (modalities, readers), the figure of merit of each reader in each modality.
        mean_fom: shape (modalities,), reader-averaged figure of merit.
        difference: ``mean_fom[1] − mean_fom[0]`` (aided − unaided).
        random_readers_random_cases, fixed_readers_random_cases, random_readers_fixed_cases:
            the three analyses.
        variance_components: mean squares and OR (co)variances.
        covariances: the averaged covariances with their per-modality / per-reader pieces.
    """

    figure_of_merit: str
    covariance_method: str
    alpha: float
    modality_names: tuple[str, str]
    reader_ids: tuple[str, ...]
    n_malignant: int
    n_benign: int
    fom: NDArray[np.float64]
    mean_fom: NDArray[np.float64]
    difference: float
    random_readers_random_cases: OrTestResult
    fixed_readers_random_cases: OrTestResult
    random_readers_fixed_cases: OrTestResult
    variance_components: VarianceComponents
    covariances: OrCovariances

    @property
    def ci_low(self) -> float:
        """Lower CI bound of the difference (random readers, random cases)."""
        return self.random_readers_random_cases.ci_low

    @property
    def ci_high(self) -> float:
        """Upper CI bound of the difference (random readers, random cases)."""
        return self.random_readers_random_cases.ci_high

    @property
    def p_value(self) -> float:
        """p-value of the difference (random readers, random cases)."""
        return self.random_readers_random_cases.p_value

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict for ``results.json`` (docs/analysis.md, key ``mrmc``)."""
        return {
            "figure_of_merit": self.figure_of_merit,
            "covariance_method": self.covariance_method,
            "alpha": self.alpha,
            "modalities": list(self.modality_names),
            "reader_ids": list(self.reader_ids),
            "n_malignant": self.n_malignant,
            "n_benign": self.n_benign,
            "fom": {
                name: {
                    reader: json_number(self.fom[i, j]) for j, reader in enumerate(self.reader_ids)
                }
                for i, name in enumerate(self.modality_names)
            },
            "mean_fom": {
                name: json_number(self.mean_fom[i]) for i, name in enumerate(self.modality_names)
            },
            "difference": {
                "contrast": f"{self.modality_names[1]} - {self.modality_names[0]}",
                "estimate": json_number(self.difference),
                "ci_low": json_number(self.ci_low),
                "ci_high": json_number(self.ci_high),
                "p_value": json_number(self.p_value),
                "analysis": "random_readers_random_cases",
            },
            "random_readers_random_cases": self.random_readers_random_cases.to_dict(),
            "fixed_readers_random_cases": self.fixed_readers_random_cases.to_dict(),
            "random_readers_fixed_cases": self.random_readers_fixed_cases.to_dict(),
            "variance_components": self.variance_components.to_dict(),
            "covariances": self.covariances.to_dict(),
        }

    def summary(self) -> str:
        """Multi-line text: the reader table, the three analyses, the variance components."""
        first, second = self.modality_names
        width = max(len(first), len(second), 8)
        header = " " * width + "".join(f"{r:>10}" for r in self.reader_ids) + f"{'mean':>10}"
        rows = [
            f"{name:<{width}}"
            + "".join(f"{v:>10.4f}" for v in self.fom[i])
            + f"{self.mean_fom[i]:>10.4f}"
            for i, name in enumerate(self.modality_names)
        ]
        lines = [
            f"Obuchowski–Rockette MRMC analysis of {self.figure_of_merit} "
            f"({self.covariance_method} covariance), {len(self.reader_ids)} readers, "
            f"{self.n_malignant} malignant + {self.n_benign} benign cases",
            header,
            *rows,
            f"{second} - {first}: {_fmt(self.difference)}",
            self.random_readers_random_cases.summary(),
            self.fixed_readers_random_cases.summary(),
            self.random_readers_fixed_cases.summary(),
            self.variance_components.summary(),
        ]
        return "\n".join(lines)
