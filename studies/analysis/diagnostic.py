"""Diagnostic performance of binary calls: the 2x2 table and its proportions with CIs.

Accuracy, sensitivity, specificity, PPV and NPV are binomial proportions of the 2x2 table of
truth (pathology) against the reader's or model's call, each with a confidence interval from
:func:`studies.analysis.proportions.proportion_ci`, by a per-proportion
:class:`~studies.analysis.ci_convention.CiConvention` (default: Mao et al. 2023's — accuracy
Clopper–Pearson, the others Wilson with continuity correction as R ``prop.test``).
F1 = 2TP / (2TP + FP + FN) is given as a point estimate only: it has no standard closed-form
interval.

Undefined proportions (e.g. the PPV when nobody was called positive) follow the n = 0 policy of
:mod:`studies.analysis.proportions`: NaN, exported as ``null``. F1 is ``None`` when
2TP + FP + FN = 0 (no diseased case and no positive call).

:func:`reader_averaged_metrics` averages sensitivity, specificity and accuracy over readers who
read the same cases (point estimates; their reader-and-case inference is the MRMC analysis of
:mod:`studies.analysis.mrmc`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studies.analysis.ci_convention import (
    PAPER_CI,
    PROPORTION_NAMES,
    CiConvention,
    as_ci_convention,
)
from studies.analysis.proportions import CiMethod, ProportionResult, proportion_ci
from studies.analysis.result_dict import FieldsToDict


def binary_array(values: ArrayLike, name: str) -> NDArray[np.int8]:
    """A 1-D array of 0/1 (bool accepted) as int8; raises ValueError otherwise.

    Shared by the tests of paired binary data (diagnostic metrics, McNemar).
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if array.dtype == bool:
        return array.astype(np.int8)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric 0/1 or boolean, got dtype {array.dtype}")
    if not np.all(np.isin(array, (0, 1))):
        bad = array[~np.isin(array, (0, 1))]
        raise ValueError(f"{name} must contain only 0 and 1; found {bad[:5].tolist()}")
    return array.astype(np.int8)


def paired_binary(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
    """Two 0/1 arrays of the same, non-zero length."""
    a = binary_array(first, names[0])
    b = binary_array(second, names[1])
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have one value per case: "
            f"got {a.shape[0]} and {b.shape[0]}"
        )
    if a.size == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty")
    return a, b


@dataclass(frozen=True)
class DiagnosticResult(FieldsToDict):
    """2x2 counts and the diagnostic proportions derived from them.

    ``to_dict()`` (docs/analysis.md): ``tp fp tn fn``, the five proportions, ``f1``.

    Attributes:
        tp, fp, tn, fn: counts (truth 1 = malignant; call 1 = malignant).
        accuracy: (TP + TN) / N.
        sensitivity: TP / (TP + FN).
        specificity: TN / (TN + FP).
        ppv: TP / (TP + FP).
        npv: TN / (TN + FN).
        f1: 2TP / (2TP + FP + FN), or None when the denominator is 0.
    """

    tp: int
    fp: int
    tn: int
    fn: int
    accuracy: ProportionResult
    sensitivity: ProportionResult
    specificity: ProportionResult
    ppv: ProportionResult
    npv: ProportionResult
    f1: float | None

    @property
    def n(self) -> int:
        """Number of cases."""
        return self.tp + self.fp + self.tn + self.fn

    def proportions(self) -> dict[str, ProportionResult]:
        """The five proportions by name, in report order."""
        return {name: getattr(self, name) for name in PROPORTION_NAMES}

    def summary(self) -> str:
        """Several lines: the table, then one line per proportion."""
        lines = [f"TP={self.tp} FP={self.fp} TN={self.tn} FN={self.fn} (n={self.n})"]
        lines += [f"{name:<12}{p.summary()}" for name, p in self.proportions().items()]
        lines.append(f"{'f1':<12}{'undefined' if self.f1 is None else f'{self.f1:.3f}'}")
        return "\n".join(lines)


