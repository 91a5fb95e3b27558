"""Rendering the analysis as one self-contained ``report.html`` (and a figures-only PDF).

The report is read by radiologists and study coordinators, often offline and often after the
study folder has been zipped and mailed, so it is **one file**: figures are embedded as base64
PNG, the style sheet is inline, and nothing is loaded from anywhere (no ``src`` or ``href``
points outside the document). Tables come from :mod:`studies.analysis.tables` — the same frames
that are written as CSV — and every number from the result objects.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from model_core.vocabulary import AIDED, UNAIDED
from studies.analysis.inputs import StudyInputs
from studies.analysis.mcnemar import METHOD_NAMES
from studies.analysis.numbers import confidence_label
from studies.analysis.report.figures import build_figures, figure_data_uri
from studies.analysis.study_results import AnalysisResult, MrmcSummary
from studies.analysis.tables import (
    TABLE_PROPORTIONS,
    TABLE_TITLES,
    build_tables,
    format_interval,
    format_number,
    format_p,
    p_phrase,
)

TEMPLATE = "report_template.html"
TABLE_NOTES: dict[str, str] = {
    "table_readers": "P values: McNemar test of aided vs unaided calls of the same reader "
    "(accuracy on all cases, sensitivity on malignant, specificity on benign cases). AUC from "
    "the probability of malignancy (0–100) with DeLong's interval.",
    "table_model_vs_readers": "P vs model: McNemar test of the reader's calls against the "
    "model's calls at the threshold named in the first row; DeLong's test of the reader's AUC "
    "(from the probability of malignancy) against the model's AUC.",
    "table_subgroups": "The model row uses the threshold of the model-vs-readers table. "
    "Sensitivity (specificity) is n/a in a group without malignant (benign) cases.",
    "table_kappa": "Unweighted kappa on benign/malignant calls; linear and quadratic weighted "
    "kappa on BI-RADS categories 3, 4A, 4B, 4C, 5 (when the reads record them), with "
    "confidence intervals.",
}
MRMC_TITLES: dict[str, str] = {
    "auc_delong": "AUC (DeLong covariance)",
    "auc_jackknife": "AUC (jackknife covariance)",
    "sensitivity": "Sensitivity (jackknife covariance)",
    "specificity": "Specificity (jackknife covariance)",
}


def _table_note(name: str, result: AnalysisResult) -> str:
    """The footnote of table ``name``: what its P values are, and, for a table of proportions,
    which interval each proportion has (they differ by default, as in the paper)."""
    note = TABLE_NOTES.get(name, "")
    proportions = TABLE_PROPORTIONS.get(name)
    if proportions is None:
        return note
    settings = result.settings
    methods = settings.ci.describe(proportions)
    intervals = f"{confidence_label(settings.alpha)} confidence intervals: {methods}."
    return f"{note} {intervals}" if note else intervals


def _environment() -> jinja2.Environment:
    template_text = (
        resources.files("studies.analysis.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    )
    environment = jinja2.Environment(
        loader=jinja2.DictLoader({TEMPLATE: template_text}),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment


#: "0.850 (0.673–0.943)" in an escaped table cell; the interval is wrapped in a no-break span.
_INTERVAL = re.compile(r"(-?\d+\.\d+) \((-?\d+\.\d+–-?\d+\.\d+)\)")


def _html_table(frame: pd.DataFrame) -> Markup:
    """The frame as an HTML table (cells escaped); a cell may wrap before its interval only."""
    html = frame.to_html(index=False, border=0, escape=True, na_rep="")
    return Markup(_INTERVAL.sub(r'\1 <span class="ci">(\2)</span>', html))


def mrmc_table(mrmc: MrmcSummary) -> pd.DataFrame:
    """One row per Obuchowski–Rockette analysis: means, difference with CI, test, p."""
    rows = []
    for key, result in mrmc.analyses().items():
        if result is None:
            continue
        headline = result.random_readers_random_cases
        fixed = result.fixed_readers_random_cases
        first, second = result.modality_names
        df2 = "∞" if math.isinf(headline.df2) else format_number(headline.df2, 1)
        rows.append(
            {
                "Figure of merit": MRMC_TITLES.get(key, key),
                f"Mean {first}": format_number(result.mean_fom[0]),
                f"Mean {second}": format_number(result.mean_fom[1]),
                f"Difference ({second} − {first})": format_interval(
                    result.difference, headline.ci_low, headline.ci_high
                ),
                "Test (random readers, random cases)": (
                    f"{headline.statistic_name}({headline.df1:g}, {df2}) = "
                    f"{format_number(headline.statistic, 2)}"
                    if headline.defined
                    else "undefined"
                ),
                "P (random readers)": format_p(headline.p_value),
                "P (fixed readers)": format_p(fixed.p_value),
            }
        )
    return pd.DataFrame(rows)


def _count(number: int, noun: str) -> str:
    """``1 reader``, ``5 readers``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def key_findings(result: AnalysisResult) -> list[str]:
    """A few plain sentences for the top of the report."""
    study = result.study
    readers = _count(study["n_readers"], "reader")
    lines = [
        f"{readers} read {study['n_cases']} cases "
        f"({study['n_malignant']} malignant, {study['n_benign']} benign), unaided and aided."
    ]
    if result.model is not None:
        auc = result.model.auc
        lines.append(
            f"Model AUC {format_interval(auc.estimate, auc.ci_low, auc.ci_high)}; AUPRC "
            f"{format_number(result.model.auprc)}."
        )
    auc_mrmc = result.mrmc.auc_delong
    if auc_mrmc is not None:
        headline = auc_mrmc.random_readers_random_cases
        lines.append(
            f"Reader-averaged AUC {format_number(auc_mrmc.mean_fom[0])} unaided → "
            f"{format_number(auc_mrmc.mean_fom[1])} aided; difference "
            f"{format_interval(auc_mrmc.difference, headline.ci_low, headline.ci_high)}, "
            f"{p_phrase(headline.p_value)} (Obuchowski–Rockette, random readers and cases)."
        )
    averaged = result.mrmc.reader_averaged
    if averaged:
        unaided, aided = averaged[UNAIDED], averaged[AIDED]
        lines.append(
            f"Reader-averaged sensitivity {format_number(unaided.sensitivity)} → "
            f"{format_number(aided.sensitivity)}, specificity "
            f"{format_number(unaided.specificity)} → "
            f"{format_number(aided.specificity)} (unaided → aided)."
        )
    improved = sum(
        reader.sessions[AIDED].metrics.accuracy.estimate
        > reader.sessions[UNAIDED].metrics.accuracy.estimate
        for reader in result.readers
    )
    lines.append(
        f"{improved} of {len(result.readers)} reader(s) were more accurate aided than unaided."
    )
    return lines


