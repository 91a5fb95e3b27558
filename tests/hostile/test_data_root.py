"""Manifests pointing outside their folder: followed for a researcher, refused under a data root.

Each hostile path leads to a named pipe outside the data root: had the tool opened it, the
command would hang (the test's timeout would fail it), so a quick, located refusal proves the
file was never opened. The path may be the manifest's own cell, or the data file that a
detached NRRD or MetaImage header inside the root names in turn.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files import snapshot

from model_core.errors import ManifestError
from model_core.manifest import validate_manifest
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


def _validate(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cesm_cli", "validate", *map(str, arguments)],
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
    result = _validate(manifest, "--confine")
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
    assert _validate(manifest, "--confine").returncode == 1


def test_preprocess_honours_the_data_root(cohort: Path, tmp_path: Path) -> None:
    manifest = _variant(cohort, tmp_path, "../secret.dcm")
    out = tmp_path / "out.png"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "cesm_cli", "preprocess", str(manifest)),
            *("--case", "INT0001", "--backbone", "xception", "--out", str(out), "--confine"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "outside the data root" in result.stderr
    assert not out.exists()


# ------------------------------------------------- the data file of a detached image header

#: A little ramp image of 64 × 48 pixels of uint16, 0.1 mm pixels, as raw bytes.
_SIZE = (64, 48)
_PIXELS = bytes(range(256)) * (_SIZE[0] * _SIZE[1] * 2 // 256)


def _nrrd_header(data_file: str) -> str:
    return (
        "NRRD0004\ntype: unsigned short\ndimension: 2\nsizes: 64 48\n"
        "spacings: 0.1 0.1\nendian: little\nencoding: raw\n"
        f"data file: {data_file}\n"
    )


def _meta_image_header(data_file: str) -> str:
    return (
        "ObjectType = Image\nNDims = 2\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
        "ElementSpacing = 0.1 0.1\nDimSize = 64 48\nElementType = MET_USHORT\n"
        f"ElementDataFile = {data_file}\n"
    )


def _detached_study(tmp_path: Path, kind: str, data_file: str) -> Path:
    """``root/manifest.csv`` with one case whose low-energy image is ``root/cases/le.<kind>``,
    a detached header naming ``data_file``; its other files are plain and inside the root."""
    cases = tmp_path / "root" / "cases"
    cases.mkdir(parents=True)
    (cases / "inside.raw").write_bytes(_PIXELS)
    header = _nrrd_header if kind == "nhdr" else _meta_image_header
    (cases / f"le.{kind}").write_text(header(data_file), encoding="ascii")
    (cases / f"rc.{kind}").write_text(header("inside.raw"), encoding="ascii")
    mask = bytearray(_SIZE[0] * _SIZE[1])
    for row in range(4, 44):  # a 40 × 40 pixel lesion, 5.6 mm across
        mask[row * _SIZE[0] + 10 : row * _SIZE[0] + 50] = b"\x01" * 40
    (cases / "mask.raw").write_bytes(bytes(mask))
    mask_header = header("mask.raw").replace("unsigned short", "unsigned char")
    (cases / f"mask.{kind}").write_text(
        mask_header.replace("MET_USHORT", "MET_UCHAR"), encoding="ascii"
    )
    manifest = tmp_path / "root" / "manifest.csv"
    manifest.write_text(
        "case_id,low_energy,recombined,mask,label\n"
        f"C1,cases/le.{kind},cases/rc.{kind},cases/mask.{kind},benign\n",
        encoding="utf-8",
    )
    return manifest


def _outside_data_file(tmp_path: Path, how: str) -> Path:
    secret = tmp_path / "secret" / "secret.raw"
    secret.parent.mkdir()
    if how == "fifo":
        os.mkfifo(secret)
    else:
        secret.write_bytes(_PIXELS)
    return secret


DETACHED = [
    ("nhdr", "dot-dot", "NRRD"),
    ("mhd", "absolute", "MetaImage"),
]


@pytest.mark.parametrize(("kind", "how", "format_name"), DETACHED, ids=["nrrd", "metaimage"])
@pytest.mark.parametrize("outside", ["fifo", "file"])
def test_a_detached_header_s_data_file_outside_the_root_is_refused_unopened(
    tmp_path: Path, cesm_reader, kind: str, how: str, format_name: str, outside: str
) -> None:
    secret = _outside_data_file(tmp_path, outside)
    named = "../../secret/secret.raw" if how == "dot-dot" else str(secret)
    manifest = _detached_study(tmp_path, kind, named)
    before = snapshot(tmp_path / "root")
    result = cesm_reader("validate", manifest, "--confine", timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    root = manifest.parent.resolve()
    assert (
        f"line 2, case C1, column low_energy ({manifest.parent / 'cases' / f'le.{kind}'}): "
        f"the data file {named!r} that the {format_name} header names is outside the data "
        f"root {root}" in result.stdout
    ), result.stdout
    assert f"resolves to {secret.resolve()}" in result.stdout or how == "absolute"
    assert "1 case, 1 error, 0 warnings" in result.stdout  # the files inside the root are fine
    assert snapshot(tmp_path / "root") == before


@pytest.mark.parametrize(("kind", "how", "format_name"), DETACHED, ids=["nrrd", "metaimage"])
def test_preprocess_refuses_a_data_file_outside_the_root(
    tmp_path: Path, cesm_reader, kind: str, how: str, format_name: str
) -> None:
    secret = _outside_data_file(tmp_path, "file")
    named = "../../secret/secret.raw" if how == "dot-dot" else str(secret)
    manifest = _detached_study(tmp_path, kind, named)
    out = tmp_path / "out.png"
    arguments = ("--case", "C1", "--backbone", "resnet50", "--out", out)
    result = cesm_reader("preprocess", manifest, *arguments, "--confine", timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "line 2, case C1, column low_energy" in result.stderr
    assert f"that the {format_name} header names is outside the data root" in result.stderr
    assert not out.exists()
    # the same case is read, outside file and all, for a researcher's own manifest
    assert cesm_reader("preprocess", manifest, *arguments, timeout=120).returncode == 0
    assert out.is_file()


def test_a_data_file_inside_the_root_is_read(tmp_path: Path, cesm_reader) -> None:
    manifest = _detached_study(tmp_path, "nhdr", "inside.raw")
    result = cesm_reader("validate", manifest, "--confine", timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ the option's own value


@pytest.mark.parametrize("what", ["missing", "a file"])
def test_a_data_root_that_is_not_a_folder_is_one_option_error(
    cohort: Path, tmp_path: Path, what: str
) -> None:
    root = tmp_path / "nowhere"
    if what == "a file":
        root.write_text("not a folder", encoding="utf-8")
    result = _validate(cohort / "manifest.csv", "--data-root", str(root))
    assert result.returncode == 2
    expected = "no such folder" if what == "missing" else "not a folder"
    assert f"argument --data-root: {root}: {expected}" in result.stderr
    assert "outside the data root" not in result.stdout + result.stderr
    assert result.stdout == ""


def test_the_api_checks_the_data_root_once(cohort: Path, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"data root .*nowhere: does not exist"):
        validate_manifest(cohort / "manifest.csv", data_root=tmp_path / "nowhere")


def test_data_root_cannot_swallow_the_manifest(cohort: Path) -> None:
    manifest = cohort / "manifest.csv"
    given_first = _validate("--data-root", str(cohort), str(manifest))
    assert given_first.returncode == 0, given_first.stdout + given_first.stderr
    confined_first = _validate("--confine", str(manifest))
    assert confined_first.returncode == 0, confined_first.stdout + confined_first.stderr
    # the old spelling, `--data-root MANIFEST`, now names a folder that is not one
    swallowed = _validate("--data-root", str(manifest))
    assert swallowed.returncode == 2
    assert f"argument --data-root: {manifest}: not a folder" in swallowed.stderr
    both = _validate(str(manifest), "--confine", "--data-root", str(cohort))
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr
