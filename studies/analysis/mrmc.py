"""Obuchowski–Rockette (OR) multi-reader multi-case analysis of two modalities.

R readers read the same C cases unaided and aided; each gives a score (AUC) or a decision
(sensitivity, specificity) per case. The question is whether the reader-averaged figure of
merit changes. The OR model (Obuchowski & Rockette, Commun Stat Simul Comput 1995;24:285–308)

    θ̂ᵢⱼ = μ + τᵢ + Rⱼ + (τR)ᵢⱼ + εᵢⱼ,    Cov(εᵢⱼ, εᵢ'ⱼ') ∈ {Var, Cov1, Cov2, Cov3}

is analysed as in Hillis, Obuchowski, Schartz & Berbaum (Stat Med 2005;24:1579–607) and
Hillis (Stat Med 2007;26:596–619), the procedures of OR-DBM MRMC, RJafroc and MRMCaov:

**Random readers, random cases** (Hillis et al. 2005; Hillis 2007, 2008)::

    F = MS(T) / [MS(T×R) + R·max(Cov2 − Cov3, 0)]  ~  F(T−1, ddf_H)
    ddf_H = [MS(T×R) + R·max(Cov2 − Cov3, 0)]² / {MS(T×R)² / [(T−1)(R−1)]}
    CI: d ± t(1−α/2; ddf_H) · sqrt(2/R · [MS(T×R) + R·max(Cov2 − Cov3, 0)])

**Fixed readers, random cases** (Hillis et al. 2005)::

    χ² = (T−1)·MS(T) / [Var − Cov1 + (R−1)·max(Cov2 − Cov3, 0)]  ~  χ²(T−1)
    CI: d ± z(1−α/2) · sqrt(2/R · [Var − Cov1 + (R−1)·max(Cov2 − Cov3, 0)])

**Random readers, fixed cases** (conventional mixed-model ANOVA)::

    F = MS(T) / MS(T×R)  ~  F(T−1, (T−1)(R−1));   CI: d ± t(1−α/2; (T−1)(R−1)) · sqrt(2 MS(T×R)/R)

Single-modality CIs (Hillis 2007; RJafroc ``ciAvgRdrEachTrt``), using that modality's data
only: random readers and cases ``SE² = [MS(R)ᵢ + R·max(Cov2ᵢ, 0)]/R`` with
``df = [MS(R)ᵢ + R·max(Cov2ᵢ, 0)]² / {MS(R)ᵢ²/(R−1)}``; fixed readers
``SE² = [Varᵢ + (R−1)·max(Cov2ᵢ, 0)]/R`` (normal); fixed cases ``SE² = MS(R)ᵢ/R``, df = R − 1.

Covariances come from DeLong or the jackknife (:mod:`studies.analysis.mrmc_covariance`).
See ``docs/mrmc.md`` for conventions, edge cases and the published results this module
reproduces (Van Dyke et al. 1993 data; RJafroc and MRMCaov output).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from model_core.vocabulary import SESSIONS
from studies.analysis.figures_of_merit import (
    FigureOfMerit,
    check_figure_of_merit,
    figures_of_merit,
)
from studies.analysis.mrmc_covariance import (
    COVARIANCE_METHODS,
    CovarianceMethod,
    OrCovariances,
    estimate_or_covariances,
)
from studies.analysis.mrmc_results import (
    ModalityEstimate,
    MrmcResult,
    OrTestResult,
    ReaderDifference,
    VarianceComponents,
)

__all__ = ["mean_squares", "obuchowski_rockette"]

RRRC = "random_readers_random_cases"
FRRC = "fixed_readers_random_cases"
RRFC = "random_readers_fixed_cases"
NAN = float("nan")


# --------------------------------------------------------------------------- input checks
def _validated(
    scores: ArrayLike,
    truth: ArrayLike,
    alpha: float,
    modality_names: Sequence[str],
    reader_ids: Sequence[str] | None,
) -> tuple[NDArray[np.float64], NDArray[np.int_], tuple[str, str], tuple[str, ...]]:
    array = np.asarray(scores, dtype=float)
    if array.ndim != 3:
        raise ValueError(
            f"scores must be 3-D (modalities, readers, cases), got shape {array.shape}"
        )
    n_modalities, n_readers, n_cases = array.shape
    if n_modalities != 2:
        raise ValueError(f"scores must hold exactly 2 modalities, got {n_modalities}")
    if n_readers < 1 or n_cases < 2:
        raise ValueError(f"need at least 1 reader and 2 cases, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("scores contain NaN or infinite values (a missing read?)")
    labels = np.asarray(truth)
    if labels.shape != (n_cases,):
        raise ValueError(
            f"truth must have shape ({n_cases},) to match scores {array.shape}, got {labels.shape}"
        )
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("truth must contain only 1 (malignant) and 0 (benign)")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    names = tuple(str(n) for n in modality_names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"modality_names must be two distinct names, got {modality_names!r}")
    ids = (
        tuple(str(j + 1) for j in range(n_readers))
        if reader_ids is None
        else tuple(str(r) for r in reader_ids)
    )
    if len(ids) != n_readers or len(set(ids)) != n_readers:
        raise ValueError(
            f"reader_ids must be {n_readers} distinct ids (one per reader), got {reader_ids!r}"
        )
    return array, labels.astype(int), (names[0], names[1]), ids


# --------------------------------------------------------------------------- mean squares
def mean_squares(fom: ArrayLike) -> tuple[float, float, float, tuple[float, ...]]:
    """Mean squares of a (T, R) figure-of-merit table (Hillis et al. 2005).

    Returns:
        ``(MS(T), MS(R), MS(T×R), MS(R)ᵢ per modality)``; those with zero degrees of
        freedom (one reader) are NaN.
    """
    table = np.asarray(fom, dtype=float)
    if table.ndim != 2:
        raise ValueError(f"fom must be 2-D (modalities, readers), got shape {table.shape}")
    t, r = table.shape
    grand = table.mean()
    by_t = table.mean(axis=1)
    by_r = table.mean(axis=0)
    ms_t = r * np.sum((by_t - grand) ** 2) / (t - 1) if t > 1 else NAN
    if r < 2:
        return float(ms_t), NAN, NAN, tuple(NAN for _ in range(t))
    ms_r = t * np.sum((by_r - grand) ** 2) / (r - 1)
    interaction = table - by_t[:, None] - by_r[None, :] + grand
    ms_tr = np.sum(interaction**2) / ((t - 1) * (r - 1)) if t > 1 else NAN
    ms_r_i = tuple(float(v) for v in table.var(axis=1, ddof=1))
    return float(ms_t), float(ms_r), float(ms_tr), ms_r_i


def _variance_components(
    ms: tuple[float, float, float, tuple[float, ...]], cov: OrCovariances, t: int
) -> VarianceComponents:
    ms_t, ms_r, ms_tr, ms_r_i = ms
    var_tr = ms_tr - cov.var + cov.cov1 + cov.cov2 - cov.cov3
    var_r = (ms_r - var_tr - cov.var - (t - 1) * cov.cov1 + cov.cov2 + (t - 1) * cov.cov3) / t
    rho = [c / cov.var for c in (cov.cov1, cov.cov2, cov.cov3)] if cov.var > 0 else [NAN] * 3
    return VarianceComponents(
        ms_t=ms_t,
        ms_r=ms_r,
        ms_tr=ms_tr,
        ms_r_by_modality=ms_r_i,
        var=cov.var,
        cov1=cov.cov1,
        cov2=cov.cov2,
        cov3=cov.cov3,
        var_r=float(var_r),
        var_tr=float(var_tr),
        rho1=float(rho[0]),
        rho2=float(rho[1]),
        rho3=float(rho[2]),
    )


# --------------------------------------------------------------------------- distributions
def _quantile(alpha: float, df: float) -> float:
    """Two-sided critical value: t(1 − α/2; df), the normal one when df is infinite."""
    if math.isinf(df):
        return float(stats.norm.ppf(1.0 - alpha / 2.0))
    return float(stats.t.ppf(1.0 - alpha / 2.0, df))


def _f_p_value(statistic: float, df1: float, df2: float) -> float:
    if math.isinf(statistic):
        return 0.0
    if math.isinf(df2):
        return float(stats.chi2.sf(statistic * df1, df1))
    return float(stats.f.sf(statistic, df1, df2))


def _hillis_df(denominator: float, ms: float, df_ms: float) -> float:
    """Satterthwaite-type ddf ``denominator² / (ms² / df_ms)`` (Hillis 2007)."""
    if ms == 0.0:
        return math.inf if denominator > 0.0 else df_ms
    return denominator**2 / (ms**2 / df_ms)


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with the degenerate zero-variance cases made explicit.

    0/0 (no difference and no variance, e.g. perfect readers in both modalities) is taken as
    0 — no evidence of a difference; x/0 with x > 0 as +inf.
    """
    if denominator > 0.0:
        return numerator / denominator
    return 0.0 if numerator == 0.0 else math.inf


