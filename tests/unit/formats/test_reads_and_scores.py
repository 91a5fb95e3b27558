"""The reads export and the model scores: what is written reads back, and each rule of one file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model_core.formats.problems import ProblemCollector
from model_core.formats.reads import READS_COLUMNS, read_reads, write_reads
from model_core.formats.scores import read_scores, write_scores
from model_core.vocabulary import SESSIONS
from studies.simulation.reader_study import simulate_reader_study


@pytest.fixture()
def simulated() -> tuple[pd.DataFrame, pd.DataFrame]:
    study = simulate_reader_study(np.array([0, 1, 1, 0, 1, 0]), n_readers=2, seed=4)
    return study.reads, study.model_scores


def test_reads_round_trip(tmp_path: Path, simulated) -> None:
    reads, _ = simulated
    path = write_reads(reads.sample(frac=1.0, random_state=0), tmp_path / "reads.csv")
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(READS_COLUMNS)
    problems = ProblemCollector()
    back = read_reads(path, problems)
    assert problems.problems == []
    assert back is not None and len(back) == len(reads)
    merged = back.merge(reads, on=["reader_id", "session", "case_id"], suffixes=("", "_orig"))
    assert len(merged) == len(reads)
    np.testing.assert_array_equal(merged.pom.to_numpy(float), merged.pom_orig.to_numpy(float))
    np.testing.assert_array_equal(merged.decision.to_numpy(int), merged.decision_orig)
    aided = merged.session == SESSIONS[1]
    np.testing.assert_allclose(
        merged.model_probability[aided].to_numpy(float),
        merged.model_probability_orig[aided].to_numpy(float),
    )
    assert merged.model_probability[~aided].isna().all()


def test_an_aided_read_must_record_what_was_shown(tmp_path: Path, simulated) -> None:
    reads, _ = simulated
    changed = reads.copy()
    row = int(np.flatnonzero(changed.session == "aided")[0])
    changed.loc[row, "model_probability"] = np.nan
    problems = ProblemCollector()
    read_reads(write_reads(changed, tmp_path / "reads.csv"), problems)
    assert [(p.line, p.column) for p in problems.problems] == [(row + 2, "model_probability")]
    assert "is empty in an aided read" in problems.problems[0].message


def test_reads_without_the_shown_column_are_accepted(tmp_path: Path, simulated) -> None:
    """A reads file from another tool may not record the model's output at all."""
    reads, _ = simulated
    path = tmp_path / "reads.csv"
    reads.drop(columns=["model_probability"]).to_csv(path, index=False)
    problems = ProblemCollector()
    assert read_reads(path, problems) is not None
    assert problems.problems == []


def test_writing_reads_without_a_column_is_a_programming_error(tmp_path, simulated) -> None:
    reads, _ = simulated
    with pytest.raises(ValueError, match="order_index"):
        write_reads(reads.drop(columns=["order_index"]), tmp_path / "reads.csv")


def test_scores_round_trip_with_folds_in_order(tmp_path: Path, simulated) -> None:
    _, scores = simulated
    shuffled = scores[["fold_3", "case_id", "fold_1", "probability", "fold_2", "fold_4", "fold_5"]]
    path = write_scores(shuffled, tmp_path / "scores.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == "case_id,probability,fold_1,fold_2,fold_3,fold_4,fold_5"
    problems = ProblemCollector()
    back = read_scores(path, problems, known_cases=scores.case_id)
    assert problems.problems == []
    assert back is not None
    np.testing.assert_allclose(back.loc[scores.case_id, "probability"], scores.probability)
    np.testing.assert_allclose(back.loc[scores.case_id, "fold_4"], scores.fold_4)


def test_a_repeated_score_names_the_case_and_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("case_id,probability\nA,0.1\nB,0.2\nA,0.3\n", encoding="utf-8")
    problems = ProblemCollector()
    read_scores(path, problems)
    assert [str(p) for p in problems.problems] == [
        f"{path}, line 4, column 'case_id': case 'A' has a score already (on line 2)"
    ]


def test_scores_of_unknown_columns_are_not_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"case_id": ["A"], "probability": [0.5], "logit": [0.0]})
    with pytest.raises(ValueError, match="logit"):
        write_scores(frame, tmp_path / "scores.csv")


