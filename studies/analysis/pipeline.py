"""The whole reader-study analysis: validated inputs in, one :class:`AnalysisResult` out.

This module only orchestrates: every number comes from an estimator module (proportions,
diagnostic metrics, ROC/DeLong, kappa, McNemar, Obuchowski–Rockette MRMC) and every piece of
``results.json`` (DESIGN §3.5) from that estimator's result object's ``to_dict()``. The result
objects defined here add the structure of a reader study — readers × sessions, reader pairs,
model vs reader — and nothing else.

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

import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from itertools import combinations

import numpy as np

from studies.analysis.bootstrap import bootstrap_auc_ci
from studies.analysis.diagnostic import DiagnosticResult, diagnostic_metrics
from studies.analysis.inputs import BI_RADS_LEVELS, SESSIONS, StudyInputs
from studies.analysis.kappa import KappaResult, cohen_kappa
from studies.analysis.mcnemar import COMPARISON_METHODS, McNemarResult, mcnemar_all
from studies.analysis.mrmc import obuchowski_rockette
from studies.analysis.mrmc_results import MrmcResult
from studies.analysis.numbers import check_alpha, json_number, strict_json
from studies.analysis.proportions import CiMethod
from studies.analysis.roc import (
    AucResult,
    DelongTestResult,
    RocCurve,
    auc_delong,
    auprc,
    delong_test,
    roc_curve,
    threshold_for_sensitivity,
    threshold_for_specificity,
    youden_threshold,
)
from studies.analysis.subgroups import SubgroupAnalysis, analyse_subgroups
from studies.errors import AnalysisInputError

MODEL_THRESHOLD_NAMES: tuple[str, ...] = ("youden", "high_sensitivity", "high_specificity")
#: The BI-RADS scale declared for the weighted kappa (DESIGN §3.1); categories outside it that
#: readers used are added in scale order.
BI_RADS_SCALE: tuple[str, ...] = ("3", "4A", "4B", "4C", "5")
SOFTWARE: tuple[tuple[str, str], ...] = (
    ("cesm-reader", "cesm-reader"),
    ("numpy", "numpy"),
    ("scipy", "scipy"),
    ("statsmodels", "statsmodels"),
    ("pandas", "pandas"),
    ("matplotlib", "matplotlib"),
)


# ----------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices that change the numbers; all are written to ``results.json`` under ``settings``.

    Attributes:
        ci_method: interval of every proportion (DESIGN default: Wilson with continuity
            correction, as R ``prop.test`` and the paper).
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
    """

    ci_method: CiMethod = "wilson_cc"
    alpha: float = 0.05
    mcnemar_method: str = "chi2_cc"
    bootstrap_replicates: int = 0
    bootstrap_seed: int = 0
    model_thresholds: Mapping[str, float] = field(default_factory=dict)
    comparison_threshold: str = "youden"
    target_sensitivity: float = 0.95
    target_specificity: float = 0.95
    subgroup_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
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
        if self.bootstrap_replicates < 0:
            raise ValueError(f"bootstrap_replicates must be ≥ 0, got {self.bootstrap_replicates}")

    def to_dict(self) -> dict[str, object]:
        """The choices, as written under ``settings`` in ``results.json``."""
        return {
            "ci_method": self.ci_method,
            "alpha": self.alpha,
            "confidence_level": 1 - self.alpha,
            "mcnemar_method": self.mcnemar_method,
            "bootstrap": {"replicates": self.bootstrap_replicates, "seed": self.bootstrap_seed},
            "model_threshold_for_comparisons": self.comparison_threshold,
            "target_sensitivity": self.target_sensitivity,
            "target_specificity": self.target_specificity,
            "subgroup_columns": list(self.subgroup_columns),
        }


def software_versions() -> dict[str, str]:
    """Versions of Python and the packages whose code computed the numbers."""
    versions = {"python": platform.python_version()}
    for key, distribution in SOFTWARE:
        try:
            versions[key] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[key] = "unknown"
    return versions


# --------------------------------------------------------------------------- result objects