def _interval(
    estimate: float, std_error: float, df: float, alpha: float, clip: bool
) -> tuple[float, float]:
    half = _quantile(alpha, df) * std_error if std_error > 0.0 else 0.0
    low, high = estimate - half, estimate + half
    if clip:
        low, high = max(low, 0.0), min(high, 1.0)
    return low, high


def _modality(
    name: str, estimate: float, variance: float, df: float, alpha: float
) -> ModalityEstimate:
    if not math.isfinite(variance):
        return ModalityEstimate(name, estimate, NAN, NAN, NAN, NAN)
    std_error = math.sqrt(max(variance, 0.0))
    low, high = _interval(estimate, std_error, df, alpha, clip=True)
    return ModalityEstimate(name, estimate, std_error, df, low, high)


def _undefined(
    analysis: str,
    reason: str,
    statistic_name: str,
    difference: float,
    names: tuple[str, str],
    means: NDArray[np.float64],
) -> OrTestResult:
    return OrTestResult(
        analysis=analysis,
        method=reason,
        statistic_name=statistic_name,
        statistic=NAN,
        df1=1.0,
        df2=NAN,
        p_value=NAN,
        difference=difference,
        std_error=NAN,
        ci_low=NAN,
        ci_high=NAN,
        modalities=tuple(
            ModalityEstimate(n, m, NAN, NAN, NAN, NAN) for n, m in zip(names, means, strict=True)
        ),
    )


