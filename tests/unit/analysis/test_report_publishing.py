"""What makes the report publishable (issue 12): provenance, visible points, printing, text that
follows the data, complete subgroups, spreadsheet tables, a clear wrong-manifest message."""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from cesm_cli import main as cli
from studies.analysis.inputs import load_inputs
from studies.analysis.pipeline import run_analysis
from studies.analysis.report import render_html
from studies.analysis.report.figures import Z_MODEL, Z_READER, build_figures
from studies.analysis.report.findings import key_findings
from studies.analysis.report.point_layout import MIN_SEPARATION_PT
from studies.analysis.report.render import write_pdf
from studies.analysis.settings import AnalysisSettings
from studies.analysis.subgroups import analyse_subgroups, parse_bins
from studies.analysis.tables import build_tables, display_tables, shown_difference
from studies.errors import AnalysisInputError
from studies.simulation.reader_study import StudyFiles, write_simulated_study


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return write_simulated_study(tmp_path_factory.mktemp("sim"), n_cases=40, n_readers=3, seed=5)


def _as_real(files: StudyFiles, folder: Path) -> StudyFiles:
    """The same study as reads of people: the format without the provenance column."""
    folder.mkdir()
    reads = pd.read_csv(files.reads, dtype=str, keep_default_na=False)
    reads.drop(columns=["simulated"]).to_csv(folder / "reads.csv", index=False)
    scores = pd.read_csv(files.model_scores, dtype=str, keep_default_na=False)
    scores.drop(columns=["simulated"]).to_csv(folder / "model_scores.csv", index=False)
    return StudyFiles(folder / "reads.csv", files.manifest, folder / "model_scores.csv")


def _analyse(files: StudyFiles, **settings: object):
    inputs = load_inputs(files.reads, files.manifest, files.model_scores)
    return inputs, run_analysis(inputs, AnalysisSettings(**settings))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ provenance


