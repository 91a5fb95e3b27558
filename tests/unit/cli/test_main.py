"""The command-line dispatcher: subcommands are listed, input errors exit 2 without a traceback."""

from __future__ import annotations

import argparse

import pytest

from cesm_cli import main as cli
from model_core.errors import ManifestError


def test_help_lists_every_built_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for module in cli._available_commands():
        assert module.NAME in out


def test_missing_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_input_errors_are_printed_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_handler(args: argparse.Namespace) -> int:
        raise ManifestError("manifest.csv, line 3, column label: unknown label 'maybe'")

    parser = argparse.ArgumentParser(prog="cesm-reader")
    parser.set_defaults(handler=failing_handler, command="validate")
    monkeypatch.setattr(cli, "build_parser", lambda: parser)

    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "cesm-reader validate: error: manifest.csv, line 3, column label" in err
    assert "Traceback" not in err