# --------------------------------------------------------------------------- the three analyses
def _random_readers_random_cases(
    fom: NDArray[np.float64],
    vc: VarianceComponents,
    cov: OrCovariances,
    names: tuple[str, str],
    alpha: float,
) -> OrTestResult:
    t, r = fom.shape
    means = fom.mean(axis=1)
    difference = float(means[1] - means[0])
    if r < 2:
        return _undefined(
            RRRC,
            "undefined with one reader: MS(T×R), Cov2 and Cov3 need two or more readers; "
            "report the fixed-readers analysis",
            "F",
            difference,
            names,
            means,
        )
    df_tr = (t - 1) * (r - 1)
    denominator = vc.ms_tr + r * max(vc.cov2 - vc.cov3, 0.0)
    ddf = _hillis_df(denominator, vc.ms_tr, df_tr)
    statistic = _ratio(vc.ms_t, denominator)
    std_error = math.sqrt(2.0 * denominator / r)
    low, high = _interval(difference, std_error, ddf, alpha, clip=False)
    modalities = []
    for i, name in enumerate(names):
        ms_r_i = vc.ms_r_by_modality[i]
        den_i = ms_r_i + r * max(cov.cov2_by_modality[i], 0.0)
        df_i = _hillis_df(den_i, ms_r_i, r - 1)
        modalities.append(_modality(name, float(means[i]), den_i / r, df_i, alpha))
    return OrTestResult(
        analysis=RRRC,
        method=(
            "Obuchowski-Rockette F test, readers and cases random, Hillis (2007) denominator "
            f"degrees of freedom, {cov.method} covariance"
        ),
        statistic_name="F",
        statistic=statistic,
        df1=float(t - 1),
        df2=ddf,
        p_value=_f_p_value(statistic, t - 1, ddf),
        difference=difference,
        std_error=std_error,
        ci_low=low,
        ci_high=high,
        modalities=tuple(modalities),
    )


