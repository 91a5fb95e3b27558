"""The installed application finds what it ships with: ``resources/`` travels in the wheel as
data files, and an installed copy (no source tree beside it) finds the demo study and the
embedded demo model there."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RESOURCES = ROOT / "resources"

pytestmark = pytest.mark.slow


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built as ``make setup`` builds the project: pip with the build isolation (setuptools
    from the package index, as ``[build-system]`` asks; the environment's may be older)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(folder),
            str(ROOT),
        ],
        check=True,
        cwd=folder,
    )
    (built,) = folder.glob("cesm_reader-*.whl")
    return built


def test_every_file_of_resources_is_in_the_wheel_unchanged(wheel: Path) -> None:
    shipped = {
        path.relative_to(RESOURCES).as_posix(): _digest(path.read_bytes())
        for path in RESOURCES.rglob("*")
        if path.is_file()
    }
    assert "models/demo_cbam_xception/model.json" in shipped
    with zipfile.ZipFile(wheel) as archive:
        packaged = {
            name.split("/share/cesm-reader/", 1)[1]: _digest(archive.read(name))
            for name in archive.namelist()
            if "/share/cesm-reader/" in name
        }
    assert packaged == shipped  # a file added to resources/ must be listed in pyproject.toml


def test_an_installed_copy_finds_the_demo_study_and_model_without_a_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    prefix = tmp_path / "prefix"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--ignore-installed", "--quiet",
         "--prefix", str(prefix), str(wheel)],
        check=True,
    )  # fmt: skip
    (dist_info,) = prefix.rglob("cesm_reader-*.dist-info")
    site = dist_info.parent  # where this platform's scheme put the packages
    code = (
        "import studies.engine.demo_study as d; "
        "print(d.__file__); print(d.DEMO_DEFINITION); print(d.demo_model_available())"
    )
    # -S: no .pth files, so the development install's editable finder stays out; the
    # dependencies come from this environment's site-packages, after the installed copy
    dependencies = sysconfig.get_path("purelib")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), dependencies])}
    run = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the source tree
        env=environment,
    )
    assert run.returncode == 0, run.stderr
    module, definition, available = run.stdout.splitlines()
    assert Path(module).is_relative_to(site)  # the installed copy, not the checkout
    assert Path(definition) == (prefix / "share/cesm-reader/demo_study/study.toml").resolve()
    assert Path(definition).read_bytes() == (RESOURCES / "demo_study/study.toml").read_bytes()
    assert available == "True"
