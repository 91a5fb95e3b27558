"""Manifests pointing outside their folder: followed for a researcher, refused under a data root.

Each hostile path leads to a named pipe outside the data root: had the tool opened it, the
command would hang (the test's timeout would fail it), so a quick, located refusal proves the
file was never opened.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    synthesize_cohort(CohortSettings(cases=1, seed=3, size="small"), root / "study")
    return root / "study"


def _variant(cohort: Path, tmp_path: Path, low_energy: str) -> Path:
    study = tmp_path / "study"
    shutil.copytree(cohort, study, symlinks=True)
    os.mkfifo(tmp_path / "secret.dcm")
    manifest = study / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("cases/INT0001/low_energy.dcm", low_energy), encoding="utf-8")
    return manifest


def _validate(manifest: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cesm_cli", "validate", str(manifest), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("how", ["dot-dot", "absolute", "symlink"])
def test_files_outside_the_data_root_are_refused_unopened(
    cohort: Path, tmp_path: Path, how: str
) -> None:
    if how == "symlink":
        manifest = _variant(cohort, tmp_path, "cases/INT0001/link.dcm")
        (manifest.parent / "cases" / "INT0001" / "link.dcm").symlink_to(tmp_path / "secret.dcm")
    else:
        target = "../secret.dcm" if how == "dot-dot" else str(tmp_path / "secret.dcm")
        manifest = _variant(cohort, tmp_path, target)
    result = _validate(manifest, "--data-root")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "line 2, case INT0001, column low_energy" in result.stdout
    assert f"the file is outside the data root {manifest.parent.resolve()}" in result.stdout
    if how == "symlink":  # the message says where the link leads
        assert f"resolves to {(tmp_path / 'secret.dcm').resolve()}" in result.stdout


def test_an_explicit_data_root_above_the_manifest_admits_its_files(
    cohort: Path, tmp_path: Path
) -> None:
    manifest = _variant(cohort, tmp_path, "cases/INT0001/low_energy.dcm")
    assert _validate(manifest, "--data-root", str(tmp_path)).returncode == 0


def test_without_a_data_root_a_researcher_s_paths_are_followed(
    cohort: Path, tmp_path: Path
) -> None:
    """``../`` to a real image is legitimate in one's own manifest."""
    manifest = _variant(cohort, tmp_path, "../le.dcm")
    shutil.copy(cohort / "cases" / "INT0001" / "low_energy.dcm", tmp_path / "le.dcm")
    assert _validate(manifest).returncode == 0
    assert _validate(manifest, "--data-root").returncode == 1


def test_preprocess_honours_the_data_root(cohort: Path, tmp_path: Path) -> None:
    manifest = _variant(cohort, tmp_path, "../secret.dcm")
    out = tmp_path / "out.png"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "cesm_cli", "preprocess", str(manifest)),
            *("--case", "INT0001", "--backbone", "xception", "--out", str(out), "--data-root"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "outside the data root" in result.stderr
    assert not out.exists()