def _settings_rows(result: AnalysisResult) -> list[tuple[str, str]]:
    settings = result.settings
    rows = [
        ("Confidence intervals", f"{settings.ci.spec} ({settings.ci.describe()})"),
        ("Alpha", f"{settings.alpha:g} ({confidence_label(settings.alpha)} intervals)"),
        ("McNemar test (primary)", METHOD_NAMES.get(settings.mcnemar_method, "")),
        (
            "Bootstrap",
            "off"
            if settings.bootstrap_replicates == 0
            else f"{settings.bootstrap_replicates} replicates, seed {settings.bootstrap_seed}",
        ),
        ("Model threshold for comparisons", settings.comparison_threshold),
        ("Subgroup columns", ", ".join(settings.subgroup_columns) or "none"),
    ]
    if result.model is not None:
        for name, threshold in result.model.thresholds.items():
            rows.append(
                (
                    f"Model threshold '{name}'",
                    f"{threshold.value:.4f} ({threshold.source}: {threshold.criterion})",
                )
            )
    checksums = result.study.get("sha256", {})
    for name, path in result.study.get("inputs", {}).items():
        digest = checksums.get(name)
        rows.append((f"Input: {name}", f"{path} (SHA-256 {digest})" if digest else str(path)))
    rows += [(f"Version: {name}", version) for name, version in result.versions.items()]
    return rows


def _threshold_note(result: AnalysisResult) -> str:
    if result.model is None:
        return "No model scores were given, so the model is not part of this report."
    computed = [t.name for t in result.model.thresholds.values() if t.source == "computed"]
    if not computed:
        return "All model thresholds were given (e.g. from the model bundle)."
    return (
        f"The thresholds {', '.join(computed)} were chosen on these same cases; the model's "
        "sensitivity and specificity at them are therefore optimistic. Pass the model bundle's "
        "thresholds to avoid this."
    )


def render_html(
    result: AnalysisResult, inputs: StudyInputs, figures: dict[str, Figure] | None = None
) -> str:
    """The complete, self-contained HTML report."""
    figures = figures if figures is not None else build_figures(result, inputs)
    tables = build_tables(result)
    settings = result.settings
    study_id = result.study.get("study_id") or "reader study"
    figure_uris = {name: figure_data_uri(figure) for name, figure in figures.items()}
    figure_uris.setdefault("kappa", "")  # the template's place for it; one reader has none
    context = {
        "title": f"CESM reader study — {study_id}",
        "subtitle": (
            f"{_count(result.study['n_readers'], 'reader')} × "
            f"{_count(result.study['n_cases'], 'case')}, unaided and model-aided sessions"
        ),
        "findings": key_findings(result),
        "confidence": confidence_label(settings.alpha),
        "ci_methods": settings.ci.describe(),
        "mcnemar_name": METHOD_NAMES.get(settings.mcnemar_method, settings.mcnemar_method),
        "threshold_note": _threshold_note(result),
        "figures": figure_uris,
        "tables": [
            {
                "title": TABLE_TITLES[name],
                "html": _html_table(frame),
                "note": _table_note(name, result),
            }
            for name, frame in tables.items()
        ],
        "mrmc_html": _html_table(mrmc_table(result.mrmc)),
        "mrmc_note": result.mrmc.note
        or "Difference and P (random readers): Obuchowski–Rockette with Hillis (2007) "
        "denominator degrees of freedom. Full variance components are in results.json.",
        "settings": _settings_rows(result),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    return _environment().get_template(TEMPLATE).render(**context)


def write_pdf(figures: dict[str, Figure], path: str | Path) -> Path:
    """The report's figures, one per page, as a PDF (for printing and the study file)."""
    with PdfPages(path) as pdf:
        for figure in figures.values():
            pdf.savefig(figure, bbox_inches="tight")
    return Path(path)


#: The report's files: the HTML page, and the figures as PDF when asked for.
REPORT_HTML = "report.html"
FIGURES_PDF = "report_figures.pdf"


def write_report(
    result: AnalysisResult, inputs: StudyInputs, directory: str | Path, *, pdf: bool = False
) -> list[Path]:
    """Write ``report.html`` (and ``report_figures.pdf``) into ``directory``; returns the paths."""
    folder = Path(directory)
    figures = build_figures(result, inputs)
    html_path = folder / REPORT_HTML
    html_path.write_text(render_html(result, inputs, figures), encoding="utf-8")
    paths = [html_path]
    if pdf:
        paths.append(write_pdf(figures, folder / FIGURES_PDF))
    return paths
