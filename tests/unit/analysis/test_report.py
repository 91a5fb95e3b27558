"""The report and the tables: self-contained HTML, figures, CSV layout, number formatting."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
from sklearn.metrics import precision_recall_curve

from studies.analysis.inputs import StudyInputs, load_inputs
from studies.analysis.pipeline import run_analysis
from studies.analysis.report import render_html, write_report
from studies.analysis.report.figures import build_figures, precision_recall_points
from studies.analysis.report.render import write_pdf
from studies.analysis.roc import roc_curve
from studies.analysis.settings import AnalysisSettings
from studies.analysis.tables import (
    build_tables,
    display_tables,
    format_interval,
    format_p,
    p_phrase,
    write_tables,
)
from studies.simulation.reader_study import write_simulated_study

SUBGROUPS = ("bi_rads", "diameter_cm")
CELL = re.compile(r"^(n/a|\d\.\d{3} \(\d\.\d{3}–\d\.\d{3}\))$")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[StudyInputs, object]:
    folder = tmp_path_factory.mktemp("report")
    files = write_simulated_study(folder, n_cases=60, n_readers=3, seed=9)
    reads = pd.read_csv(files.reads)
    reads["reader_id"] = reads["reader_id"].replace({"R3": "<b>Dr & Co</b>"})
    reads.to_csv(files.reads, index=False)
    inputs = load_inputs(
        files.reads, files.manifest, files.model_scores, subgroup_columns=SUBGROUPS
    )
    return inputs, run_analysis(inputs, AnalysisSettings(subgroup_columns=SUBGROUPS))


@pytest.fixture(scope="module")
def html(study) -> str:
    inputs, result = study
    return render_html(result, inputs)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.references: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "data", "action"}:
                self.references.append((tag, name, value or ""))


def test_html_is_self_contained(html: str) -> None:
    parser = _Links()
    parser.feed(html)
    assert parser.references, "the report should have figures and in-page links"
    for tag, name, value in parser.references:
        assert value.startswith(("data:", "#")), f"<{tag} {name}={value[:60]!r}> is external"
    assert "link" not in parser.tags and "script" not in parser.tags
    assert "@import" not in html and "url(" not in html


def test_html_embeds_every_figure(html: str) -> None:
    images = re.findall(r'<img alt="[^"]*" src="data:image/png;base64,', html)
    assert len(images) == 4  # ROC, PR, kappa, confusion matrices


def test_html_has_the_sections_and_tables(study, html: str) -> None:
    _, result = study
    for heading in (
        "Key findings",
        "How to read this report",
        "ROC curve and reader operating points",
        "Multi-reader multi-case (MRMC) analysis",
        "Settings and software",
        "Subgroups (cf. Mao et al., Table 5)",
    ):
        assert heading in html
    auc = result.model.auc
    assert f"{auc.estimate:.3f} ({auc.ci_low:.3f}–{auc.ci_high:.3f})" in html
    assert result.versions["numpy"] in html


def test_user_text_is_escaped(html: str) -> None:
    assert "<b>Dr & Co</b>" not in html
    assert "&lt;b&gt;Dr &amp; Co&lt;/b&gt;" in html


def test_figures(study) -> None:
    inputs, result = study
    figures = build_figures(result, inputs)
    assert list(figures) == ["roc", "pr", "confusion", "kappa"]
    full, zoom = figures["roc"].axes
    n_readers = len(result.readers)
    # one line per reader and session marker, + model curve, chance line, 3 thresholds
    assert len(full.lines) >= 2 * n_readers + 5
    arrows = [
        text
        for text in full.texts
        if getattr(text, "arrow_patch", None) is not None
        and text.arrow_patch.get_arrowstyle().__class__.__name__ == "CurveFilledB"
    ]
    assert len(arrows) == n_readers
    assert zoom.get_xlim()[1] < 1.0
    assert len(figures["confusion"].axes) == 2 * n_readers + 1


def test_write_report_writes_the_html(study, tmp_path: Path) -> None:
    inputs, result = study
    paths = write_report(result, inputs, tmp_path)
    assert paths == [tmp_path / "report.html"]
    assert paths[0].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_pdf_prints_the_report(html: str, tmp_path: Path) -> None:
    from PIL import ImageFile

    path = write_pdf(html, tmp_path / "report.pdf")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # WeasyPrint's global setting undone
    pages = [page.extract_text() for page in PdfReader(path).pages]
    assert len(pages) >= 3
    assert "How to read this report" in pages[0]


# ------------------------------------------------------------------------------- tables


def test_tables_have_the_paper_layout(study, tmp_path: Path) -> None:
    _, result = study
    tables = build_tables(result)
    paths = write_tables(tables, tmp_path)
    assert sorted(p.name for p in paths) == [
        "table_cases.csv",
        "table_kappa.csv",
        "table_model_vs_readers.csv",
        "table_readers.csv",
        "table_reading_time.csv",
        "table_subgroups.csv",
    ]
    for path in paths:  # Excel needs the byte-order mark to read "–" and "≤" as UTF-8
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    readers = pd.read_csv(tmp_path / "table_readers.csv", encoding="utf-8-sig")
    metrics = ["Accuracy", "Sensitivity", "Specificity", "PPV", "NPV"]
    with_bounds = [f"{m}{suffix}" for m in metrics for suffix in ("", " lower", " upper")]
    assert list(readers.columns) == [
        "Reader",
        "Session",
        *with_bounds,
        "F1",
        "AUC",
        "AUC lower",
        "AUC upper",
        "P accuracy",
        "P sensitivity",
        "P specificity",
        "P AUC",
    ]
    assert len(readers) == 2 * len(result.readers)
    assert list(readers.Session[:2]) == ["unaided", "aided"]
    assert np.isnan(readers.loc[0, "P accuracy"])  # P values sit on the aided row
    assert readers.loc[1, "P accuracy"] == pytest.approx(
        result.readers[0].mcnemar.accuracy.primary.p_value
    )
    assert readers.loc[1, "P AUC"] == pytest.approx(result.readers[0].delong.p_value)
    for column in [*with_bounds, "AUC", "F1"]:  # numbers for a spreadsheet, not text
        assert pd.api.types.is_float_dtype(readers[column]), column

    versus = pd.read_csv(tmp_path / "table_model_vs_readers.csv", dtype=str, keep_default_na=False)
    assert list(versus.columns)[-4:] == ["P accuracy", "P sensitivity", "P specificity", "P AUC"]
    assert len(versus) == 1 + 2 * len(result.readers)
    assert versus.loc[0, "Reader"].startswith("Model (Youden threshold")

    subgroups = pd.read_csv(tmp_path / "table_subgroups.csv", dtype=str, keep_default_na=False)
    assert list(subgroups.columns) == [
        "Subgroup",
        "Group",
        "Cases",
        "Malignant",
        "Reader",
        "Session",
        *(f"{m}{suffix}" for m in metrics[:3] for suffix in ("", " lower", " upper")),
    ]
    assert set(subgroups.Subgroup) == {"BI-RADS", "Lesion diameter"}

    kappa = pd.read_csv(tmp_path / "table_kappa.csv", dtype=str, keep_default_na=False)
    assert len(kappa) == 2 * 3  # two sessions × three pairs


def test_table_cells_match_the_results(study) -> None:
    _, result = study
    readers = display_tables(result)["table_readers"]
    sensitivity = result.readers[1].sessions["aided"].metrics.sensitivity
    expected = f"{sensitivity.estimate:.3f} ({sensitivity.ci_low:.3f}–{sensitivity.ci_high:.3f})"
    assert readers.loc[3, "Sensitivity"] == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.04321, "0.043"), (0.0004, "<0.001"), (1.0, "1.000"), (math.nan, "n/a"), (None, "n/a")],
)
def test_format_p(value: float | None, text: str) -> None:
    assert format_p(value) == text


def test_p_phrase() -> None:
    assert p_phrase(0.0001) == "P < 0.001"
    assert p_phrase(0.2) == "P = 0.200"


def test_format_interval() -> None:
    assert format_interval(28 / 33, 0.673, 0.943) == "0.848 (0.673–0.943)"
    assert format_interval(math.nan, math.nan, math.nan) == "n/a"
    assert format_interval(0.5, math.nan, math.nan) == "0.500"
    assert format_interval(0.071, -0.005, 0.148) == "0.071 (\u22120.005 to 0.148)"


def test_report_of_one_reader_without_model(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=1, seed=2)
    inputs = load_inputs(files.reads, files.manifest)
    result = run_analysis(inputs)
    figures = build_figures(result, inputs)
    assert list(figures) == ["roc", "pr", "confusion"]
    html = render_html(result, inputs, figures)
    assert "Only one reader: agreement between readers cannot be computed." in html
    assert "No model scores were given" in html
    assert "1 reader × 30 cases" in html
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 3


def test_precision_recall_points_match_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 300)
    scores = np.round(rng.normal(truth, 1.0), 1)  # with ties
    recall, precision = precision_recall_points(roc_curve(scores, truth))
    expected_precision, expected_recall, _ = precision_recall_curve(truth, scores)
    # scikit-learn appends the (recall 0, precision 1) end point, which is no cutoff
    expected = sorted(zip(expected_recall[:-1], expected_precision[:-1], strict=True))
    np.testing.assert_allclose(sorted(zip(recall, precision, strict=True)), expected)