def _fixed_readers_random_cases(
    fom: NDArray[np.float64],
    vc: VarianceComponents,
    cov: OrCovariances,
    names: tuple[str, str],
    reader_ids: tuple[str, ...],
    alpha: float,
) -> OrTestResult:
    t, r = fom.shape
    means = fom.mean(axis=1)
    difference = float(means[1] - means[0])
    between_readers = (r - 1) * max(cov.cov2 - cov.cov3, 0.0) if r > 1 else 0.0
    denominator = max(cov.var - cov.cov1 + between_readers, 0.0)
    statistic = (t - 1) * _ratio(vc.ms_t, denominator)
    std_error = math.sqrt(2.0 * denominator / r)
    low, high = _interval(difference, std_error, math.inf, alpha, clip=False)
    modalities = []
    for i, name in enumerate(names):
        cov2_term = (r - 1) * max(cov.cov2_by_modality[i], 0.0) if r > 1 else 0.0
        variance = (cov.var_by_modality[i] + cov2_term) / r
        modalities.append(_modality(name, float(means[i]), variance, math.inf, alpha))
    readers = []
    z_crit = _quantile(alpha, math.inf)
    for j, reader in enumerate(reader_ids):
        d_j = float(fom[1, j] - fom[0, j])
        se_j = math.sqrt(max(2.0 * (cov.var_by_reader[j] - cov.cov1_by_reader[j]), 0.0))
        z_j = _ratio(abs(d_j), se_j) * (1.0 if d_j >= 0 else -1.0)
        p_j = float(2.0 * stats.norm.sf(abs(z_j))) if math.isfinite(z_j) else 0.0
        readers.append(
            ReaderDifference(reader, d_j, se_j, z_j, p_j, d_j - z_crit * se_j, d_j + z_crit * se_j)
        )
    return OrTestResult(
        analysis=FRRC,
        method=(
            "Obuchowski-Rockette chi-square (z) test, readers fixed and cases random "
            f"(Hillis et al. 2005), {cov.method} covariance"
        ),
        statistic_name="chi2",
        statistic=statistic,
        df1=float(t - 1),
        df2=math.inf,
        p_value=_f_p_value(statistic / (t - 1), t - 1, math.inf),
        difference=difference,
        std_error=std_error,
        ci_low=low,
        ci_high=high,
        modalities=tuple(modalities),
        reader_differences=tuple(readers),
    )


def _random_readers_fixed_cases(
    fom: NDArray[np.float64], vc: VarianceComponents, names: tuple[str, str], alpha: float
) -> OrTestResult:
    t, r = fom.shape
    means = fom.mean(axis=1)
    difference = float(means[1] - means[0])
    if r < 2:
        return _undefined(
            RRFC,
            "undefined with one reader: MS(T×R) has no degrees of freedom",
            "F",
            difference,
            names,
            means,
        )
    df_tr = float((t - 1) * (r - 1))
    statistic = _ratio(vc.ms_t, vc.ms_tr)
    std_error = math.sqrt(2.0 * vc.ms_tr / r)
    low, high = _interval(difference, std_error, df_tr, alpha, clip=False)
    modalities = tuple(
        _modality(name, float(means[i]), vc.ms_r_by_modality[i] / r, float(r - 1), alpha)
        for i, name in enumerate(names)
    )
    return OrTestResult(
        analysis=RRFC,
        method="mixed-model ANOVA F test MS(T)/MS(T×R), readers random and cases fixed",
        statistic_name="F",
        statistic=statistic,
        df1=float(t - 1),
        df2=df_tr,
        p_value=_f_p_value(statistic, t - 1, df_tr),
        difference=difference,
        std_error=std_error,
        ci_low=low,
        ci_high=high,
        modalities=modalities,
    )


