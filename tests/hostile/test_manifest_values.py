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
