"""Manifest values that used to pass unnoticed into simulated studies and analyses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_files import snapshot

from cesm_cli.main import main
from studies.simulation.reader_study import StudyFiles, write_simulated_study

HEADER = "case_id,low_energy,recombined,label"


def _manifest(folder: Path, *rows: str) -> Path:
    path = folder / "manifest.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_simulate_reads_refuses_an_empty_case_id(tmp_path: Path, capsys) -> None:
    manifest = _manifest(tmp_path, "A,a.dcm,b.dcm,benign", ",c.dcm,d.dcm,malignant")
    out = tmp_path / "study"
    assert main(["simulate-reads", "--manifest", str(manifest), "--out", str(out)]) == 2
    assert "line 3, column case_id: case_id is empty" in capsys.readouterr().err
    assert not out.exists()


def test_a_repeated_case_names_the_case_and_both_lines(tmp_path: Path, capsys) -> None:
    manifest = _manifest(
        tmp_path, "A,a.dcm,b.dcm,benign", "B,c.dcm,d.dcm,malignant", "A,e.dcm,f.dcm,benign"
    )
    out = tmp_path / "study"
    assert main(["simulate-reads", "--manifest", str(manifest), "--out", str(out)]) == 2
    assert "line 4, case A, column case_id: duplicate case_id 'A' (first on line 2)" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_simulate_reads_refuses_a_study_of_benign_cases_only(tmp_path: Path, capsys) -> None:
    """``analyze`` refuses such a study; it is not written in the first place."""
    manifest = _manifest(tmp_path, "A,a.dcm,b.dcm,benign", "B,c.dcm,d.dcm,Benign", "C,e,f,")
    out = tmp_path / "study"
    assert main(["simulate-reads", "--manifest", str(manifest), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"{manifest}: all 2 labelled cases are benign; a reader study needs benign and " in error
    assert not out.exists()


def test_simulate_reads_refuses_a_study_of_one_labelled_case(tmp_path: Path, capsys) -> None:
    manifest = _manifest(tmp_path, "A,a.dcm,b.dcm,malignant", "B,c.dcm,d.dcm,")
    out = tmp_path / "study"
    assert main(["simulate-reads", "--manifest", str(manifest), "--out", str(out)]) == 2
    assert f"{manifest}: the only labelled case is malignant;" in capsys.readouterr().err
    assert not out.exists()


# ------------------------------------------------------- ids that would drive the terminal

HOSTILE_ID = "X\x1b[2J\x1b[31mFAKE OK"


def test_validate_never_prints_a_terminal_control_from_a_case_id(tmp_path: Path, capsys) -> None:
    manifest = _manifest(tmp_path, "A,a.dcm,b.dcm,benign", f"{HOSTILE_ID},c.dcm,d.dcm,benign")
    before = snapshot(tmp_path)
    assert main(["validate", str(manifest)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert f"line 3, column case_id: case_id {HOSTILE_ID!r} holds '\\x1b'" in out
    assert out.splitlines()[-1].startswith("1 case, ")  # the refused row is not a case
    assert snapshot(tmp_path) == before


def test_preprocess_never_prints_a_terminal_control_from_a_case_id(tmp_path: Path, capsys) -> None:
    manifest = _manifest(tmp_path, f"{HOSTILE_ID},c.dcm,d.dcm,benign")
    out = tmp_path / "input.png"
    argv = ["preprocess", str(manifest), "--case", HOSTILE_ID, "--backbone", "resnet50"]
    assert main([*argv, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err
    assert f"line 2, column case_id: case_id {HOSTILE_ID!r} holds '\\x1b'" in captured.err
    assert not out.exists()


def test_a_bidirectional_override_in_a_file_name_is_refused(tmp_path: Path, capsys) -> None:
    manifest = _manifest(tmp_path, "A,a\u202egpj.dcm,b.dcm,benign")
    assert main(["validate", str(manifest)]) == 1
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert "line 2, case A, column low_energy: the file name 'a\\u202egpj.dcm' holds" in out


# --------------------------------------------------------------------- columns of a header


def test_validate_reports_a_duplicated_column_as_an_error_not_as_no_manifest(
    tmp_path: Path, capsys
) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(f"{HEADER},age,age\nA,a.dcm,b.dcm,benign,50,51\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1  # 2 would say "not a manifest"
    out = capsys.readouterr().out
    assert "line 1, column age: column 'age' appears more than once" in out
    assert "line 2, case A, column low_energy" in out  # the case's files were checked


# ------------------------------------------------- analyze: the real problem, not its echoes


@pytest.fixture()
def study(tmp_path: Path) -> StudyFiles:
    return write_simulated_study(tmp_path / "inputs", n_cases=40, n_readers=3, seed=5)


def _analyze(study: StudyFiles, out: Path) -> int:
    return main(
        [
            *("analyze", "--reads", str(study.reads), "--manifest", str(study.manifest)),
            *("--model-scores", str(study.model_scores), "--out", str(out)),
        ]
    )


def _edit_manifest(study: StudyFiles, edit: Callable[[list[str]], list[str]]) -> None:
    lines = study.manifest.read_text(encoding="utf-8").splitlines()
    study.manifest.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _empty_recombined(lines: list[str]) -> list[str]:
    cells = lines[1].split(",")
    cells[lines[0].split(",").index("recombined")] = ""
    return [lines[0], ",".join(cells), *lines[2:]]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_empty_recombined, "line 2, column 'recombined': no file given"),
        (lambda lines: [*lines[:5], '"' + lines[5], *lines[6:]], "line 6: malformed CSV"),
    ],
    ids=["empty cell", "unclosed quote"],
)
def test_a_manifest_error_is_reported_once(
    study: StudyFiles, tmp_path: Path, capsys, edit, expected: str
) -> None:
    _edit_manifest(study, edit)
    out = tmp_path / "analysis"
    assert _analyze(study, out) == 2
    error = capsys.readouterr().err
    assert "1 problem in the analysis inputs" in error, error
    assert f"{study.manifest}, {expected}" in error
    assert not out.exists()


def test_excel_s_trailing_empty_columns_are_analysed(study: StudyFiles, tmp_path: Path) -> None:
    """A trailing comma on the header alone, or on every line, is what Excel leaves."""
    _edit_manifest(study, lambda lines: [lines[0] + ",", *lines[1:]])
    reads = study.reads.read_text(encoding="utf-8").splitlines()
    study.reads.write_text("\n".join(line + ",," for line in reads) + "\n", encoding="utf-8")
    out = tmp_path / "analysis"
    assert _analyze(study, out) == 0
    assert (out / "results.json").is_file()


def test_validate_accepts_excel_s_trailing_empty_columns(tmp_path: Path, capsys) -> None:
    path = _manifest(tmp_path, "A,a.dcm,b.dcm,benign")
    path.write_text(path.read_text(encoding="utf-8").replace(HEADER, HEADER + ",,"), "utf-8")
    assert main(["validate", str(path)]) == 1  # its images are not there, but
    out = capsys.readouterr().out
    assert "header" not in out and "fields" not in out  # the table's shape is fine
    assert "line 2, case A, column low_energy" in out
