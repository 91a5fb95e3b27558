"""``cesm-reader validate``: report text, JSON, exit statuses, and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cesm_files import COLUMNS, ROWS, write_mask

from cesm_cli.main import main


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


def test_valid_manifest_exits_0_with_a_summary(cohort, capsys):
    path = cohort.write()
    before = _snapshot(cohort.folder)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "3 cases, 0 errors, 0 warnings"
    assert _snapshot(cohort.folder) == before


def test_errors_exit_1_one_line_per_issue(cohort, capsys):
    write_mask(cohort.images() / "C002_mask.nii.gz", np.zeros((ROWS, COLUMNS), bool))
    (cohort.images() / "C003_le.dcm").unlink()
    path = cohort.write()
    before = _snapshot(cohort.folder)
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    mask = cohort.images() / "C002_mask.nii.gz"
    image = cohort.images() / "C003_le.dcm"
    assert lines == [
        f"manifest {path}",
        "errors:",
        f"  line 3, case C002, column mask ({mask}): mask is empty",
        f"  line 4, case C003, column low_energy ({image}): no such file",
        "3 cases, 2 errors, 0 warnings",
    ]
    assert _snapshot(cohort.folder) == before


def test_warnings_alone_exit_0(cohort, capsys):
    write_mask(
        cohort.images() / "C001_mask.nii.gz",
        np.eye(ROWS, COLUMNS, dtype=bool) | np.eye(ROWS, COLUMNS, k=30, dtype=bool),
    )
    assert main(["validate", str(cohort.write())]) == 0
    out = capsys.readouterr().out
    assert "warnings:\n  line 2, case C001, column mask" in out
    assert out.splitlines()[-1] == "3 cases, 0 errors, 1 warning"


def test_json_report(cohort, capsys):
    (cohort.images() / "C003_le.dcm").unlink()
    assert main(["validate", str(cohort.write()), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["cases"], report["errors"], report["ok"]) == (3, 1, False)
    assert report["issues"][0]["line"] == 4
    assert report["issues"][0]["column"] == "low_energy"


def test_not_a_manifest_exits_2(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text("case_id,probability\nA,0.3\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert "line 1, column low_energy: required column is missing" in out
    assert _snapshot(tmp_path) == before


def test_missing_manifest_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "absent.csv")]) == 2
    assert f"{tmp_path / 'absent.csv'}: file not found" in capsys.readouterr().out


@pytest.mark.slow  # a fresh interpreter imports every subcommand (~4 s on 2 busy cores)
def test_console_entry_point_exit_status(cohort):
    (cohort.images() / "C001_re.dcm").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "cesm_cli", "validate", str(cohort.write())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "column recombined" in result.stdout
