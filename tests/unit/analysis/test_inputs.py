"""Loading and validating the analysis inputs: every kind of bad input, all problems at once.

Each bad-input case edits a small simulated study (reads row i is on line i + 2 of reads.csv)
and checks that the error names the file, the line and the column of every problem.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studies.analysis.inputs import SESSIONS, load_inputs
from studies.errors import AnalysisInputError
from studies.simulation.reader_study import StudyFiles, write_simulated_study

N_CASES = 12
N_READERS = 2


@pytest.fixture()
def study(tmp_path: Path) -> StudyFiles:
    return write_simulated_study(tmp_path, n_cases=N_CASES, n_readers=N_READERS, seed=3)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _edit(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    frame = _read(path)
    changed = change(frame)
    (frame if changed is None else changed).to_csv(path, index=False)


def _problems(study: StudyFiles, **options: object) -> str:
    with pytest.raises(AnalysisInputError) as error:
        load_inputs(study.reads, study.manifest, study.model_scores, **options)
    return str(error.value)


def _line(row: int) -> str:
    """The line of 0-based data row ``row`` in a CSV written by pandas."""
    return f"line {row + 2}"


# ------------------------------------------------------------------------------- good input


def test_valid_study_is_aligned_with_the_csv(study: StudyFiles) -> None:
    inputs = load_inputs(study.reads, study.manifest, study.model_scores)
    reads = pd.read_csv(study.reads)
    manifest = pd.read_csv(study.manifest).set_index("case_id")
    scores = pd.read_csv(study.model_scores).set_index("case_id")

    assert inputs.reader_ids == ("R1", "R2")
    assert inputs.pom.shape == inputs.decision.shape == (2, N_READERS, N_CASES)
    assert list(inputs.case_ids) == sorted(manifest.index)
    expected_truth = (manifest.loc[list(inputs.case_ids), "label"] == "malignant").astype(int)
    np.testing.assert_array_equal(inputs.truth, expected_truth.to_numpy())
    np.testing.assert_allclose(
        inputs.model_scores, scores.loc[list(inputs.case_ids), "probability"].to_numpy()
    )
    for row in reads.sample(10, random_state=0).itertuples():
        s = SESSIONS.index(row.session)
        r = inputs.reader_ids.index(row.reader_id)
        c = inputs.case_ids.index(row.case_id)
        assert inputs.pom[s, r, c] == row.pom
        assert inputs.decision[s, r, c] == row.decision
        assert inputs.bi_rads is not None and inputs.bi_rads[s, r, c] == row.bi_rads
    assert inputs.study_id == "SIM"
    assert inputs.cases.loc["C0001", "center"] == manifest.loc["C0001", "center"]


def test_model_scores_are_optional(study: StudyFiles) -> None:
    inputs = load_inputs(study.reads, study.manifest)
    assert inputs.model_scores is None
    assert "model_scores" not in inputs.sources


def test_row_order_and_blank_lines_do_not_matter(study: StudyFiles) -> None:
    reference = load_inputs(study.reads, study.manifest, study.model_scores)
    _edit(study.reads, lambda f: f.sample(frac=1.0, random_state=1))
    with study.reads.open("a", encoding="utf-8") as handle:
        handle.write("\n\n")
    shuffled = load_inputs(study.reads, study.manifest, study.model_scores)
    np.testing.assert_array_equal(shuffled.pom, reference.pom)
    np.testing.assert_array_equal(shuffled.decision, reference.decision)


def test_a_byte_order_mark_is_accepted(study: StudyFiles) -> None:
    text = study.reads.read_text(encoding="utf-8")
    study.reads.write_text(text, encoding="utf-8-sig")
    assert load_inputs(study.reads, study.manifest).n_cases == N_CASES


def test_numeric_looking_ids_keep_their_text_and_are_aligned(study: StudyFiles) -> None:
    manifest = _read(study.manifest)
    ids = dict(zip(manifest.case_id, ["007", "7", "L1²", *manifest.case_id[3:]], strict=True))
    for path in (study.reads, study.manifest, study.model_scores):
        _edit(path, lambda f: f.assign(case_id=f.case_id.map(ids)))
    inputs = load_inputs(study.reads, study.manifest, study.model_scores)
    assert {"007", "7", "L1²"} <= set(inputs.case_ids)
    reads = _read(study.reads)
    row = reads[(reads.case_id == "007") & (reads.session == "aided")].iloc[0]
    position = (1, inputs.reader_ids.index(row.reader_id), inputs.case_ids.index("007"))
    assert inputs.pom[position] == float(row.pom)


# -------------------------------------------------------------------------------- bad input


def _set(row: int, column: str, value: str) -> Callable[[pd.DataFrame], None]:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[row, column] = value

    return change


# (which file, edit, fragments that must all appear in the message)
BAD_CELLS = [
    (
        "reads",
        _set(0, "pom", "abc"),
        ["reads.csv", _line(0), "column 'pom'", "'abc' is not a number"],
    ),
    ("reads", _set(3, "pom", "101"), ["reads.csv", _line(3), "column 'pom'", "outside [0, 100]"]),
    ("reads", _set(4, "pom", "-1"), ["reads.csv", _line(4), "column 'pom'", "outside"]),
    ("reads", _set(5, "pom", ""), ["reads.csv", _line(5), "column 'pom'", "is empty"]),
    ("reads", _set(1, "decision", "2"), [_line(1), "column 'decision'", "not 0 (benign) or 1"]),
    ("reads", _set(2, "decision", "yes"), [_line(2), "column 'decision'", "'yes'"]),
    ("reads", _set(6, "truth", ""), [_line(6), "column 'truth'", "is empty"]),
    ("reads", _set(7, "session", "second"), [_line(7), "column 'session'", "'second'"]),
    ("reads", _set(8, "bi_rads", "7"), [_line(8), "column 'bi_rads'", "not a BI-RADS"]),
    ("reads", _set(9, "reading_time_s", "-3"), [_line(9), "column 'reading_time_s'", "outside"]),
    ("reads", _set(10, "order_index", "1.5"), [_line(10), "column 'order_index'", "not whole"]),
    ("reads", _set(11, "started_at", "yesterday"), [_line(11), "column 'started_at'", "ISO 8601"]),
    ("reads", _set(0, "study_id", "OTHER"), ["column 'study_id'", "more than one study"]),
    ("reads", _set(0, "model_probability", "0.5"), [_line(0), "unaided sessions never show"]),
    (
        "reads",
        _set(2, "submitted_at", "2000-01-01T00:00:00+00:00"),
        [_line(2), "column 'submitted_at'", "earlier than started_at"],
    ),
    ("scores", _set(0, "probability", "x"), ["model_scores.csv", _line(0), "'x' is not a number"]),
    ("scores", _set(1, "probability", "1.2"), ["model_scores.csv", _line(1), "outside [0, 1]"]),
    ("scores", _set(2, "fold_3", "-0.1"), ["model_scores.csv", _line(2), "column 'fold_3'"]),
    (
        "manifest",
        _set(0, "label", "maybe"),
        ["manifest.csv", _line(0), "column 'label'", "'maybe'"],
    ),
]


@pytest.mark.parametrize(("which", "change", "fragments"), BAD_CELLS)
def test_bad_cells_are_located(
    study: StudyFiles,
    which: str,
    change: Callable[[pd.DataFrame], None],
    fragments: list[str],
) -> None:
    path = {"reads": study.reads, "scores": study.model_scores, "manifest": study.manifest}[which]
    _edit(path, change)
    message = _problems(study)
    for fragment in fragments:
        assert fragment in message


def test_truth_disagreeing_with_the_manifest(study: StudyFiles) -> None:
    reads = _read(study.reads)
    flipped = "0" if reads.loc[3, "truth"] == "1" else "1"
    _edit(study.reads, _set(3, "truth", flipped))
    message = _problems(study)
    label = "benign" if flipped == "1" else "malignant"
    assert (
        f"reads.csv, {_line(3)}, column 'truth': {flipped} disagrees with the manifest, where "
        f"case '{reads.loc[3, 'case_id']}' is '{label}'"
    ) in message


def test_case_without_label_in_the_manifest(study: StudyFiles) -> None:
    _edit(study.manifest, _set(4, "label", ""))
    message = _problems(study)
    assert f"manifest.csv, {_line(4)}, column 'label': case 'C0005' was read but has no label" in (
        message
    )


def test_unknown_case_ids(study: StudyFiles) -> None:
    _edit(study.reads, _set(5, "case_id", "X999"))
    message = _problems(study)
    assert f"reads.csv, {_line(5)}, column 'case_id': case 'X999' is not in the manifest" in message
    # ... and the reader now misses the case that row held:
    assert "is missing 1 of 12 cases in the" in message


def test_reader_missing_a_session(study: StudyFiles) -> None:
    _edit(study.reads, lambda f: f[~((f.reader_id == "R2") & (f.session == "aided"))])
    assert "column 'session': reader 'R2' has no aided reads" in _problems(study)


def test_reader_missing_cases_in_a_session(study: StudyFiles) -> None:
    def drop(frame: pd.DataFrame) -> pd.DataFrame:
        gone = (frame.reader_id == "R1") & (frame.session == "unaided")
        gone &= frame.case_id.isin(["C0002", "C0007"])
        return frame[~gone]

    _edit(study.reads, drop)
    message = _problems(study)
    assert "reader 'R1' is missing 2 of 12 cases in the unaided session: C0002, C0007" in message


def test_duplicate_reads(study: StudyFiles) -> None:
    _edit(study.reads, lambda f: pd.concat([f, f.iloc[[2]]], ignore_index=True))
    message = _problems(study)
    row = 2 * N_READERS * N_CASES  # the appended copy
    assert f"reads.csv, {_line(row)}, column 'case_id'" in message
    assert f"already on {_line(2)}" in message


def test_duplicate_and_missing_model_scores(study: StudyFiles) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame.case_id != "C0003"]
        return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)

    _edit(study.model_scores, change)
    message = _problems(study)
    assert "model_scores.csv, column 'case_id': no score for 1 read case(s): C0003" in message
    assert "has a score already" in message


def test_shown_probability_must_match_the_model_scores(study: StudyFiles) -> None:
    reads = _read(study.reads)
    row = int(reads.index[(reads.session == "aided") & (reads.case_id == "C0004")][0])
    _edit(study.reads, _set(row, "model_probability", "0.999"))
    scores = _read(study.model_scores).set_index("case_id")
    _edit(
        study.model_scores,
        _set(1, "probability", str(float(scores.loc["C0002", "probability"]) + 0.004)),
    )
    message = _problems(study)
    assert message.startswith("1 problem")  # the 0.004 difference is display rounding
    assert (
        f"reads.csv, {_line(row)}, column 'model_probability': 0.999 was shown for case 'C0004'"
        in (message)
    )


@pytest.mark.parametrize("shown", ["0.72", "0.73"])
def test_a_percentage_rounded_for_display_is_accepted(study: StudyFiles, shown: str) -> None:
    """A score of exactly 72.5 % shown as 72 % or 73 %: 0.005 off, which is display rounding."""

    def show(frame: pd.DataFrame) -> None:
        frame.loc[(frame.session == "aided") & (frame.case_id == "C0002"), "model_probability"] = (
            shown
        )

    _edit(study.reads, show)
    _edit(study.model_scores, _set(1, "probability", "0.725"))
    inputs = load_inputs(study.reads, study.manifest, study.model_scores)
    assert inputs.model_scores[inputs.case_ids.index("C0002")] == 0.725


def test_scores_for_cases_unknown_to_the_manifest(study: StudyFiles) -> None:
    _edit(study.model_scores, _set(0, "case_id", "NOPE"))
    assert "case 'NOPE' is not in the manifest" in _problems(study)


@pytest.mark.parametrize(
    ("which", "column"),
    [
        ("reads", "pom"),
        ("reads", "reader_id"),
        ("manifest", "label"),
        ("scores", "probability"),
    ],
)
def test_missing_columns(study: StudyFiles, which: str, column: str) -> None:
    path = {"reads": study.reads, "scores": study.model_scores, "manifest": study.manifest}[which]
    _edit(path, lambda f: f.drop(columns=[column]))
    assert f"{path.name}, line 1, column '{column}': required column is missing" in (
        _problems(study)
    )


def test_malformed_csv_rows_are_all_reported(study: StudyFiles) -> None:
    lines = study.reads.read_text(encoding="utf-8").splitlines()
    lines[3] += ",extra"
    lines[6] = lines[6].split(",", 1)[0]
    study.reads.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = _problems(study)
    assert "reads.csv, line 4: the row has 15 fields, but the header has 14" in message
    assert "reads.csv, line 7: the row has 1 field, but the header has 14" in message


def test_broken_quoting_is_reported(study: StudyFiles) -> None:
    lines = study.reads.read_text(encoding="utf-8").splitlines()
    lines[2] = '"' + lines[2]  # a quote opened on line 3 and never closed
    study.reads.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "reads.csv, line 3: malformed CSV" in _problems(study)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", ": is empty"),
        (b"case_id,low_energy,recombined,label\n\xff\xfe,a,b,benign\n", ", line 2: is not UTF-8"),
    ],
)
def test_unreadable_manifest(study: StudyFiles, content: bytes, fragment: str) -> None:
    study.manifest.write_bytes(content)
    assert f"manifest.csv{fragment}" in _problems(study)


def test_missing_files_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError) as error:
        load_inputs(tmp_path / "r.csv", tmp_path / "m.csv", tmp_path / "s.csv")
    message = str(error.value)
    for name in ("r.csv", "m.csv", "s.csv"):
        assert f"{name}: file not found" in message


def test_header_only_reads(study: StudyFiles) -> None:
    _edit(study.reads, lambda f: f.iloc[:0])
    assert "has no reads (only a header)" in _problems(study)


def test_one_class_only(study: StudyFiles) -> None:
    manifest = _read(study.manifest)
    benign = set(manifest.loc[manifest.label == "benign", "case_id"])
    _edit(study.reads, lambda f: f[f.case_id.isin(benign)])
    _edit(study.model_scores, lambda f: f[f.case_id.isin(benign)])
    assert "are benign: sensitivity, specificity and the AUC need both" in _problems(study)


def test_subgroup_columns_are_checked(study: StudyFiles) -> None:
    _edit(study.manifest, _set(1, "diameter_cm", "big"))
    message = _problems(study, subgroup_columns=["diameter_cm", "site"])
    assert "manifest.csv, line 1, column 'site': subgroup column is not in the manifest" in message
    assert f"manifest.csv, {_line(1)}, column 'diameter_cm': diameter 'big' is not a number" in (
        message
    )


def test_every_problem_is_listed_at_once(study: StudyFiles) -> None:
    _edit(study.reads, _set(0, "pom", "abc"))
    _edit(study.reads, _set(1, "decision", "7"))
    _edit(study.reads, _set(2, "case_id", "X1"))
    _edit(study.model_scores, _set(0, "probability", "2"))
    message = _problems(study)
    assert message.count("\n  - ") >= 4
    for fragment in (
        f"reads.csv, {_line(0)}, column 'pom'",
        f"reads.csv, {_line(1)}, column 'decision'",
        f"reads.csv, {_line(2)}, column 'case_id': case 'X1' is not in the manifest",
        f"model_scores.csv, {_line(0)}, column 'probability'",
    ):
        assert fragment in message


def test_a_manifest_with_errors_is_not_checked_against(study: StudyFiles) -> None:
    """Each file's own problems are listed, but a manifest row it refuses is reported once,
    not again as an unknown case for every read of it."""
    _edit(study.reads, _set(0, "pom", "abc"))
    _edit(study.model_scores, _set(0, "probability", "2"))
    _edit(study.manifest, _set(5, "label", "unsure"))
    _edit(study.manifest, _set(6, "recombined", ""))
    message = _problems(study)
    assert message.startswith("4 problems"), message
    for fragment in (
        f"reads.csv, {_line(0)}, column 'pom'",
        f"model_scores.csv, {_line(0)}, column 'probability'",
        f"manifest.csv, {_line(5)}, column 'label'",
        f"manifest.csv, {_line(6)}, column 'recombined': no file given",
    ):
        assert fragment in message
    assert "is not in the manifest" not in message
    assert "has no label" not in message


def test_reading_order_must_be_a_permutation(study: StudyFiles) -> None:
    reads = _read(study.reads)
    _edit(study.reads, _set(1, "order_index", reads.loc[0, "order_index"]))
    message = _problems(study)
    assert f"reads.csv, {_line(1)}, column 'order_index': is used twice" in message


def test_problems_are_listed_in_file_and_line_order(study: StudyFiles) -> None:
    _edit(study.reads, _set(9, "pom", "x"))
    _edit(study.reads, _set(2, "decision", "x"))
    message = _problems(study)
    assert message.index(_line(2)) < message.index(_line(9))


def test_labelled_cases_nobody_read_are_a_warning(study: StudyFiles) -> None:
    reads = _read(study.reads)
    unread = reads.case_id.iloc[0]
    reads[reads.case_id != unread].to_csv(study.reads, index=False)
    inputs = load_inputs(study.reads, study.manifest, study.model_scores)
    assert unread not in inputs.case_ids
    assert len(inputs.warnings) == 1
    assert (
        f"1 labelled case(s) of the manifest {study.manifest} were read by no reader"
        in (inputs.warnings[0])
    )
    assert unread in inputs.warnings[0]


def test_crossover_aided_reads_follow_the_unaided_ones(study: StudyFiles) -> None:
    reads = _read(study.reads)
    first = reads.index[reads.session == "aided"][0]
    unaided = reads.index[
        (reads.session == "unaided")
        & (reads.reader_id == reads.reader_id[first])
        & (reads.case_id == reads.case_id[first])
    ][0]
    reads.loc[first, "started_at"] = "2020-01-01T09:00:00+00:00"
    reads.loc[first, "submitted_at"] = "2020-01-01T09:01:00+00:00"
    reads.to_csv(study.reads, index=False)
    assert load_inputs(study.reads, study.manifest, design="counterbalanced").n_cases == N_CASES
    with pytest.raises(AnalysisInputError) as error:
        load_inputs(study.reads, study.manifest, design="crossover")
    assert (
        f"{_line(first)}, column 'started_at': reader {reads.reader_id[first]!r} started the "
        f"aided read of case {reads.case_id[first]!r} before submitting the unaided read "
        f"({_line(unaided)})"
    ) in str(error.value)
