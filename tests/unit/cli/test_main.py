"""The command-line dispatcher: subcommands are listed, loaded lazily, and input errors exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cesm_cli import main as cli


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in cli.COMMANDS:
        assert command.name in out


@pytest.mark.parametrize("command", cli.COMMANDS, ids=lambda command: command.name)
def test_every_subcommand_module_exists_and_has_help(command: cli.Command) -> None:
    module = command.load()
    assert module.HELP
    assert callable(module.add_arguments)
    assert callable(module.run)


def test_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_building_the_parser_for_validate_imports_no_heavy_library() -> None:
    """``validate`` must start fast: no plotting, TensorFlow or Qt behind it."""
    probe = (
        "import sys; from cesm_cli.main import build_parser; build_parser(['validate']); "
        "heavy = {'matplotlib', 'tensorflow', 'keras', 'PySide6', 'sklearn', 'highdicom'}; "
        "print(sorted(heavy & {name.split('.')[0] for name in sys.modules}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_input_errors_are_printed_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no_such_manifest.csv"
    assert (
        cli.main(
            [
                "preprocess",
                str(missing),
                "--case",
                "C1",
                "--backbone",
                "xception",
                "--out",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "cesm-reader preprocess: error:" in err
    assert str(missing) in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