# --------------------------------------------------------------------------- public entry point
def obuchowski_rockette(
    scores: ArrayLike,
    truth: ArrayLike,
    covariance: CovarianceMethod = "delong",
    figure_of_merit: FigureOfMerit = "auc",
    alpha: float = 0.05,
    modality_names: Sequence[str] = SESSIONS,
    reader_ids: Sequence[str] | None = None,
) -> MrmcResult:
    """Obuchowski–Rockette MRMC comparison of two modalities (second − first).

    Args:
        scores: shape (2, readers, cases). For ``figure_of_merit="auc"``: the readers'
            probability of malignancy (any scale, higher = more suspicious; ties allowed).
            For ``"sensitivity"`` / ``"specificity"``: binary decisions, 1 = malignant.
        truth: shape (cases,), 1 = malignant, 0 = benign.
        covariance: ``"delong"`` (AUC only) or ``"jackknife"`` (leave-one-case-out; for
            sensitivity over the malignant cases, for specificity over the benign ones).
        figure_of_merit: ``"auc"``, ``"sensitivity"`` or ``"specificity"``.
        alpha: 1 − confidence level of the CIs (two-sided).
        modality_names: names of the first and second modality of ``scores``.
        reader_ids: one id per reader; default ``"1"`` … ``"R"``.

    Returns:
        :class:`MrmcResult` with the random-readers random-cases (headline), fixed-readers
        random-cases and random-readers fixed-cases analyses.

    Raises:
        ~studies.analysis.figures_of_merit.TooFewCasesError: (a ``ValueError``) a class the
            figure of merit is computed on has fewer than two cases (jackknife): the data
            cannot support the analysis.
        ValueError: wrong shapes, non-binary truth or decisions, NaN scores, a class with no
            case (DeLong), DeLong with a figure of merit other than the AUC, unknown options.
    """
    check_figure_of_merit(figure_of_merit)
    if covariance not in COVARIANCE_METHODS:
        raise ValueError(f"covariance must be one of {COVARIANCE_METHODS}, got {covariance!r}")
    array, labels, names, ids = _validated(scores, truth, alpha, modality_names, reader_ids)
    t, r, c = array.shape

    cov = estimate_or_covariances(array, labels, figure_of_merit, covariance)
    fom = figures_of_merit(array.reshape(t * r, c), labels, figure_of_merit).reshape(t, r)
    fom.setflags(write=False)
    mean_fom = fom.mean(axis=1)
    mean_fom.setflags(write=False)
    vc = _variance_components(mean_squares(fom), cov, t)

    return MrmcResult(
        figure_of_merit=figure_of_merit,
        covariance_method=covariance,
        alpha=alpha,
        modality_names=names,
        reader_ids=ids,
        n_malignant=int(labels.sum()),
        n_benign=int(c - labels.sum()),
        fom=fom,
        mean_fom=mean_fom,
        difference=float(mean_fom[1] - mean_fom[0]),
        random_readers_random_cases=_random_readers_random_cases(fom, vc, cov, names, alpha),
        fixed_readers_random_cases=_fixed_readers_random_cases(fom, vc, cov, names, ids, alpha),
        random_readers_fixed_cases=_random_readers_fixed_cases(fom, vc, names, alpha),
        variance_components=vc,
        covariances=cov,
    )