def test_sessions_are_read_in_any_letter_case(tmp_path: Path, simulated) -> None:
    """docs/formats.md: case is ignored on input, sessions included."""
    reads, _ = simulated
    changed = reads.copy()
    changed["session"] = changed["session"].map({"unaided": "Unaided", "aided": "AIDED"})
    problems = ProblemCollector()
    back = read_reads(write_reads(changed, tmp_path / "reads.csv"), problems)
    assert problems.problems == []
    assert back is not None and len(back) == len(reads)
    assert sorted(back["session"].unique()) == ["aided", "unaided"]
    # the model's probability is checked against the canonical session: filled when aided
    assert back.loc[back.session == "aided", "model_probability"].notna().all()


def test_an_unknown_session_is_reported_as_written(tmp_path: Path, simulated) -> None:
    reads, _ = simulated
    changed = reads.copy()
    changed.loc[3, "session"] = "Assisted"
    problems = ProblemCollector()
    back = read_reads(write_reads(changed, tmp_path / "reads.csv"), problems)
    assert [str(p) for p in problems.problems] == [
        f"{tmp_path / 'reads.csv'}, line 5, column 'session': "
        "'Assisted' is not 'unaided' or 'aided'"
    ]
    assert back is not None and len(back) == len(reads) - 1


@pytest.mark.parametrize("column", ["reader_id", "case_id", "study_id"])
@pytest.mark.parametrize("hostile", ["R1\x1b[2J\x1b[31mFAKE OK", "R1\u202eexe.txt", "R1\x9b2J"])
def test_ids_with_terminal_controls_are_refused_escaped(
    tmp_path: Path, simulated, column: str, hostile: str
) -> None:
    reads, _ = simulated
    changed = reads.copy()
    changed.loc[2, column] = hostile
    problems = ProblemCollector()
    back = read_reads(write_reads(changed, tmp_path / "reads.csv"), problems)
    messages = [str(p) for p in problems.problems]
    assert f"line 4, column '{column}': {column} {hostile!r} holds" in messages[0], messages
    assert all(hostile not in message for message in messages)  # never printed raw
    if column != "study_id":
        assert back is not None and len(back) == len(reads) - 1  # the read is not used


def test_a_score_s_case_id_with_terminal_controls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("case_id,probability\nA,0.1\nB\x1b[2J,0.2\n", encoding="utf-8")
    problems = ProblemCollector()
    back = read_scores(path, problems)
    assert [str(p) for p in problems.problems] == [
        f"{path}, line 3, column 'case_id': case_id 'B\\x1b[2J' holds '\\x1b', a control "
        "character or bidirectional override; ids and file names may not hold these (a "
        "terminal would act on them)"
    ]
    assert back is not None and list(back.index) == ["A"]


def test_excel_s_empty_trailing_columns_are_ignored(tmp_path: Path, simulated) -> None:
    reads, _ = simulated
    path = write_reads(reads, tmp_path / "reads.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + ",," for line in lines) + "\n", encoding="utf-8")
    problems = ProblemCollector()
    back = read_reads(path, problems)
    assert problems.problems == []
    assert back is not None and len(back) == len(reads)


def test_a_blank_header_cell_is_located_and_worded_as_in_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("case_id,,probability,\nA,x,0.1,\nB,,0.2,\n", encoding="utf-8")
    problems = ProblemCollector()
    read_scores(path, problems)
    assert [str(p) for p in problems.problems] == [
        f"{path}, line 1: header cell 2 (spreadsheet column B) is empty: every column needs a name"
    ]