@dataclass(frozen=True)
class McNemarEntry:
    """A McNemar comparison as ``results.json`` writes it: the primary test + the alternatives."""

    primary: McNemarResult
    alternatives: tuple[McNemarResult, ...]

    def to_dict(self) -> dict[str, object]:
        """``{statistic, p_value, method, b, c, n, alternatives: {method: test}}``."""
        out = self.primary.to_dict()
        out["alternatives"] = {test.method: test.to_dict() for test in self.alternatives}
        return out


@dataclass(frozen=True)
class PairedComparison:
    """McNemar tests of accuracy (all cases), sensitivity (malignant), specificity (benign)."""

    accuracy: McNemarEntry
    sensitivity: McNemarEntry
    specificity: McNemarEntry

    def to_dict(self) -> dict[str, object]:
        """``{"accuracy", "sensitivity", "specificity"}``, each a McNemar entry."""
        return {name: getattr(self, name).to_dict() for name in PAIRED_MEASURES}


PAIRED_MEASURES: tuple[str, ...] = ("accuracy", "sensitivity", "specificity")


def _mcnemar_entry(first: np.ndarray, second: np.ndarray, primary: str) -> McNemarEntry:
    comparison = mcnemar_all(first, second)
    return McNemarEntry(
        primary=getattr(comparison, primary),
        alternatives=tuple(getattr(comparison, m) for m in COMPARISON_METHODS if m != primary),
    )


def compare_paired_decisions(
    truth: np.ndarray, first: np.ndarray, second: np.ndarray, primary: str
) -> PairedComparison:
    """McNemar of two sets of calls on the same cases: overall, on malignant, on benign cases."""
    first_correct = (first == truth).astype(int)
    second_correct = (second == truth).astype(int)
    malignant = truth == 1
    return PairedComparison(
        accuracy=_mcnemar_entry(first_correct, second_correct, primary),
        sensitivity=_mcnemar_entry(first_correct[malignant], second_correct[malignant], primary),
        specificity=_mcnemar_entry(first_correct[~malignant], second_correct[~malignant], primary),
    )


@dataclass(frozen=True)
class SessionResult:
    """One reader's (or the model's) performance in one session."""

    metrics: DiagnosticResult
    auc: AucResult
    auc_bootstrap: AucResult | None = None

    def to_dict(self) -> dict[str, object]:
        """``tp fp tn fn``, the five proportions, ``f1``, ``auc`` (+ ``auc_bootstrap``)."""
        out = self.metrics.to_dict()
        out["auc"] = self.auc.to_dict()
        if self.auc_bootstrap is not None:
            out["auc_bootstrap"] = self.auc_bootstrap.to_dict()
        return out


@dataclass(frozen=True)
class ReaderResult:
    """One reader: both sessions and the aided-vs-unaided McNemar tests."""

    reader_id: str
    sessions: dict[str, SessionResult]
    mcnemar: PairedComparison

    def to_dict(self) -> dict[str, object]:
        """``{"unaided": ..., "aided": ..., "mcnemar": {accuracy, sensitivity, specificity}}``."""
        out: dict[str, object] = {name: self.sessions[name].to_dict() for name in SESSIONS}
        out["mcnemar"] = self.mcnemar.to_dict()
        return out


@dataclass(frozen=True)
class KappaPair:
    """Agreement of two readers in one session: on decisions, and on BI-RADS when recorded."""

    reader_1: str
    reader_2: str
    decision: KappaResult
    bi_rads_linear: KappaResult | None = None
    bi_rads_quadratic: KappaResult | None = None

    @property
    def key(self) -> str:
        """``"R1 vs R2"``, the pair's key in ``results.json``."""
        return f"{self.reader_1} vs {self.reader_2}"

    def to_dict(self) -> dict[str, object]:
        """The unweighted decision kappa's fields, the two readers, and ``bi_rads`` kappas."""
        out: dict[str, object] = {"reader_1": self.reader_1, "reader_2": self.reader_2}
        out.update(self.decision.to_dict())
        if self.bi_rads_linear is not None and self.bi_rads_quadratic is not None:
            out["bi_rads"] = {
                "linear": self.bi_rads_linear.to_dict(),
                "quadratic": self.bi_rads_quadratic.to_dict(),
            }
        return out


@dataclass(frozen=True)
class ModelThreshold:
    """A model operating point: its value and where it came from."""

    name: str
    value: float
    source: str
    criterion: str

    def to_dict(self) -> dict[str, object]:
        """``{value, source, criterion}``."""
        return {
            "value": json_number(self.value),
            "source": self.source,
            "criterion": self.criterion,
        }


