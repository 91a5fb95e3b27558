"""The whole reader-study analysis: validated inputs in, one :class:`AnalysisResult` out.

This module only orchestrates: every number comes from an estimator module (proportions,
diagnostic metrics, ROC/DeLong, kappa, McNemar, Obuchowski–Rockette MRMC) and every piece of
``results.json`` (docs/analysis.md) from that estimator's result object's ``to_dict()``. The result
objects of :mod:`studies.analysis.study_results` add the structure of a reader study — readers ×
sessions, reader pairs, model vs reader — and nothing else; the settings are in
:mod:`studies.analysis.settings`.

Conventions:

* sessions are ``unaided`` then ``aided``; every aided-vs-unaided difference is aided − unaided;
* every McNemar entry is the *primary* method's test (``settings.mcnemar_method``) with the other
  two variants under ``alternatives``; for aided vs unaided, b = unaided correct & aided wrong;
  for model vs reader, b = model correct & reader wrong;
* a reader's AUC is computed from the probability of malignancy (pom, 0–100) read in that
  session; the model is called malignant when its probability is ≥ the threshold;
* model thresholds are computed from the model scores on these cases (Youden; the highest
  threshold reaching the target sensitivity; the lowest reaching the target specificity) unless
  given — note that a threshold computed on the same cases it is then evaluated on is optimistic,
  which is why a model bundle's own thresholds should be passed when they exist.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from model_core.vocabulary import (
    AIDED,
    BI_RADS_CATEGORIES,
    BI_RADS_LESION_SCALE,
    SESSIONS,
    UNAIDED,
)
from studies.analysis.bootstrap import bootstrap_auc_ci
from studies.analysis.case_outcomes import case_outcomes
from studies.analysis.diagnostic import diagnostic_metrics, reader_averaged_metrics
from studies.analysis.figures_of_merit import FigureOfMerit, TooFewCasesError
from studies.analysis.inputs import StudyInputs
from studies.analysis.kappa import cohen_kappa
from studies.analysis.mrmc import obuchowski_rockette
from studies.analysis.mrmc_covariance import CovarianceMethod
from studies.analysis.mrmc_results import MrmcResult
from studies.analysis.reading_time import reading_times
from studies.analysis.roc import (
    AucResult,
    auc_delong,
    auprc,
    delong_test,
    roc_curve,
    threshold_for_sensitivity,
    threshold_for_specificity,
    youden_threshold,
)
from studies.analysis.settings import (
    MODEL_THRESHOLD_NAMES,
    AnalysisSettings,
    software_versions,
)
from studies.analysis.study_results import (
    AnalysisResult,
    KappaPair,
    ModelResult,
    ModelThreshold,
    ModelVsReader,
    MrmcSummary,
    ReaderResult,
    SessionResult,
    compare_paired_decisions,
)
from studies.analysis.subgroups import SubgroupAnalysis, analyse_subgroups
from studies.errors import AnalysisInputError

# ------------------------------------------------------------------------------- the analysis


def _reader_results(inputs: StudyInputs, settings: AnalysisSettings) -> tuple[ReaderResult, ...]:
    results = []
    for r, reader in enumerate(inputs.reader_ids):
        sessions = {}
        for s, session in enumerate(SESSIONS):
            pom = inputs.pom[s, r]
            sessions[session] = SessionResult(
                metrics=diagnostic_metrics(
                    inputs.truth, inputs.decision[s, r], settings.ci, settings.alpha
                ),
                auc=auc_delong(pom, inputs.truth, alpha=settings.alpha),
                auc_bootstrap=_bootstrap(pom, inputs.truth, settings, seed_offset=1 + 2 * r + s),
            )
        mcnemar = compare_paired_decisions(
            inputs.truth, inputs.decision[0, r], inputs.decision[1, r], settings.mcnemar_method
        )
        delong = delong_test(
            inputs.pom[SESSIONS.index(AIDED), r],
            inputs.pom[SESSIONS.index(UNAIDED), r],
            inputs.truth,
            settings.alpha,
        )
        results.append(ReaderResult(reader, sessions, mcnemar, delong))
    return tuple(results)


def _bootstrap(
    scores: NDArray[np.float64],
    truth: NDArray[np.int_],
    settings: AnalysisSettings,
    seed_offset: int,
) -> AucResult | None:
    if settings.bootstrap_replicates == 0:
        return None
    return bootstrap_auc_ci(
        scores,
        truth,
        n_boot=settings.bootstrap_replicates,
        alpha=settings.alpha,
        seed=settings.bootstrap_seed + seed_offset,
    )


def bi_rads_scale(ratings: ArrayLike) -> tuple[str, ...]:
    """The declared BI-RADS scale for weighted kappa: the lesion scale 3–5 plus any other level
    the readers used, in ordinal order."""
    used = {str(value) for value in np.unique(ratings) if value}
    return tuple(
        level for level in BI_RADS_CATEGORIES if level in used or level in BI_RADS_LESION_SCALE
    )


def _kappa(inputs: StudyInputs, alpha: float) -> dict[str, tuple[KappaPair, ...]]:
    scale = None if inputs.bi_rads is None else bi_rads_scale(inputs.bi_rads)
    out: dict[str, tuple[KappaPair, ...]] = {}
    for s, session in enumerate(SESSIONS):
        pairs = []
        for a, b in combinations(range(len(inputs.reader_ids)), 2):
            decision = cohen_kappa(
                inputs.decision[s, a], inputs.decision[s, b], levels=(0, 1), alpha=alpha
            )
            linear = quadratic = None
            if inputs.bi_rads is not None:
                first, second = inputs.bi_rads[s, a], inputs.bi_rads[s, b]
                both = (first != "") & (second != "")
                if both.any():
                    linear, quadratic = (
                        cohen_kappa(first[both], second[both], weights=w, levels=scale, alpha=alpha)
                        for w in ("linear", "quadratic")
                    )
            pairs.append(
                KappaPair(inputs.reader_ids[a], inputs.reader_ids[b], decision, linear, quadratic)
            )
        out[session] = tuple(pairs)
    return out


def _model_thresholds(
    scores: NDArray[np.float64], truth: NDArray[np.int_], settings: AnalysisSettings
) -> dict[str, ModelThreshold]:
    given = settings.model_thresholds
    computed = {
        "youden": (
            lambda: youden_threshold(scores, truth)[0].threshold,
            "maximises sensitivity + specificity − 1 (Youden's J) on these cases; "
            "the lowest such threshold when several tie",
        ),
        "high_sensitivity": (
            lambda: threshold_for_sensitivity(scores, truth, settings.target_sensitivity).threshold,
            f"highest threshold with sensitivity ≥ {settings.target_sensitivity:g} on these cases",
        ),
        "high_specificity": (
            lambda: threshold_for_specificity(scores, truth, settings.target_specificity).threshold,
            f"lowest threshold with specificity ≥ {settings.target_specificity:g} on these cases",
        ),
    }
    thresholds = {}
    for name in MODEL_THRESHOLD_NAMES:
        compute, criterion = computed[name]
        if name in given:
            thresholds[name] = ModelThreshold(name, float(given[name]), "given", "set by the user")
        else:
            thresholds[name] = ModelThreshold(name, float(compute()), "computed", criterion)
    return thresholds


def _model_result(inputs: StudyInputs, settings: AnalysisSettings) -> ModelResult | None:
    scores = inputs.model_scores
    if scores is None:
        return None
    truth = inputs.truth
    thresholds = _model_thresholds(scores, truth, settings)
    at_thresholds = {
        name: diagnostic_metrics(
            truth, (scores >= t.value).astype(int), settings.ci, settings.alpha
        )
        for name, t in thresholds.items()
    }
    return ModelResult(
        auc=auc_delong(scores, truth, alpha=settings.alpha),
        auprc=float(auprc(scores, truth)),
        roc=roc_curve(scores, truth),
        thresholds=thresholds,
        at_thresholds=at_thresholds,
        auc_bootstrap=_bootstrap(scores, truth, settings, seed_offset=0),
    )


def _model_vs_readers(
    inputs: StudyInputs, model: ModelResult, settings: AnalysisSettings
) -> tuple[ModelVsReader, ...]:
    assert inputs.model_scores is not None
    model_calls = model.decision(inputs.model_scores, settings.comparison_threshold)
    comparisons = []
    for r, reader in enumerate(inputs.reader_ids):
        for s, session in enumerate(SESSIONS):
            comparisons.append(
                ModelVsReader(
                    reader_id=reader,
                    session=session,
                    mcnemar=compare_paired_decisions(
                        inputs.truth, model_calls, inputs.decision[s, r], settings.mcnemar_method
                    ),
                    delong=delong_test(
                        inputs.model_scores, inputs.pom[s, r] / 100.0, inputs.truth, settings.alpha
                    ),
                )
            )
    return tuple(comparisons)


def _mrmc(inputs: StudyInputs, settings: AnalysisSettings) -> MrmcSummary:
    """The OR analyses and the reader-averaged operating points.

    An analysis the data cannot support (:class:`TooFewCasesError`: a single malignant or
    benign case leaves nothing to jackknife) is ``None`` with a note; any other error is a bug
    and propagates.
    """
    plan: dict[str, tuple[ArrayLike, CovarianceMethod, FigureOfMerit]] = {
        "auc_delong": (inputs.pom, "delong", "auc"),
        "auc_jackknife": (inputs.pom, "jackknife", "auc"),
        "sensitivity": (inputs.decision, "jackknife", "sensitivity"),
        "specificity": (inputs.decision, "jackknife", "specificity"),
    }
    analyses: dict[str, MrmcResult | None] = {}
    notes = []
    if len(inputs.reader_ids) == 1:
        notes.append(
            "With one reader the random-reader analyses are undefined; the fixed-reader test "
            "(P (fixed readers)) applies to this reader only"
        )
    for key, (scores, covariance, figure_of_merit) in plan.items():
        try:
            analyses[key] = obuchowski_rockette(
                scores,
                inputs.truth,
                covariance,
                figure_of_merit,
                alpha=settings.alpha,
                modality_names=SESSIONS,
                reader_ids=inputs.reader_ids,
            )
        except TooFewCasesError as error:
            analyses[key] = None
            notes.append(f"{key}: not computed ({error})")
    return MrmcSummary(
        auc_delong=analyses["auc_delong"],
        auc_jackknife=analyses["auc_jackknife"],
        sensitivity=analyses["sensitivity"],
        specificity=analyses["specificity"],
        reader_averaged={
            session: reader_averaged_metrics(inputs.truth, inputs.decision[s])
            for s, session in enumerate(SESSIONS)
        },
        note="; ".join(notes),
    )


def _subgroups(
    inputs: StudyInputs, model: ModelResult | None, settings: AnalysisSettings
) -> tuple[SubgroupAnalysis, ...]:
    model_calls = (
        None
        if model is None or inputs.model_scores is None
        else model.decision(inputs.model_scores, settings.comparison_threshold)
    )
    return tuple(
        analyse_subgroups(
            column,
            inputs.cases[column],
            inputs.truth,
            inputs.decision,
            inputs.reader_ids,
            model_calls,
            ci_method=settings.ci,
            alpha=settings.alpha,
            bins=settings.subgroup_bins.get(column),
        )
        for column in settings.subgroup_columns
    )


def run_analysis(inputs: StudyInputs, settings: AnalysisSettings | None = None) -> AnalysisResult:
    """Run every analysis of docs/analysis.md on validated inputs.

    Raises:
        AnalysisInputError: when a subgroup column is not in the manifest.
    """
    settings = settings or AnalysisSettings()
    missing = [c for c in settings.subgroup_columns if c not in inputs.cases.columns]
    if missing:
        raise AnalysisInputError(
            f"{inputs.sources.get('manifest', 'manifest')}: subgroup column(s) not in the "
            f"manifest: {', '.join(missing)}"
        )
    unbinned = [c for c in settings.subgroup_bins if c not in settings.subgroup_columns]
    if unbinned:
        raise AnalysisInputError(
            f"--bins {', '.join(unbinned)}: not a subgroup column of this analysis "
            f"(add it with --subgroup)"
        )
    model = _model_result(inputs, settings)
    return AnalysisResult(
        readers=_reader_results(inputs, settings),
        kappa=_kappa(inputs, settings.alpha),
        model=model,
        model_vs_readers=() if model is None else _model_vs_readers(inputs, model, settings),
        subgroups=_subgroups(inputs, model, settings),
        mrmc=_mrmc(inputs, settings),
        settings=settings,
        versions=software_versions(),
        study={
            "study_id": inputs.study_id,
            "n_readers": len(inputs.reader_ids),
            "n_cases": inputs.n_cases,
            "n_malignant": inputs.n_malignant,
            "n_benign": inputs.n_cases - inputs.n_malignant,
            "reader_ids": list(inputs.reader_ids),
            "inputs": dict(inputs.sources),
            "sha256": dict(inputs.checksums),
            "warnings": list(inputs.warnings),
        },
        provenance=inputs.provenance,
        reading_times=reading_times(inputs.reading_time_s, inputs.reader_ids),
        case_outcomes=case_outcomes(
            inputs.case_ids, inputs.truth, inputs.decision, inputs.model_scores
        ),
    )
