"""Rendering the analysis as one self-contained ``report.html`` (and the same report as PDF).

The report is read by radiologists and study coordinators, often offline and often after the
study folder has been zipped and mailed, so it is **one file**: figures are embedded as base64
PNG, the style sheet is inline, and nothing is loaded from anywhere (no ``src`` or ``href``
points outside the document). Tables come from :mod:`studies.analysis.tables` — the same frames
that are written as CSV — and every number from the result objects.

The same HTML prints: its print style sheet sets A4/Letter-safe margins, repeats table headers,
lets wide tables shrink rather than lose columns, and, for simulated data, puts "SIMULATED DATA"
in the header of every page. ``--pdf`` renders that HTML with WeasyPrint (imported only then).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from studies.analysis.inputs import StudyInputs
from studies.analysis.mcnemar import METHOD_NAMES
from studies.analysis.numbers import confidence_label
from studies.analysis.report.figures import build_figures, figure_data_uri
from studies.analysis.report.findings import count, key_findings, roc_reading_guide
from studies.analysis.settings import MODEL_THRESHOLD_TITLES
from studies.analysis.study_results import AnalysisResult, MrmcSummary
from studies.analysis.table_cells import Interval, Number, PValue, display_text, is_numeric
from studies.analysis.tables import (
    SMALL_GROUP_CASES,
    TABLE_PROPORTIONS,
    TABLE_TITLES,
    build_tables,
    shown_difference,
)
from studies.errors import AnalysisInputError

__all__ = ["key_findings", "mrmc_table", "render_html", "write_pdf", "write_report"]

TEMPLATE = "report_template.html"
TABLE_NOTES: dict[str, str] = {
    "table_readers": "P values: McNemar test of aided vs unaided calls of the same reader "
    "(accuracy on all cases, sensitivity on malignant, specificity on benign cases); P AUC: "
    "DeLong's test of the reader's aided against unaided AUC. AUC from the probability of "
    "malignancy (0–100) with DeLong's interval.",
    "table_model_vs_readers": "P vs model: McNemar test of the reader's calls against the "
    "model's calls at the threshold named in the first row; DeLong's test of the reader's AUC "
    "(from the probability of malignancy) against the model's AUC.",
    "table_subgroups": "The model row uses the threshold of the model-vs-readers table. "
    "Sensitivity (specificity) is n/a in a group without malignant (benign) cases.",
    "table_reading_time": "Median (first–third quartile) seconds per case; the change is the "
    "median of each case's aided − unaided time, tested with the Wilcoxon signed-rank test.",
    "table_cases": "Majority call: what more than half of the readers called the case (tie: "
    "half each way). Missed by every reader: every reader called a malignant case benign, or a "
    "benign case malignant, in that session.",
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
    settings = result.settings
    if settings.bootstrap_replicates and name in {"table_readers", "table_model_vs_readers"}:
        note += (
            f" AUC (bootstrap): percentile interval from {settings.bootstrap_replicates} case "
            f"resamples (seed {settings.bootstrap_seed})."
        )
    if name == "table_subgroups":
        note = " ".join([note, *subgroup_notes(result)])
    proportions = TABLE_PROPORTIONS.get(name)
    if proportions is None:
        return note
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
_INTERVAL = re.compile(r"^(\S+) (\(.*\))$")


def subgroup_notes(result: AnalysisResult) -> list[str]:
    """What the subgroup table leaves out or warns about: skipped columns, small groups."""
    notes = [analysis.note for analysis in result.subgroups if analysis.note]
    small = [
        f"{analysis.title} {group.label} ({count(group.n_cases, 'case')})"
        for analysis in result.subgroups
        for group in analysis.groups
        if group.n_cases < SMALL_GROUP_CASES
    ]
    if small:
        notes.append(
            f"Groups under {SMALL_GROUP_CASES} cases, whose estimates are very uncertain: "
            + ", ".join(small)
            + "."
        )
    return notes


def _html_cell(cell: object, tag: str = "td") -> str:
    text = str(escape(display_text(cell)))
    if isinstance(cell, Interval):
        text = _INTERVAL.sub(r'\1 <span class="ci">\2</span>', text)
    css = ' class="num"' if is_numeric(cell) else ""
    return f"<{tag}{css}>{text}</{tag}>"


def _html_table(frame: pd.DataFrame) -> Markup:
    """The frame as an HTML table (cells escaped): numbers right-aligned, a cell may wrap before
    its interval only; each cell carries its column's name for the narrow-screen layout."""
    numeric = [any(is_numeric(cell) for cell in frame[column]) for column in frame.columns]
    head = "".join(
        ("<th class='num'>" if right else "<th>") + f"{escape(str(column))}</th>"
        for column, right in zip(frame.columns, numeric, strict=True)
    )
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, cell in zip(frame.columns, values, strict=True):
            html = _html_cell(cell)
            cells.append(html.replace("<td", f'<td data-label="{escape(str(column))}"', 1))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def mrmc_table(mrmc: MrmcSummary) -> pd.DataFrame:
    """One row per Obuchowski–Rockette analysis: means, difference with CI, test, p."""
    rows = []
    for key, result in mrmc.analyses().items():
        if result is None:
            continue
        headline = result.random_readers_random_cases
        fixed = result.fixed_readers_random_cases
        first, second = result.modality_names
        df2 = "∞" if math.isinf(headline.df2) else str(Number(headline.df2, 1))
        rows.append(
            {
                "Figure of merit": MRMC_TITLES.get(key, key),
                f"Mean {first}": Number(result.mean_fom[0]),
                f"Mean {second}": Number(result.mean_fom[1]),
                f"Difference ({second} − {first})": Interval(
                    shown_difference(result.mean_fom[0], result.mean_fom[1]),
                    headline.ci_low,
                    headline.ci_high,
                ),
                "Test (random readers, random cases)": (
                    f"{headline.statistic_name}({headline.df1:g}, {df2}) = "
                    f"{Number(headline.statistic, 2)}"
                    if headline.defined
                    else "undefined"
                ),
                "P (random readers)": PValue(headline.p_value),
                "P (fixed readers)": PValue(fixed.p_value),
            }
        )
    return pd.DataFrame(rows)


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
        (
            "Model threshold for comparisons",
            MODEL_THRESHOLD_TITLES[settings.comparison_threshold],
        ),
        ("Subgroup columns", ", ".join(settings.subgroup_columns) or "none"),
    ]
    if result.model is not None:
        for name, threshold in result.model.thresholds.items():
            rows.append(
                (
                    f"Model threshold: {MODEL_THRESHOLD_TITLES[name]}",
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
    computed = [
        MODEL_THRESHOLD_TITLES[t.name]
        for t in result.model.thresholds.values()
        if t.source == "computed"
    ]
    if not computed:
        return "All model thresholds were given (e.g. from the model bundle)."
    return (
        f"The {', '.join(computed)} thresholds were chosen on these same cases; the model's "
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
    simulated = result.provenance.simulated
    figure_uris = {name: figure_data_uri(figure) for name, figure in figures.items()}
    figure_uris.setdefault("kappa", "")  # the template's place for it; one reader has none
    context = {
        "title": f"CESM reader study — {study_id}"
        + (" (SIMULATED DATA)" if simulated else "")
        + (" (INCOMPLETE)" if result.study.get("warnings") else ""),
        "subtitle": (
            f"{count(result.study['n_readers'], 'reader')} × "
            f"{count(result.study['n_cases'], 'case')}, unaided and model-aided sessions"
        ),
        "simulated": result.provenance.summary(),
        "incomplete": list(result.study.get("warnings") or []),
        "has_model": result.model is not None,
        "roc_guide": roc_reading_guide(result),
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
        + (" " if result.mrmc.note else "")
        + "Difference and P (random readers): Obuchowski–Rockette with Hillis (2007) "
        "denominator degrees of freedom. Full variance components are in results.json.",
        "settings": _settings_rows(result),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    return _environment().get_template(TEMPLATE).render(**context)


def write_pdf(html: str, path: str | Path) -> Path:
    """The report itself as a PDF, laid out by its print style sheet (WeasyPrint).

    Importing WeasyPrint sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` to
    ``True``, which would make every later image read in the process (the importers' JPEGs)
    accept cut-short files silently; the flag is restored.
    """
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise AnalysisInputError(
            f"--pdf needs WeasyPrint and the Pango library ({error}); "
            "run `make demo` or install the project's dependencies"
        ) from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return Path(path)


#: The report's files: the HTML page, and the figures as PDF when asked for.
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"


def write_report(
    result: AnalysisResult, inputs: StudyInputs, directory: str | Path, *, pdf: bool = False
) -> list[Path]:
    """Write ``report.html`` (and ``report.pdf``) into ``directory``; returns the paths."""
    folder = Path(directory)
    figures = build_figures(result, inputs)
    html = render_html(result, inputs, figures)
    html_path = folder / REPORT_HTML
    html_path.write_text(html, encoding="utf-8")
    paths = [html_path]
    if pdf:
        paths.append(write_pdf(html, folder / REPORT_PDF))
    return paths