@dataclass(frozen=True)
class ModelResult:
    """The model's discrimination on the read cases and its calls at each threshold."""

    auc: AucResult
    auprc: float
    roc: RocCurve
    thresholds: dict[str, ModelThreshold]
    at_thresholds: dict[str, DiagnosticResult]
    auc_bootstrap: AucResult | None = None

    def decision(self, scores: np.ndarray, name: str) -> np.ndarray:
        """The model's 0/1 calls at the named threshold."""
        return (scores >= self.thresholds[name].value).astype(int)

    def to_dict(self) -> dict[str, object]:
        """``{auc, auprc, thresholds: {name: value}, at_thresholds: {name: metrics}}``."""
        out: dict[str, object] = {
            "auc": self.auc.to_dict(),
            "auprc": json_number(self.auprc),
            "thresholds": {name: json_number(t.value) for name, t in self.thresholds.items()},
            "at_thresholds": {name: m.to_dict() for name, m in self.at_thresholds.items()},
        }
        if self.auc_bootstrap is not None:
            out["auc_bootstrap"] = self.auc_bootstrap.to_dict()
        return out


@dataclass(frozen=True)
class ModelVsReader:
    """Model against one reader in one session: McNemar on calls, DeLong on AUCs."""

    reader_id: str
    session: str
    mcnemar: PairedComparison
    delong: DelongTestResult

    def to_dict(self) -> dict[str, object]:
        """``{"mcnemar": {accuracy, sensitivity, specificity}, "delong": test}``."""
        return {"mcnemar": self.mcnemar.to_dict(), "delong": self.delong.to_dict()}


