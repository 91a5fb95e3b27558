"""Publication-style tables of an analysis, laid out like Mao et al.'s Tables 2, 4 and 5.

``results.json`` holds the numbers for machines; these tables hold them the way a radiologist
reads them in a paper: one row per reader and session, each cell "estimate (CI low–CI high)"
with three decimals, P values next to the comparison they belong to. The same
:class:`pandas.DataFrame` s are written as CSV and shown in ``report.html``, so the two never
disagree. Undefined values (e.g. a PPV with no positive call) are written "n/a".
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from model_core.formats.spreadsheet_csv import write_spreadsheet_csv
from model_core.vocabulary import AIDED, SESSIONS
from studies.analysis.ci_convention import PROPORTION_NAMES
from studies.analysis.diagnostic import DiagnosticResult
from studies.analysis.proportions import ProportionResult
from studies.analysis.study_results import PAIRED_MEASURES, AnalysisResult, PairedComparison

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
}
#: File name → the proportions the table shows, whose interval methods its footnote names.
TABLE_PROPORTIONS: dict[str, tuple[str, ...]] = {
    "table_readers": METRICS,
    "table_model_vs_readers": METRICS,
    "table_subgroups": SUBGROUP_METRICS,
}
NOT_AVAILABLE = "n/a"
DASH = "–"  # en dash, as in print


def format_interval(estimate: float, low: float, high: float) -> str:
    """``0.850 (0.673–0.943)``; ``n/a`` when the estimate is undefined.

    An interval with a negative bound is written ``0.071 (−0.005 to 0.148)``: a dash between
    signed numbers reads as a minus sign.
    """
    if estimate is None or not math.isfinite(estimate):
        return NOT_AVAILABLE
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return f"{estimate:.3f}"
    if min(estimate, low, high) < 0:
        return f"{_signed(estimate)} ({_signed(low)} to {_signed(high)})"
    return f"{estimate:.3f} ({low:.3f}{DASH}{high:.3f})"


def _signed(value: float) -> str:
    """Three decimals with a typographic minus sign."""
    return f"{value:.3f}".replace("-", "\N{MINUS SIGN}")


def format_proportion(proportion: ProportionResult) -> str:
    """A proportion with its CI, e.g. ``0.848 (0.673–0.943)``."""
    return format_interval(proportion.estimate, proportion.ci_low, proportion.ci_high)


def format_p(p_value: float | None) -> str:
    """P values as journals print them: ``0.043``, ``<0.001``; ``n/a`` when undefined."""
    if p_value is None or not math.isfinite(p_value):
        return NOT_AVAILABLE
    if p_value < 0.001:
        return "<0.001"
    return f"{p_value:.3f}"


def p_phrase(p_value: float | None) -> str:
    """``P = 0.043`` or ``P < 0.001``, for running text."""
    text = format_p(p_value)
    return f"P {text[0]} {text[1:]}" if text.startswith("<") else f"P = {text}"


def format_number(value: float | None, digits: int = 3) -> str:
    """A point estimate with ``digits`` decimals; ``n/a`` when undefined."""
    if value is None or not math.isfinite(value):
        return NOT_AVAILABLE
    return f"{value:.{digits}f}"


def _metric_cells(metrics: DiagnosticResult, names: tuple[str, ...] = METRICS) -> dict[str, str]:
    cells = {METRIC_TITLES[name]: format_proportion(getattr(metrics, name)) for name in names}
    if names == METRICS:
        cells["F1"] = format_number(metrics.f1)
    return cells


def _p_cells(comparison: PairedComparison) -> dict[str, str]:
    """``P accuracy``, ``P sensitivity``, ``P specificity`` of the primary McNemar test."""
    return {
        f"P {METRIC_TITLES[name].lower()}": format_p(getattr(comparison, name).primary.p_value)
        for name in PAIRED_MEASURES
    }


def readers_table(result: AnalysisResult) -> pd.DataFrame:
    """Table 2: each reader unaided and aided; on aided rows McNemar P of aided vs unaided."""
    rows = []
    for reader in result.readers:
        for session in SESSIONS:
            outcome = reader.sessions[session]
            row: dict[str, str] = {"Reader": reader.reader_id, "Session": session}
            row.update(_metric_cells(outcome.metrics))
            row["AUC"] = format_interval(
                outcome.auc.estimate, outcome.auc.ci_low, outcome.auc.ci_high
            )
            p_cells = _p_cells(reader.mcnemar)
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
    name = result.settings.comparison_threshold
    threshold = model.thresholds[name]
    model_row: dict[str, str] = {
        "Reader": f"Model ({name} threshold {threshold.value:.3f})",
        "Session": "",
    }
    model_row.update(_metric_cells(model.at_thresholds[name]))
    model_row["AUC"] = format_interval(model.auc.estimate, model.auc.ci_low, model.auc.ci_high)
    rows = [model_row]
    for comparison in result.model_vs_readers:
        outcome = result.reader(comparison.reader_id).sessions[comparison.session]
        row: dict[str, str] = {"Reader": comparison.reader_id, "Session": comparison.session}
        row.update(_metric_cells(outcome.metrics))
        row["AUC"] = format_interval(outcome.auc.estimate, outcome.auc.ci_low, outcome.auc.ci_high)
        row.update(_p_cells(comparison.mcnemar))
        row["P AUC"] = format_p(comparison.delong.p_value)
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.fillna("")


def subgroups_table(result: AnalysisResult) -> pd.DataFrame:
    """Table 5: every subgroup, its size, and each reader/session and the model within it.

    Accuracy, sensitivity and specificity only, as the paper: within small groups PPV and NPV
    mostly restate the group's prevalence (they are in ``results.json``).
    """
    rows = []
    for analysis in result.subgroups:
        for group in analysis.groups:
            base = {
                "Subgroup": analysis.title,
                "Group": group.label,
                "Cases": str(group.n_cases),
                "Malignant": str(group.n_malignant),
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
            row = {
                "Session": session,
                "Reader pair": pair.key,
                "Kappa (benign/malignant)": format_interval(
                    pair.decision.kappa, pair.decision.ci_low, pair.decision.ci_high
                ),
            }
            for label, kappa in (
                ("Weighted kappa BI-RADS (linear)", pair.bi_rads_linear),
                ("Weighted kappa BI-RADS (quadratic)", pair.bi_rads_quadratic),
            ):
                if kappa is not None:
                    row[label] = format_interval(kappa.kappa, kappa.ci_low, kappa.ci_high)
            rows.append(row)
    return pd.DataFrame(rows)


def build_tables(result: AnalysisResult) -> dict[str, pd.DataFrame]:
    """Every table by file name (see :data:`TABLE_TITLES`); empty tables are left out."""
    tables = {
        "table_readers": readers_table(result),
        "table_model_vs_readers": model_vs_readers_table(result),
        "table_subgroups": subgroups_table(result),
        "table_kappa": kappa_table(result),
    }
    return {name: table for name, table in tables.items() if not table.empty}


def write_tables(tables: dict[str, pd.DataFrame], directory: str | Path) -> list[Path]:
    """Write each table as ``<name>.csv`` into ``directory``; returns the paths.

    Coordinators open these in Excel: they are written by
    :func:`~model_core.formats.spreadsheet_csv.write_spreadsheet_csv` (byte-order mark, cells
    that would run as formulas neutralised).
    """
    return [
        write_spreadsheet_csv(table, Path(directory) / f"{name}.csv")
        for name, table in tables.items()
    ]