def test_a_simulated_study_is_marked_in_the_report_and_the_json(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    document = json.loads(result.to_json())
    assert document["simulated"] is True
    assert document["provenance"]["simulated_reads"] == document["provenance"]["n_reads"] == 240
    assert key_findings(result)[0].startswith("SIMULATED DATA")
    html = render_html(result, inputs)
    assert 'class="simulated"' in html and "(SIMULATED DATA)</title>" in html
    assert '@top-center { content: "SIMULATED DATA' in html  # every printed page


def test_real_format_reads_carry_no_mark(simulated: StudyFiles, tmp_path: Path) -> None:
    inputs, result = _analyse(_as_real(simulated, tmp_path / "real"))
    assert json.loads(result.to_json())["simulated"] is False
    html = render_html(result, inputs)
    assert "SIMULATED" not in html and "simulated" not in " ".join(key_findings(result))


def test_every_printed_page_says_simulated(simulated: StudyFiles, tmp_path: Path) -> None:
    inputs, result = _analyse(simulated, bootstrap_replicates=50)
    pdf = write_pdf(render_html(result, inputs), tmp_path / "report.pdf")
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(pages) > 3
    assert all("SIMULATED DATA" in text for text in pages)
    text = " ".join(" ".join(pages).split())
    for column in display_tables(result)["table_readers"].columns:  # no column cut off
        assert column.replace("(", "").split()[0] in text, column
    assert "P AUC" in text and "AUC (bootstrap)" in text


# ------------------------------------------------------------------------- visible points


def _coinciding(files: StudyFiles, folder: Path) -> StudyFiles:
    """R2 reads exactly as R1 (so their points coincide in both sessions)."""
    folder.mkdir()
    reads = pd.read_csv(files.reads, dtype=str, keep_default_na=False)
    copy = reads[reads.reader_id == "R1"].assign(reader_id="R2")
    reads = pd.concat([reads[reads.reader_id != "R2"], copy])
    reads.to_csv(folder / "reads.csv", index=False)
    return StudyFiles(folder / "reads.csv", files.manifest, files.model_scores)


def _markers(ax) -> dict[str, np.ndarray]:
    """Each operating-point marker by its id, at its drawn position (display units)."""
    ax.figure.draw_without_rendering()
    return {
        line.get_gid(): line.get_transform().transform(np.column_stack(line.get_data()))[0]
        for line in ax.lines
        if line.get_gid()
    }


def test_coinciding_points_stay_visible(simulated: StudyFiles, tmp_path: Path) -> None:
    inputs, result = _analyse(_coinciding(simulated, tmp_path / "same"))
    r1, r2 = (
        result.readers[0].sessions["aided"].metrics,
        result.readers[1].sessions["aided"].metrics,
    )
    assert (r1.tp, r1.fp) == (r2.tp, r2.fp)  # the points do coincide
    figures = build_figures(result, inputs)
    for ax in (*figures["roc"].axes, figures["pr"].axes[0]):
        markers = _markers(ax)
        assert {"aided:R1", "aided:R2", "unaided:R1", "unaided:R2", "model:youden"} <= set(markers)
        separation = MIN_SEPARATION_PT * ax.figure.dpi / 72 * 0.99
        for a, b in combinations(markers, 2):
            assert np.hypot(*(markers[a] - markers[b])) >= separation, (a, b)


def test_model_markers_are_drawn_above_the_readers(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    full = build_figures(result, inputs)["roc"].axes[0]
    orders = {line.get_gid(): line.get_zorder() for line in full.lines if line.get_gid()}
    assert min(z for gid, z in orders.items() if gid.startswith("model")) == Z_MODEL > Z_READER
    assert max(z for gid, z in orders.items() if not gid.startswith("model")) == Z_READER


def test_the_zoom_frames_every_point_with_a_margin(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    zoom = build_figures(result, inputs)["roc"].axes[1]
    (x0, x1), (y0, y1) = zoom.get_xlim(), zoom.get_ylim()
    points = [line.get_data() for line in zoom.lines if line.get_gid()]
    xs = [float(x[0]) for x, _ in points]
    ys = [float(y[0]) for _, y in points]
    margin = 0.05 * (x1 - x0)
    assert x0 + margin <= min(xs) and max(xs) <= x1 - margin
    assert y0 + margin <= min(ys) and max(ys) <= y1 - margin
    assert x1 - x0 < 1.0  # a zoom, not the whole square


# ------------------------------------------------------------------- text follows the data


def test_without_model_the_report_does_not_describe_one(simulated: StudyFiles) -> None:
    inputs = load_inputs(simulated.reads, simulated.manifest)
    result = run_analysis(inputs)
    html = render_html(result, inputs)
    assert "The black curve is the model" not in html
    assert "No model scores were given" in " ".join(key_findings(result))


def test_one_reader_gets_the_fixed_reader_p(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=40, n_readers=1, seed=3)
    inputs = load_inputs(files.reads, files.manifest, files.model_scores)
    result = run_analysis(inputs)
    findings = " ".join(key_findings(result))
    assert "P = n/a" not in findings and "fixed reader" in findings
    p_value = result.mrmc.auc_delong.fixed_readers_random_cases.p_value
    assert math.isfinite(p_value)
    assert "fixed_readers_random_cases" not in render_html(result, inputs)  # no JSON key
    assert "reader(s)" not in findings


def test_differences_agree_with_the_rounded_numbers_shown() -> None:
    assert shown_difference(0.8916, 0.9635) == pytest.approx(0.072)  # 0.964 − 0.892
    assert shown_difference(0.5, math.nan) != shown_difference(0.5, math.nan)  # NaN


def test_the_key_findings_difference_is_the_shown_one(simulated: StudyFiles) -> None:
    _, result = _analyse(simulated)
    line = next(text for text in key_findings(result) if text.startswith("Reader-averaged AUC"))
    before, after = (
        float(v) for v in line.split("AUC ")[1].split(" aided")[0].split(" unaided → ")
    )
    difference = float(line.split("difference ")[1].split(" ")[0].replace("\u2212", "-"))
    assert difference == pytest.approx(after - before, abs=1e-9)


# ---------------------------------------------------------------------------- subgroups


def _analysis(column: str, values: list[str], bins: tuple[float, ...] | None = None):
    truth = np.array([0, 1] * (len(values) // 2))
    decision = np.stack([np.stack([truth]), np.stack([truth])])
    return analyse_subgroups(column, pd.Series(values), truth, decision, ("R1",), None, bins=bins)


def test_numeric_columns_are_binned_never_one_group_per_value() -> None:
    ages = [str(age) for age in range(30, 70)]
    default = _analysis("age", ages)
    assert [group.label for group in default.groups] == ["< 50", "≥ 50"]
    assert [group.n_cases for group in default.groups] == [20, 20]
    given = _analysis("age", ages, bins=(40.0, 60.0))
    assert [group.label for group in given.groups] == ["< 40", "40 to < 60", "≥ 60"]
    other = _analysis("density_score", [str(v) for v in range(10)])  # median split
    assert [group.label for group in other.groups] == ["< 4.5", "≥ 4.5"]


def test_a_single_level_subgroup_is_skipped_with_a_note() -> None:
    one_centre = _analysis("center", ["internal"] * 10)
    assert one_centre.groups == () and "only one group" in one_centre.note
    assert "note" in one_centre.to_dict()


def test_every_bi_rads_level_is_a_group() -> None:
    analysis = _analysis("bi_rads", ["3", "4A", "5", "4B", "3", "5"])
    assert [group.label for group in analysis.groups] == ["3", "4A", "4B", "5"]


def test_bins_option_is_checked() -> None:
    assert parse_bins("age=60,40") == ("age", (40.0, 60.0))
    for text in ("age", "age=", "age=40,40", "=40", "age=forty"):
        with pytest.raises(ValueError, match="COLUMN=EDGE"):
            parse_bins(text)


def test_small_groups_are_warned_about(simulated: StudyFiles, capsys) -> None:
    out = simulated.reads.parent / "analysis_small"
    argv = ["analyze", "--reads", str(simulated.reads), "--manifest", str(simulated.manifest)]
    assert cli.main([*argv, "--out", str(out)]) == 0
    assert "Groups under 10 cases" in capsys.readouterr().out
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Groups under 10 cases" in html


# ------------------------------------------------------------------ tables for spreadsheets


def test_csv_tables_have_numeric_estimate_and_bounds(simulated: StudyFiles, tmp_path: Path) -> None:
    _, result = _analyse(simulated, bootstrap_replicates=50)
    html_cells = display_tables(result)["table_readers"]
    assert html_cells.loc[0, "AUC (bootstrap)"].count("(") == 1
    typed = build_tables(result)
    from studies.analysis.tables import write_tables

    write_tables(typed, tmp_path)
    table = pd.read_csv(tmp_path / "table_readers.csv", encoding="utf-8-sig")
    for column in ("AUC (bootstrap)", "AUC (bootstrap) lower", "AUC (bootstrap) upper"):
        assert pd.api.types.is_float_dtype(table[column]), column
    auc = result.readers[0].sessions["unaided"].auc_bootstrap
    assert table.loc[0, "AUC (bootstrap) lower"] == pytest.approx(auc.ci_low)
    times = pd.read_csv(tmp_path / "table_reading_time.csv", encoding="utf-8-sig")
    assert {"Unaided (s)", "Unaided (s) Q1", "Unaided (s) Q3", "P (Wilcoxon)"} <= set(times)
    assert times.iloc[-1]["Reader"] == "all readers"


def test_numbers_are_right_aligned(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    html = render_html(result, inputs)
    assert '<td data-label="Accuracy" class="num">' in html
    assert '<td data-label="Reader">R1</td>' in html


# ---------------------------------------------------------------------- reading time, cases


def test_case_table_lists_changed_and_missed_cases(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    for outcome in result.case_outcomes:
        c = inputs.case_ids.index(outcome.case_id)
        calls = inputs.decision[:, :, c].sum(axis=1)
        assert (outcome.malignant_calls_unaided, outcome.malignant_calls_aided) == tuple(calls)
        assert (
            outcome.majority_changed
            or outcome.missed_by_all_unaided
            or (outcome.missed_by_all_aided)
        )
    listed = {outcome.case_id for outcome in result.case_outcomes}
    for c, case_id in enumerate(inputs.case_ids):  # nothing missed that should be listed
        majority = [np.sign(2 * inputs.decision[s, :, c].sum() - 3) for s in (0, 1)]
        if majority[0] != majority[1]:
            assert case_id in listed


def test_reading_time_is_summarised_per_reader(simulated: StudyFiles) -> None:
    inputs, result = _analyse(simulated)
    reader = result.reading_times.readers[0]
    seconds = inputs.reading_time_s[:, 0, :]
    assert reader.unaided.median_s == pytest.approx(np.median(seconds[0]))
    assert reader.change.median_difference_s == pytest.approx(np.median(seconds[1] - seconds[0]))


# ----------------------------------------------------------------------- wrong manifest


def test_a_wrong_manifest_gets_one_summary_line_first(
    simulated: StudyFiles, tmp_path: Path
) -> None:
    manifest = pd.read_csv(simulated.manifest, dtype=str, keep_default_na=False)
    manifest["case_id"] = "OTHER" + manifest["case_id"]
    other = tmp_path / "other_manifest.csv"
    manifest.to_csv(other, index=False)
    with pytest.raises(AnalysisInputError) as caught:
        load_inputs(simulated.reads, other)
    lines = str(caught.value).splitlines()
    assert "the reads name 40 cases; 0 of them are in the manifest" in lines[0]
    assert "is it the right manifest?" in lines[0]
    assert len(lines) == 2 and "and 35 more" in lines[1]
