"""Obuchowski–Rockette error covariances Var, Cov1, Cov2, Cov3, by DeLong or by the jackknife.

In the Obuchowski & Rockette (1995) model ``θ̂ᵢⱼ = μ + τᵢ + Rⱼ + (τR)ᵢⱼ + εᵢⱼ`` the errors of the
T × R figures of merit (modality i, reader j), all computed on the same cases, are correlated:

* ``Var  = Var(εᵢⱼ)``
* ``Cov1 = Cov(εᵢⱼ, εᵢ'ⱼ)``  same reader, different modalities,
* ``Cov2 = Cov(εᵢⱼ, εᵢⱼ')``  same modality, different readers,
* ``Cov3 = Cov(εᵢⱼ, εᵢ'ⱼ')`` different modality and reader

(Obuchowski NA, Rockette HE, Commun Stat Simul Comput 1995;24:285–308; Hillis et al., Stat Med
2005;24:1579–607). Each is estimated as the **average** of the matching entries of an
estimated (TR × TR) covariance matrix of the θ̂ᵢⱼ — the convention of OR-DBM MRMC, RJafroc
(``UtilORVarComponentsFactorial``) and MRMCaov. That matrix comes from

* **DeLong** et al. (Biometrics 1988;44:837–45): ``S10/m + S01/n`` from the structural
  components (placements) — empirical AUC only;
* **the jackknife** (Efron 1982; Hillis et al. 2005):
  ``(N−1)/N Σₖ (θ₍ₖ₎ − θ̄₍.₎)(θ'₍ₖ₎ − θ̄'₍.₎)`` over the N cases whose deletion changes θ
  (all cases for the AUC, the malignant cases for sensitivity, the benign cases for
  specificity).

Matrix layout: row/column ``i * R + j`` is modality i, reader j (reader index fastest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studies.analysis.delong import delong_components
from studies.analysis.figures_of_merit import FigureOfMerit, jackknife_figures_of_merit
from studies.analysis.result_dict import NOT_EXPORTED, FieldsToDict

CovarianceMethod = Literal["delong", "jackknife"]
COVARIANCE_METHODS: tuple[str, ...] = ("delong", "jackknife")


@dataclass(frozen=True)
class OrCovariances(FieldsToDict):
    """Averaged OR error (co)variances and their per-modality / per-reader pieces.

    ``to_dict()`` has every field but the matrix.

    Attributes:
        method: ``"delong"`` or ``"jackknife"``.
        var: mean of the T·R variances.
        cov1: mean covariance, same reader, different modalities (NaN when T = 1).
        cov2: mean covariance, same modality, different readers (NaN when R = 1).
        cov3: mean covariance, different modality and reader (NaN when T = 1 or R = 1).
        var_by_modality: per modality, mean variance over readers (single-modality analyses).
        cov2_by_modality: per modality, mean Cov2 over reader pairs (NaN when R = 1).
        var_by_reader: per reader, mean variance over modalities (per-reader comparisons).
        cov1_by_reader: per reader, mean Cov1 over modality pairs (NaN when T = 1).
        matrix: the (T·R × T·R) covariance matrix the averages come from.
    """

    method: str
    var: float
    cov1: float
    cov2: float
    cov3: float
    var_by_modality: tuple[float, ...]
    cov2_by_modality: tuple[float, ...]
    var_by_reader: tuple[float, ...]
    cov1_by_reader: tuple[float, ...]
    matrix: NDArray[np.float64] = field(metadata=NOT_EXPORTED)

    def summary(self) -> str:
        """One line with the four averaged (co)variances."""
        return (
            f"OR covariances ({self.method}): Var={self.var:.6g}, Cov1={self.cov1:.6g}, "
            f"Cov2={self.cov2:.6g}, Cov3={self.cov3:.6g}"
        )


def _mean_or_nan(values: NDArray[np.float64]) -> float:
    return float(values.mean()) if values.size else float("nan")


def or_covariances(
    matrix: ArrayLike, n_modalities: int, n_readers: int, method: str
) -> OrCovariances:
    """Average a (T·R × T·R) covariance matrix into Var, Cov1, Cov2, Cov3 (and their pieces).

    Raises:
        ValueError: when the matrix is not square of size ``n_modalities * n_readers``.
    """
    size = n_modalities * n_readers
    cov = np.asarray(matrix, dtype=float)
    if cov.shape != (size, size):
        raise ValueError(
            f"covariance matrix must be ({size}, {size}) for {n_modalities} modalities × "
            f"{n_readers} readers, got {cov.shape}"
        )
    modality = np.repeat(np.arange(n_modalities), n_readers)
    reader = np.tile(np.arange(n_readers), n_modalities)
    same_t = modality[:, None] == modality[None, :]
    same_r = reader[:, None] == reader[None, :]
    diagonal = np.diag(cov)

    var_by_modality = tuple(float(diagonal[modality == i].mean()) for i in range(n_modalities))
    cov2_by_modality = tuple(
        _mean_or_nan(cov[(modality[:, None] == i) & (modality[None, :] == i) & ~same_r])
        for i in range(n_modalities)
    )
    var_by_reader = tuple(float(diagonal[reader == j].mean()) for j in range(n_readers))
    cov1_by_reader = tuple(
        _mean_or_nan(cov[(reader[:, None] == j) & (reader[None, :] == j) & ~same_t])
        for j in range(n_readers)
    )
    return OrCovariances(
        method=method,
        var=float(diagonal.mean()),
        cov1=_mean_or_nan(cov[~same_t & same_r]),
        cov2=_mean_or_nan(cov[same_t & ~same_r]),
        cov3=_mean_or_nan(cov[~same_t & ~same_r]),
        var_by_modality=var_by_modality,
        cov2_by_modality=cov2_by_modality,
        var_by_reader=var_by_reader,
        cov1_by_reader=cov1_by_reader,
        matrix=cov,
    )


def jackknife_covariance_matrix(jackknife_values: ArrayLike) -> NDArray[np.float64]:
    """Jackknife covariance ``(N−1)/N Σₖ (θ₍ₖ₎ − θ̄₍.₎)(θ'₍ₖ₎ − θ̄'₍.₎)`` of K statistics.

    Args:
        jackknife_values: shape (K, N), the leave-one-out values of K statistics.
    """
    values = np.asarray(jackknife_values, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValueError(f"jackknife values must be (K, N ≥ 2), got shape {values.shape}")
    n = values.shape[1]
    centred = values - values.mean(axis=1, keepdims=True)
    return (n - 1) / n * (centred @ centred.T)


def estimate_or_covariances(
    scores: NDArray[np.float64],
    truth: NDArray[np.int_],
    figure_of_merit: FigureOfMerit,
    method: CovarianceMethod,
) -> OrCovariances:
    """OR covariances of the (modalities, readers) figures of merit of ``scores``.

    Args:
        scores: shape (modalities, readers, cases), validated by the caller.
        truth: shape (cases,), 1 = malignant.
        figure_of_merit: ``"auc"``, ``"sensitivity"`` or ``"specificity"``.
        method: ``"delong"`` (AUC only) or ``"jackknife"``.

    Raises:
        ValueError: for an unknown method, or DeLong with a figure of merit other than the AUC.
        ~studies.analysis.figures_of_merit.TooFewCasesError: jackknife, and a class it deletes
            cases from has fewer than two.
    """
    if method not in COVARIANCE_METHODS:
        raise ValueError(f"covariance must be one of {COVARIANCE_METHODS}, got {method!r}")
    n_modalities, n_readers, n_cases = scores.shape
    flat = scores.reshape(n_modalities * n_readers, n_cases)
    if method == "delong":
        if figure_of_merit != "auc":
            raise ValueError(
                "DeLong covariance is defined for the empirical AUC only; use "
                f"covariance='jackknife' for {figure_of_merit} (for a proportion the jackknife "
                "equals the structural-components variance p(1-p)/(N-1))"
            )
        matrix = delong_components(flat, truth).covariance
    else:
        matrix = jackknife_covariance_matrix(
            jackknife_figures_of_merit(flat, truth, figure_of_merit)
        )
    return or_covariances(matrix, n_modalities, n_readers, method)
