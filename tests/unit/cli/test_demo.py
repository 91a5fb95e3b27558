"""``cesm-reader demo`` runs every step end to end and only ever replaces its own output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cesm_cli.commands.demo import MARKER_FILE
from cesm_cli.main import main


@pytest.mark.slow
def test_demo_runs_end_to_end_and_can_be_rerun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    argv = ["demo", "--out", str(out), "--cases", "12", "--size", "small", "--readers", "3"]

    assert main(argv) == 0
    results = json.loads((out / "analysis" / "results.json").read_text())
    assert sorted(results["readers"]) == ["R1", "R2", "R3"]
    assert (out / "analysis" / "report.html").stat().st_size > 10_000
    assert len(list((out / "cohort" / "cases").iterdir())) == 12
    assert len(list(out.glob("model_input_*.png"))) == 1
    assert "0 errors" in capsys.readouterr().out

    (out / "my_notes.txt").write_text("written by the user between runs")
    first_reads = (out / "study" / "reads.csv").read_bytes()
    assert main(argv) == 0  # a previous demo is replaced, not refused
    assert (out / "my_notes.txt").read_text() == "written by the user between runs"
    assert (out / "study" / "reads.csv").read_bytes() == first_reads  # same seed, same study
    assert (out / MARKER_FILE).is_file()


def test_demo_refuses_a_folder_that_is_not_a_demo_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("irreplaceable")

    assert main(["demo", "--out", str(precious)]) == 2
    assert "not a previous demo output" in capsys.readouterr().err
    assert [p.name for p in precious.iterdir()] == ["chapter1.tex"]
