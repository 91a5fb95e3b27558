"""Publication-style tables of an analysis, laid out like Mao et al.'s Tables 2, 4 and 5.

``results.json`` holds the numbers for machines; these tables hold them the way a radiologist
reads them in a paper: one row per reader and session, each cell "estimate (CI low–CI high)"
with three decimals, P values next to the comparison they belong to. The same
:class:`pandas.DataFrame` s are written as CSV and shown in ``report.html``, so the two never
disagree. Undefined values (e.g. a PPV with no positive call) are written "n/a". The cells are
typed (:mod:`studies.analysis.table_cells`): the report shows "estimate (low–high)", the CSV
files give estimate, lower and upper bound in numeric columns of their own.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from model_core.formats.spreadsheet_csv import write_spreadsheet_csv
from model_core.vocabulary import AIDED, SESSIONS
from studies.analysis.case_outcomes import CaseOutcome
from studies.analysis.ci_convention import PROPORTION_NAMES
from studies.analysis.diagnostic import DiagnosticResult
from studies.analysis.proportions import ProportionResult
from studies.analysis.roc import AucResult
from studies.analysis.settings import MODEL_THRESHOLD_TITLES
from studies.analysis.study_results import (
    PAIRED_MEASURES,
    AnalysisResult,
    ModelResult,
    PairedComparison,
    SessionResult,
)
from studies.analysis.table_cells import (
    DASH,
    NOT_AVAILABLE,
    Interval,
    Number,
    PValue,
    display_frame,
    format_interval,
    format_number,
    format_p,
    spreadsheet_frame,
)

__all__ = [
    "DASH",
    "NOT_AVAILABLE",
    "build_tables",
    "format_interval",
    "format_number",
    "format_p",
    "p_phrase",
    "write_tables",
]

#: A table cell: text, a count, or a typed number of :mod:`studies.analysis.table_cells`.
Cell = str | int | Interval | PValue | Number

METRICS: tuple[str, ...] = PROPORTION_NAMES
SUBGROUP_METRICS: tuple[str, ...] = ("accuracy", "sensitivity", "specificity")
METRIC_TITLES: dict[str, str] = {
    "accuracy": "Accuracy",
    "sensitivity": "Sensitivity",
    "specificity": "Specificity",
    "ppv": "PPV",
    "npv": "NPV",
    "f1": "F1",
    "auc": "AUC",
}
#: File name (without ``.csv``) → what the table is, for the report and the CLI.
TABLE_TITLES: dict[str, str] = {
    "table_readers": "Readers without and with the model (cf. Mao et al., Table 2)",
    "table_model_vs_readers": "Model versus readers (cf. Mao et al., Table 4)",
    "table_subgroups": "Subgroups (cf. Mao et al., Table 5)",
    "table_kappa": "Inter-reader agreement (Cohen's kappa)",
    "table_reading_time": "Reading time per case, in seconds",
    "table_cases": "Cases whose majority call changed with the model, and cases every reader "
    "missed",
}
BOOTSTRAP_AUC = "AUC (bootstrap)"
#: File name → the proportions the table shows, whose interval methods its footnote names.
TABLE_PROPORTIONS: dict[str, tuple[str, ...]] = {
    "table_readers": METRICS,
    "table_model_vs_readers": METRICS,
    "table_subgroups": SUBGROUP_METRICS,
}
SMALL_GROUP_CASES = 10


def shown_difference(first: float, second: float, digits: int = 3) -> float:
    """``second − first`` as the two rounded numbers shown give it.

    A report that shows "0.892 → 0.964" must not call the difference 0.071 (the difference of
    the unrounded means): the reader checks it by subtraction.
    """
    if not (math.isfinite(first) and math.isfinite(second)):
        return math.nan
    return round(round(second, digits) - round(first, digits), digits)


def p_phrase(p_value: float | None) -> str:
    """``P = 0.043`` or ``P < 0.001``, for running text."""
    text = format_p(p_value)
    return f"P {text[0]} {text[1:]}" if text.startswith("<") else f"P = {text}"


def format_proportion(proportion: ProportionResult) -> str:
    """A proportion with its CI, e.g. ``0.848 (0.673–0.943)``."""
    return str(proportion_cell(proportion))


def proportion_cell(proportion: ProportionResult) -> Interval:
    """A proportion with its CI as a table cell."""
    return Interval(proportion.estimate, proportion.ci_low, proportion.ci_high)


def auc_cell(auc: AucResult | None) -> Interval | str:
    """An AUC with its CI as a table cell ("" when not computed, e.g. no bootstrap)."""
    return "" if auc is None else Interval(auc.estimate, auc.ci_low, auc.ci_high)


def _metric_cells(metrics: DiagnosticResult, names: tuple[str, ...] = METRICS) -> dict[str, Cell]:
    cells: dict[str, Cell] = {
        METRIC_TITLES[name]: proportion_cell(getattr(metrics, name)) for name in names
    }
    if names == METRICS:
        cells["F1"] = Number(math.nan if metrics.f1 is None else metrics.f1)
    return cells


def _auc_cells(outcome: SessionResult | ModelResult, bootstrap: bool) -> dict[str, Cell]:
    cells: dict[str, Cell] = {"AUC": auc_cell(outcome.auc)}
    if bootstrap:
        cells[BOOTSTRAP_AUC] = auc_cell(outcome.auc_bootstrap)
    return cells


def _p_cells(comparison: PairedComparison) -> dict[str, Cell]:
    """``P accuracy``, ``P sensitivity``, ``P specificity`` of the primary McNemar test."""
    return {
        f"P {METRIC_TITLES[name].lower()}": PValue(getattr(comparison, name).primary.p_value)
        for name in PAIRED_MEASURES
    }


def readers_table(result: AnalysisResult) -> pd.DataFrame:
    """Table 2: each reader unaided and aided; on aided rows McNemar P of aided vs unaided and
    DeLong's P of the aided against the unaided AUC."""
    bootstrap = result.settings.bootstrap_replicates > 0
    rows = []
    for reader in result.readers:
        for session in SESSIONS:
            outcome = reader.sessions[session]
            row: dict[str, Cell] = {"Reader": reader.reader_id, "Session": session}
            row.update(_metric_cells(outcome.metrics))
            row.update(_auc_cells(outcome, bootstrap))
            p_cells = _p_cells(reader.mcnemar)
            p_cells["P AUC"] = PValue(reader.delong.p_value)
            row.update(p_cells if session == AIDED else dict.fromkeys(p_cells, ""))
            rows.append(row)
    return pd.DataFrame(rows)