def diagnostic_metrics(
    truth: ArrayLike,
    decision: ArrayLike,
    ci_method: CiMethod | CiConvention = PAPER_CI,
    alpha: float = 0.05,
) -> DiagnosticResult:
    """Diagnostic proportions with CIs from truth and binary calls (1 = malignant).

    Args:
        truth: shape (cases,), 1 = malignant (diseased), 0 = benign.
        decision: shape (cases,), the call: 1 = malignant (positive), 0 = benign.
        ci_method: the interval method of each proportion (a
            :class:`~studies.analysis.ci_convention.CiConvention`; default the paper's), or one
            method of :func:`~studies.analysis.proportions.proportion_ci` for all of them.
        alpha: significance level of the intervals.

    Raises:
        ValueError: on values other than 0/1, different lengths, empty input or an unknown
            method.
    """
    convention = as_ci_convention(ci_method)
    t, d = paired_binary(truth, decision, ("truth", "decision"))
    tp = int(np.sum((t == 1) & (d == 1)))
    fp = int(np.sum((t == 0) & (d == 1)))
    tn = int(np.sum((t == 0) & (d == 0)))
    fn = int(np.sum((t == 1) & (d == 0)))

    def ci(name: str, x: int, n: int) -> ProportionResult:
        return proportion_ci(x, n, method=convention.method(name), alpha=alpha)

    f1_denominator = 2 * tp + fp + fn
    return DiagnosticResult(
        tp=tp,
        fp=fp,
        tn=tn,
        fn=fn,
        accuracy=ci("accuracy", tp + tn, tp + fp + tn + fn),
        sensitivity=ci("sensitivity", tp, tp + fn),
        specificity=ci("specificity", tn, tn + fp),
        ppv=ci("ppv", tp, tp + fp),
        npv=ci("npv", tn, tn + fn),
        f1=2 * tp / f1_denominator if f1_denominator else None,
    )


@dataclass(frozen=True)
class ReaderAveragedMetrics(FieldsToDict):
    """Sensitivity, specificity and accuracy averaged over readers, every reader weighted equally.

    All readers read the same cases, so each value is the mean of the readers' own proportions;
    the sensitivity and specificity equal the reader-averaged figure of merit (``mean_fom``) of
    the MRMC analysis of that figure of merit.

    Attributes:
        sensitivity: mean over readers of TP / (TP + FN); NaN without malignant cases.
        specificity: mean over readers of TN / (TN + FP); NaN without benign cases.
        accuracy: mean over readers of (TP + TN) / N.
    """

    sensitivity: float
    specificity: float
    accuracy: float

    def summary(self) -> str:
        """One line, e.g. ``sensitivity 0.812, specificity 0.745, accuracy 0.770 (reader mean)``."""
        values = ", ".join(
            f"{name} {value:.3f}"
            for name, value in (
                ("sensitivity", self.sensitivity),
                ("specificity", self.specificity),
                ("accuracy", self.accuracy),
            )
        )
        return f"{values} (reader mean)"


def reader_averaged_metrics(truth: ArrayLike, decisions: ArrayLike) -> ReaderAveragedMetrics:
    """Reader-averaged sensitivity, specificity and accuracy of binary calls on the same cases.

    Args:
        truth: shape (cases,), 1 = malignant, 0 = benign.
        decisions: shape (readers, cases), each reader's call: 1 = malignant, 0 = benign.

    Raises:
        ValueError: on values other than 0/1, no case or reader, or shapes that do not match.
    """
    labels = binary_array(truth, "truth")
    calls = np.asarray(decisions)
    if calls.ndim != 2 or calls.shape[0] == 0 or calls.shape[1] != labels.size:
        raise ValueError(
            f"decisions must have shape (readers, {labels.size}) with at least one reader, "
            f"got {calls.shape}"
        )
    if labels.size == 0:
        raise ValueError("truth and decisions are empty")
    calls = binary_array(calls.ravel(), "decisions").reshape(calls.shape)
    malignant = labels == 1
    return ReaderAveragedMetrics(
        sensitivity=float(calls[:, malignant].mean()) if malignant.any() else math.nan,
        specificity=float(1 - calls[:, ~malignant].mean()) if (~malignant).any() else math.nan,
        accuracy=float((calls == labels).mean()),
    )
