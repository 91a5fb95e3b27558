"""Manifest values that used to pass unnoticed into simulated studies and analyses."""

from __future__ import annotations

from pathlib import Path

from cesm_cli.main import main

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


def test_validate_accepts_excel_s_trailing_empty_columns(tmp_path: Path, capsys) -> None:
    path = _manifest(tmp_path, "A,a.dcm,b.dcm,benign")
    path.write_text(path.read_text(encoding="utf-8").replace(HEADER, HEADER + ",,"), "utf-8")
    assert main(["validate", str(path)]) == 1  # its images are not there, but
    out = capsys.readouterr().out
    assert "header" not in out and "fields" not in out  # the table's shape is fine
    assert "line 2, case A, column low_energy" in out