def model_vs_readers_table(result: AnalysisResult) -> pd.DataFrame:
    """Table 4: the model at its comparison threshold, then each reader with P vs the model.

    ``P accuracy/sensitivity/specificity``: McNemar of the reader's calls against the model's;
    ``P AUC``: DeLong's test of the reader's AUC (from pom) against the model's.
    """
    model = result.model
    if model is None:
        return pd.DataFrame()
    bootstrap = result.settings.bootstrap_replicates > 0
    name = result.settings.comparison_threshold
    threshold = model.thresholds[name]
    model_row: dict[str, Cell] = {
        "Reader": f"Model ({MODEL_THRESHOLD_TITLES[name]} threshold {threshold.value:.3f})",
        "Session": "",
    }
    model_row.update(_metric_cells(model.at_thresholds[name]))
    model_row.update(_auc_cells(model, bootstrap))
    rows = [model_row]
    for comparison in result.model_vs_readers:
        outcome = result.reader(comparison.reader_id).sessions[comparison.session]
        row: dict[str, Cell] = {"Reader": comparison.reader_id, "Session": comparison.session}
        row.update(_metric_cells(outcome.metrics))
        row.update(_auc_cells(outcome, bootstrap))
        row.update(_p_cells(comparison.mcnemar))
        row["P AUC"] = PValue(comparison.delong.p_value)
        rows.append(row)
    return pd.DataFrame(rows)


def subgroups_table(result: AnalysisResult) -> pd.DataFrame:
    """Table 5: every subgroup, its size, and each reader/session and the model within it.

    Accuracy, sensitivity and specificity only, as the paper: within small groups PPV and NPV
    mostly restate the group's prevalence (they are in ``results.json``).
    """
    rows = []
    for analysis in result.subgroups:
        for group in analysis.groups:
            base: dict[str, Cell] = {
                "Subgroup": analysis.title,
                "Group": group.label,
                "Cases": group.n_cases,
                "Malignant": group.n_malignant,
            }
            if group.model is not None:
                model_cells = _metric_cells(group.model, SUBGROUP_METRICS)
                rows.append({**base, "Reader": "Model", "Session": "", **model_cells})
            for reader, sessions in group.readers.items():
                for session in SESSIONS:
                    rows.append(
                        {
                            **base,
                            "Reader": reader,
                            "Session": session,
                            **_metric_cells(sessions[session], SUBGROUP_METRICS),
                        }
                    )
    return pd.DataFrame(rows)


