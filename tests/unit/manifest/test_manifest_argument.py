"""One convention for the manifest on the command line (``--manifest``), and ``--version``."""

from __future__ import annotations

import pytest

from cesm_cli.main import main


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("cesm-reader ") and len(out.split()) >= 2


def test_validate_takes_the_manifest_option(cohort, capsys) -> None:
    path = cohort.write()
    assert main(["validate", "--manifest", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == "3 cases, 0 errors, 0 warnings"
    assert "deprecated" not in captured.err


def test_the_positional_manifest_still_works_with_a_deprecation(cohort, capsys) -> None:
    path = cohort.write()
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "positional argument is deprecated" in err and f"--manifest {path}" in err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "required: --manifest"),
        (["a.csv", "--manifest", "b.csv"], "two manifests given"),
    ],
)
def test_no_manifest_or_two_is_an_error(arguments, message, capsys) -> None:
    assert main(["validate", *arguments]) == 2
    assert message in capsys.readouterr().err
