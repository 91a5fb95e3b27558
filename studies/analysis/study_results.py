"""The result objects of a reader-study analysis: readers × sessions, pairs, model, MRMC.

Each is a frozen dataclass whose ``to_dict()`` gives its part of ``results.json``
(docs/analysis.md); :class:`AnalysisResult` assembles them. They add the structure of a reader
study and nothing else: every number in them comes from an estimator module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
from numpy.typing import NDArray

from model_core.vocabulary import SESSIONS
from studies.analysis.case_outcomes import CaseOutcome
from studies.analysis.diagnostic import DiagnosticResult, ReaderAveragedMetrics
from studies.analysis.kappa import KappaResult
from studies.analysis.mcnemar import COMPARISON_METHODS, McNemarResult, mcnemar_all
from studies.analysis.mrmc_results import MrmcResult
from studies.analysis.numbers import json_number, strict_json
from studies.analysis.provenance import DataProvenance
from studies.analysis.reading_time import ReadingTimes
from studies.analysis.result_dict import NOT_EXPORTED, FieldsToDict
from studies.analysis.roc import (
    AucResult,
    DelongTestResult,
    RocCurve,
)
from studies.analysis.settings import (
    AnalysisSettings,
)
from studies.analysis.subgroups import SubgroupAnalysis


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


def _mcnemar_entry(first: NDArray[np.int_], second: NDArray[np.int_], primary: str) -> McNemarEntry:
    comparison = mcnemar_all(first, second)
    return McNemarEntry(
        primary=getattr(comparison, primary),
        alternatives=tuple(getattr(comparison, m) for m in COMPARISON_METHODS if m != primary),
    )


def compare_paired_decisions(
    truth: NDArray[np.int_], first: NDArray[np.int_], second: NDArray[np.int_], primary: str
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
    """One reader: both sessions, the aided-vs-unaided McNemar tests and DeLong's test of the
    aided against the unaided AUC (``auc1`` aided, ``auc2`` unaided: difference aided − unaided).
    """

    reader_id: str
    sessions: dict[str, SessionResult]
    mcnemar: PairedComparison
    delong: DelongTestResult

    def to_dict(self) -> dict[str, object]:
        """``{"unaided", "aided", "mcnemar": {accuracy, sensitivity, specificity}, "delong"}``."""
        out: dict[str, object] = {name: self.sessions[name].to_dict() for name in SESSIONS}
        out["mcnemar"] = self.mcnemar.to_dict()
        out["delong"] = self.delong.to_dict()
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
class ModelThreshold(FieldsToDict):
    """A model operating point: its value and where it came from.

    ``to_dict()``: ``value, source, criterion`` (the name is the key it is written under).
    """

    name: str = field(metadata=NOT_EXPORTED)
    value: float
    source: str
    criterion: str


@dataclass(frozen=True)
class ModelResult:
    """The model's discrimination on the read cases and its calls at each threshold."""

    auc: AucResult
    auprc: float
    roc: RocCurve
    thresholds: dict[str, ModelThreshold]
    at_thresholds: dict[str, DiagnosticResult]
    auc_bootstrap: AucResult | None = None

    def decision(self, scores: NDArray[np.float64], name: str) -> NDArray[np.int_]:
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
    reader_averaged: dict[str, ReaderAveragedMetrics]
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
            session: metrics.to_dict() for session, metrics in self.reader_averaged.items()
        }
        if self.note:
            out["note"] = self.note
        return out


class StudyDescription(TypedDict):
    """What was analysed, written under ``settings.study`` in ``results.json``."""

    study_id: str | None
    n_readers: int
    n_cases: int
    n_malignant: int
    n_benign: int
    reader_ids: list[str]
    inputs: dict[str, str]  # name -> path of each input file
    sha256: dict[str, str]  # name -> SHA-256 of each input file as analysed
    warnings: list[str]  # e.g. labelled cases that no reader read


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
    study: StudyDescription
    provenance: DataProvenance = field(default_factory=DataProvenance)
    reading_times: ReadingTimes | None = None
    case_outcomes: tuple[CaseOutcome, ...] = ()

    def reader(self, reader_id: str) -> ReaderResult:
        """The result of one reader."""
        for result in self.readers:
            if result.reader_id == reader_id:
                return result
        raise KeyError(reader_id)

    def to_dict(self) -> dict[str, object]:
        """The keys of docs/analysis.md: ``simulated, provenance, readers, kappa, model,
        model_vs_readers, subgroups, mrmc, reading_time, cases, settings``."""
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
            "simulated": self.provenance.simulated,
            "provenance": self.provenance.to_dict(),
            "readers": {result.reader_id: result.to_dict() for result in self.readers},
            "kappa": {
                session: {pair.key: pair.to_dict() for pair in pairs}
                for session, pairs in self.kappa.items()
            },
            "model": None if self.model is None else self.model.to_dict(),
            "model_vs_readers": model_vs,
            "subgroups": {analysis.column: analysis.to_dict() for analysis in self.subgroups},
            "mrmc": self.mrmc.to_dict(),
            "reading_time": None if self.reading_times is None else self.reading_times.to_dict(),
            "cases": [outcome.to_dict() for outcome in self.case_outcomes],
            "settings": settings,
        }

    def to_json(self) -> str:
        """Strict JSON (no NaN/Infinity tokens), indented for people who open it."""
        return json.dumps(
            strict_json(self.to_dict()), indent=2, ensure_ascii=False, allow_nan=False
        )