def kappa_table(result: AnalysisResult) -> pd.DataFrame:
    """Cohen's kappa of every reader pair in each session (decisions; BI-RADS when recorded)."""
    rows = []
    for session, pairs in result.kappa.items():
        for pair in pairs:
            row: dict[str, Cell] = {
                "Session": session,
                "Reader pair": pair.key,
                "Kappa (benign/malignant)": Interval(
                    pair.decision.kappa, pair.decision.ci_low, pair.decision.ci_high
                ),
            }
            for label, kappa in (
                ("Weighted kappa BI-RADS (linear)", pair.bi_rads_linear),
                ("Weighted kappa BI-RADS (quadratic)", pair.bi_rads_quadratic),
            ):
                if kappa is not None:
                    row[label] = Interval(kappa.kappa, kappa.ci_low, kappa.ci_high)
            rows.append(row)
    return pd.DataFrame(rows)


def _quartiles(median: float, q1: float, q3: float) -> Interval:
    return Interval(median, q1, q3, digits=1, bounds=("Q1", "Q3"))


def reading_time_table(result: AnalysisResult) -> pd.DataFrame:
    """Median (Q1–Q3) reading time per reader and session, and the paired change with aid."""
    times = result.reading_times
    if times is None:
        return pd.DataFrame()
    rows = []
    for reading in (*times.readers, times.all_readers):
        change = reading.change
        rows.append(
            {
                "Reader": reading.reader_id,
                "Unaided (s)": _quartiles(
                    reading.unaided.median_s, reading.unaided.q1_s, reading.unaided.q3_s
                ),
                "Aided (s)": _quartiles(
                    reading.aided.median_s, reading.aided.q1_s, reading.aided.q3_s
                ),
                "Change aided − unaided (s)": _quartiles(
                    change.median_difference_s, change.q1_s, change.q3_s
                ),
                "Cases timed in both sessions": change.n_pairs,
                "P (Wilcoxon)": PValue(change.wilcoxon_p),
            }
        )
    return pd.DataFrame(rows)


def _listed_because(outcome: CaseOutcome) -> str:
    reasons = []
    if outcome.majority_changed:
        reasons.append("majority call changed")
    missed = [
        session
        for session, flag in (
            ("unaided", outcome.missed_by_all_unaided),
            ("aided", outcome.missed_by_all_aided),
        )
        if flag
    ]
    if missed:
        reasons.append(f"missed by every reader ({' and '.join(missed)})")
    return "; ".join(reasons)


def cases_table(result: AnalysisResult) -> pd.DataFrame:
    """The cases of :mod:`studies.analysis.case_outcomes`, one row each."""
    rows = []
    for outcome in result.case_outcomes:
        row: dict[str, Cell] = {
            "Case": outcome.case_id,
            "Pathology": outcome.truth,
            "Malignant calls unaided": outcome.malignant_calls_unaided,
            "Malignant calls aided": outcome.malignant_calls_aided,
            "Readers": outcome.n_readers,
            "Majority unaided": outcome.majority_unaided,
            "Majority aided": outcome.majority_aided,
        }
        if result.model is not None:
            row["Model probability"] = Number(outcome.model_probability)
        row["Listed because"] = _listed_because(outcome)
        rows.append(row)
    return pd.DataFrame(rows)


def build_tables(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """Every table by file name (see :data:`TABLE_TITLES`), with typed cells
    (:mod:`studies.analysis.table_cells`); empty tables are left out."""
    tables = {
        "table_readers": readers_table(result),
        "table_model_vs_readers": model_vs_readers_table(result),
        "table_subgroups": subgroups_table(result),
        "table_kappa": kappa_table(result),
        "table_reading_time": reading_time_table(result),
        "table_cases": cases_table(result),
    }
    return {name: table for name, table in tables.items() if not table.empty}


def display_tables(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """Every table with its cells as the report shows them (text)."""
    return {name: display_frame(table) for name, table in build_tables(result).items()}


def write_tables(tables: dict[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write each table as ``<name>.csv`` into ``directory``; returns the paths.

    Coordinators open these in Excel: numbers are numbers, each interval in three columns
    (:func:`~studies.analysis.table_cells.spreadsheet_frame`), written by
    :func:`~model_core.formats.spreadsheet_csv.write_spreadsheet_csv` (byte-order mark, cells
    that would run as formulas neutralised).
    """
    return [
        write_spreadsheet_csv(spreadsheet_frame(table), Path(directory) / f"{name}.csv")
        for name, table in tables.items()
    ]