@dataclass(frozen=True)
class MrmcSummary:
    """Obuchowski–Rockette analyses aided vs unaided, and reader-averaged operating points."""

    auc_delong: MrmcResult | None
    auc_jackknife: MrmcResult | None
    sensitivity: MrmcResult | None
    specificity: MrmcResult | None
    reader_averaged: dict[str, dict[str, float]]
    note: str = ""

    def analyses(self) -> dict[str, MrmcResult | None]:
        """The four OR analyses by key."""
        return {
            "auc_delong": self.auc_delong,
            "auc_jackknife": self.auc_jackknife,
            "sensitivity": self.sensitivity,
            "specificity": self.specificity,
        }

    def to_dict(self) -> dict[str, object]:
        """One entry per OR analysis (``null`` when not possible), ``reader_averaged``, ``note``."""
        out: dict[str, object] = {
            key: None if result is None else result.to_dict()
            for key, result in self.analyses().items()
        }
        out["reader_averaged"] = {
            session: {name: json_number(value) for name, value in values.items()}
            for session, values in self.reader_averaged.items()
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class AnalysisResult:
    """Everything ``cesm-reader analyze`` computes; ``to_dict()`` is ``results.json``."""

    readers: tuple[ReaderResult, ...]
    kappa: dict[str, tuple[KappaPair, ...]]
    model: ModelResult | None
    model_vs_readers: tuple[ModelVsReader, ...]
    subgroups: tuple[SubgroupAnalysis, ...]
    mrmc: MrmcSummary
    settings: AnalysisSettings
    versions: dict[str, str]
    study: dict[str, object]

    def reader(self, reader_id: str) -> ReaderResult:
        """The result of one reader."""
        for result in self.readers:
            if result.reader_id == reader_id:
                return result
        raise KeyError(reader_id)

    def to_dict(self) -> dict[str, object]:
        """DESIGN §3.5: ``readers, kappa, model, model_vs_readers, subgroups, mrmc, settings``."""
        model_vs: dict[str, dict[str, object]] = {}
        for comparison in self.model_vs_readers:
            model_vs.setdefault(comparison.reader_id, {})[comparison.session] = comparison.to_dict()
        settings = self.settings.to_dict()
        settings["model_thresholds"] = (
            {} if self.model is None else {n: t.to_dict() for n, t in self.model.thresholds.items()}
        )
        settings["versions"] = dict(self.versions)
        settings["study"] = dict(self.study)
        return {
            "readers": {result.reader_id: result.to_dict() for result in self.readers},
            "kappa": {
                session: {pair.key: pair.to_dict() for pair in pairs}
                for session, pairs in self.kappa.items()
            },
            "model": None if self.model is None else self.model.to_dict(),
            "model_vs_readers": model_vs,
            "subgroups": {analysis.column: analysis.to_dict() for analysis in self.subgroups},
            "mrmc": self.mrmc.to_dict(),
            "settings": settings,
        }

    def to_json(self) -> str:
        """Strict JSON (no NaN/Infinity tokens), indented for people who open it."""
        return json.dumps(
            strict_json(self.to_dict()), indent=2, ensure_ascii=False, allow_nan=False
        )


# ------------------------------------------------------------------------------- the analysis


def _reader_results(inputs: StudyInputs, settings: AnalysisSettings) -> tuple[ReaderResult, ...]:
    results = []
    for r, reader in enumerate(inputs.reader_ids):
        sessions = {}
        for s, session in enumerate(SESSIONS):
            pom = inputs.pom[s, r]
            sessions[session] = SessionResult(
                metrics=diagnostic_metrics(
                    inputs.truth, inputs.decision[s, r], settings.ci_method, settings.alpha
                ),
                auc=auc_delong(pom, inputs.truth, alpha=settings.alpha),
                auc_bootstrap=_bootstrap(pom, inputs.truth, settings, seed_offset=1 + 2 * r + s),
            )
        mcnemar = compare_paired_decisions(
            inputs.truth, inputs.decision[0, r], inputs.decision[1, r], settings.mcnemar_method
        )
        results.append(ReaderResult(reader, sessions, mcnemar))
    return tuple(results)


def _bootstrap(
    scores: np.ndarray, truth: np.ndarray, settings: AnalysisSettings, seed_offset: int
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


def bi_rads_scale(ratings: np.ndarray) -> tuple[str, ...]:
    """The declared BI-RADS scale for weighted kappa: DESIGN's 3–5 plus any other level used."""
    used = {str(value) for value in np.unique(ratings) if value}
    return tuple(level for level in BI_RADS_LEVELS if level in used or level in BI_RADS_SCALE)


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
    scores: np.ndarray, truth: np.ndarray, settings: AnalysisSettings
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
            truth, (scores >= t.value).astype(int), settings.ci_method, settings.alpha
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
    averaged = {}
    for s, session in enumerate(SESSIONS):
        calls = inputs.decision[s]
        malignant = inputs.truth == 1
        averaged[session] = {
            "sensitivity": float(calls[:, malignant].mean()),
            "specificity": float(1 - calls[:, ~malignant].mean()),
            "accuracy": float((calls == inputs.truth).mean()),
        }
    common = {
        "truth": inputs.truth,
        "alpha": settings.alpha,
        "modality_names": SESSIONS,
        "reader_ids": inputs.reader_ids,
    }
    plan = {
        "auc_delong": (inputs.pom, {"covariance": "delong"}),
        "auc_jackknife": (inputs.pom, {"covariance": "jackknife"}),
        "sensitivity": (
            inputs.decision,
            {"covariance": "jackknife", "figure_of_merit": "sensitivity"},
        ),
        "specificity": (
            inputs.decision,
            {"covariance": "jackknife", "figure_of_merit": "specificity"},
        ),
    }
    analyses: dict[str, MrmcResult | None] = {}
    notes = []
    if len(inputs.reader_ids) == 1:
        notes.append(
            "one reader: the random-reader analyses are undefined; see fixed_readers_random_cases"
        )
    for key, (scores, options) in plan.items():
        try:
            analyses[key] = obuchowski_rockette(scores, **options, **common)
        except ValueError as error:  # e.g. a class with a single case: no jackknife
            analyses[key] = None
            notes.append(f"{key}: not computed ({error})")
    return MrmcSummary(**analyses, reader_averaged=averaged, note="; ".join(notes))


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
            ci_method=settings.ci_method,
            alpha=settings.alpha,
        )
        for column in settings.subgroup_columns
    )


def run_analysis(inputs: StudyInputs, settings: AnalysisSettings | None = None) -> AnalysisResult:
    """Run every analysis of DESIGN §3.5 on validated inputs.

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
        },
    )
