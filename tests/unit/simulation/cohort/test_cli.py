"""``cesm-reader synth``: exit codes, summary, and nothing written on bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth_files import read_manifest

from cesm_cli.main import main


def test_synth_writes_a_cohort_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cohort"
    status = main(
        [
            "synth",
            "--out",
            str(out),
            "--cases",
            "2",
            "--seed",
            "3",
            "--size",
            "small",
            "--center",
            "external",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "2 cases" in printed and "benign" in printed and " s " in printed
    assert [row["center"] for row in read_manifest(out)] == ["external", "external"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--cases", "0"], "cases"),
        (["--cases", "2", "--malignant-fraction", "1.2"], "malignant fraction"),
        (["--cases", "2", "--malignant-fraction", "-0.5"], "malignant fraction"),
    ],
)
def test_bad_settings_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    out = tmp_path / "cohort"
    status = main(["synth", "--out", str(out), "--seed", "1", "--size", "small", *arguments])
    assert status == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_existing_output_needs_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cohort"
    base = ["synth", "--out", str(out), "--cases", "1", "--seed", "1", "--size", "small"]
    assert main(base) == 0
    assert main(base) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*base, "--overwrite"]) == 0


@pytest.mark.parametrize("option", [["--size", "huge"], ["--center", "moon"], ["--cases", "many"]])
def test_unknown_choices_are_usage_errors(tmp_path: Path, option: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(tmp_path / "c"), "--cases", "1", "--seed", "1", *option])
    assert exit_info.value.code == 2
    assert list(tmp_path.iterdir()) == []
