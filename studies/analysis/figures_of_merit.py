"""Reader figures of merit (AUC, sensitivity, specificity) and their leave-one-case-out values.

The Obuchowski–Rockette analysis (:mod:`studies.analysis.mrmc`) needs, for every
modality × reader score vector, the figure of merit θ and — for the jackknife covariance —
the figure of merit recomputed with each case left out, θ₍ₖ₎ (Efron 1982; Hillis,
Obuchowski, Schartz & Berbaum, Stat Med 2005;24:1579–607).

* **AUC** is the empirical (trapezoidal, Mann–Whitney) area, ties scored ½. Its leave-one-out
  values follow exactly from the DeLong placements
  (:func:`studies.analysis.delong.delong_components`) without refitting anything: deleting
  diseased case *k* removes its row of the Mann–Whitney kernel, so
  ``AUC₍ₖ₎ = (m·AUC − V10ₖ) / (m − 1)``; deleting non-diseased case *l* gives
  ``AUC₍ₗ₎ = (n·AUC − V01ₗ) / (n − 1)``. The jackknife then costs O(C log C) per reader,
  not O(C³).
* **Sensitivity** is the fraction of diseased cases called malignant; only diseased cases change
  it, so its jackknife runs over the m diseased cases. **Specificity** likewise runs over the n
  non-diseased cases. (Leaving out a case of the other class leaves θ unchanged; counting those
  cases in the jackknife would bias its variance. For a proportion p over N cases this
  jackknife variance is p(1 − p)/(N − 1). MRMCaov's ``binary_sens`` gives the same values,
  which the tests check on the Van Dyke data; specificity is its mirror image.)

All functions take a score matrix of shape (K, cases): one row per modality × reader score
vector, higher = more likely malignant (for sensitivity/specificity: 1 = called malignant).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from studies.analysis.delong import delong_components

FigureOfMerit = Literal["auc", "sensitivity", "specificity"]
FIGURES_OF_MERIT: tuple[str, ...] = get_args(FigureOfMerit)


class TooFewCasesError(ValueError):
    """A class the figure of merit depends on has too few cases for the estimate.

    The one way in which valid study data (both classes present, every read complete) can make
    an MRMC analysis impossible: the jackknife deletes one case at a time and needs two cases of
    each class it deletes from, so a study with a single malignant case has no sensitivity (nor
    AUC) jackknife. A :class:`ValueError`, like every other input problem of the estimators, so
    that callers can tell this documented limit of the data from a bug.
    """


def check_figure_of_merit(figure_of_merit: str) -> None:
    """Raise ``ValueError`` unless ``figure_of_merit`` is one of :data:`FIGURES_OF_MERIT`."""
    if figure_of_merit not in FIGURES_OF_MERIT:
        raise ValueError(
            f"figure_of_merit must be one of {FIGURES_OF_MERIT}, got {figure_of_merit!r}"
        )


def _resampled_class(figure_of_merit: str, truth: NDArray[np.int_]) -> NDArray[np.bool_]:
    """Boolean mask of the cases whose deletion changes the figure of merit."""
    if figure_of_merit == "sensitivity":
        return truth == 1
    if figure_of_merit == "specificity":
        return truth == 0
    return np.ones(truth.shape, dtype=bool)


def _check_binary(matrix: NDArray[np.float64], figure_of_merit: str) -> None:
    if not np.all(np.isin(matrix, (0.0, 1.0))):
        raise ValueError(
            f"{figure_of_merit} needs binary decisions (1 = malignant, 0 = benign); "
            "got other values — pass reader decisions, not probabilities of malignancy"
        )


def _check_class_sizes(figure_of_merit: str, truth: NDArray[np.int_], minimum: int) -> None:
    m = int(np.sum(truth == 1))
    n = int(np.sum(truth == 0))
    needs = {"auc": (m, n), "sensitivity": (m,), "specificity": (n,)}[figure_of_merit]
    if min(needs) < minimum:
        raise TooFewCasesError(
            f"{figure_of_merit} needs at least {minimum} case(s) of each class it is computed "
            f"on; got {m} malignant and {n} benign"
        )


def figures_of_merit(
    scores: ArrayLike, truth: NDArray[np.int_], figure_of_merit: FigureOfMerit
) -> NDArray[np.float64]:
    """Figure of merit of each score vector.

    Args:
        scores: shape (K, cases); for sensitivity/specificity, binary decisions.
        truth: shape (cases,), 1 = malignant, 0 = benign (validated by the caller).
        figure_of_merit: ``"auc"``, ``"sensitivity"`` or ``"specificity"``.

    Returns:
        shape (K,).

    Raises:
        TooFewCasesError: no case of a class the figure of merit is computed on.
        ValueError: an unknown figure of merit; sensitivity or specificity of non-binary scores.
    """
    check_figure_of_merit(figure_of_merit)
    matrix = np.asarray(scores, dtype=float)
    _check_class_sizes(figure_of_merit, truth, minimum=1)
    if figure_of_merit == "auc":
        return delong_components(matrix, truth).auc
    _check_binary(matrix, figure_of_merit)
    if figure_of_merit == "sensitivity":
        return matrix[:, truth == 1].mean(axis=1)
    return 1.0 - matrix[:, truth == 0].mean(axis=1)


def jackknife_figures_of_merit(
    scores: ArrayLike, truth: NDArray[np.int_], figure_of_merit: FigureOfMerit
) -> NDArray[np.float64]:
    """Leave-one-case-out figures of merit θ₍ₖ₎ over the cases that affect θ.

    Args:
        scores: shape (K, cases).
        truth: shape (cases,), 1 = malignant, 0 = benign.
        figure_of_merit: ``"auc"`` (all cases are resampled), ``"sensitivity"`` (the malignant
            cases) or ``"specificity"`` (the benign cases).

    Returns:
        shape (K, n_resampled), columns in case order of the resampled cases.

    Raises:
        TooFewCasesError: when a class the figure of merit depends on has fewer than two cases
            (deleting the only case leaves θ undefined).
    """
    check_figure_of_merit(figure_of_merit)
    matrix = np.asarray(scores, dtype=float)
    _check_class_sizes(figure_of_merit, truth, minimum=2)
    diseased = truth == 1
    if figure_of_merit == "auc":
        comps = delong_components(matrix, truth)
        m, n = comps.n_diseased, comps.n_nondiseased
        auc = comps.auc[:, np.newaxis]
        values = np.empty_like(matrix)
        values[:, diseased] = (m * auc - comps.v10) / (m - 1)
        values[:, ~diseased] = (n * auc - comps.v01) / (n - 1)
        return values
    _check_binary(matrix, figure_of_merit)
    cls = _resampled_class(figure_of_merit, truth)
    # Correct calls: a malignant case called malignant (sensitivity), a benign called benign.
    correct = matrix[:, cls] if figure_of_merit == "sensitivity" else 1.0 - matrix[:, cls]
    size = correct.shape[1]
    return (correct.sum(axis=1, keepdims=True) - correct) / (size - 1)
