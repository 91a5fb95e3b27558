"""``cesm-reader import cdd-cesm``: warning, summary, exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from cdd_cesm_files import write_standard_dataset

from cesm_cli.main import main
from cesm_cli.progress import bar_text


def test_import_prints_the_spacing_warning_and_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_standard_dataset(tmp_path / "CDD")
    status = main(["import", "cdd-cesm", str(tree.root), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert status == 0
    assert captured.err.count("WARNING") == 2 and "--pixel-spacing" in captured.err
    assert "6 cases ->" in captured.out
    assert "by label: benign 4, malignant 2" in captured.out
    assert "left out: normal 1, unpaired 1" in captured.out
    assert (tmp_path / "out" / "manifest.csv").is_file()


def test_given_spacing_means_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = write_standard_dataset(tmp_path / "CDD")
    arguments = ["import", "cdd-cesm", str(tree.root), "--out", str(tmp_path / "out")]
    assert main([*arguments, "--pixel-spacing", "0.07", "--view", "CC"]) == 0
    captured = capsys.readouterr()
    assert "WARNING" not in captured.err and "pixel spacing 0.07 mm" in captured.out


@pytest.mark.parametrize(
    ("extra", "words"),
    [(["--pixel-spacing", "0"], "--pixel-spacing 0.0"), ([], "not a folder")],
)
def test_input_errors_exit_2_with_a_message_and_no_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], words: str
) -> None:
    arguments = ["import", "cdd-cesm", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]
    assert main([*arguments, *extra]) == 2
    err = capsys.readouterr().err
    assert "cesm-reader import: error:" in err and words in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("done", "total", "text"),
    [(0, 4, "x [..........] 0/4"), (2, 4, "x [#####.....] 2/4"), (4, 4, "x [##########] 4/4")],
)
def test_progress_bar_text(done: int, total: int, text: str) -> None:
    assert bar_text(done, total, "x", width=10) == text
