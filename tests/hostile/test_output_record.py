"""The record of what the tool wrote (``.cesm-reader-output.json``), hand-edited or hostile, and
what a command does with folders that hold more than its own output.

The README promises that a command never replaces or deletes a file it did not write. These
tests run the command line in a child process against records that point outside their folder,
records that are symbolic links, cohorts that hold a user's empty folder, a named pipe, an
unreadable folder or another command's output, and copies that did not keep timestamps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from model_core.staged_output import RECORD_FILE
from studies.simulation.reader_study import StudyFiles, write_simulated_study

Run = Callable[..., subprocess.CompletedProcess[str]]


def _snapshot(root: Path) -> dict[str, object]:
    """Every entry under ``root`` (symbolic links not followed): kind, mode and content."""
    entries: dict[str, object] = {}
    for folder, subfolders, files in os.walk(root):
        for name in subfolders + files:
            path = Path(folder) / name
            status = path.lstat()
            if stat.S_ISLNK(status.st_mode):
                entries[str(path.relative_to(root))] = ("link", os.readlink(path))
            elif stat.S_ISREG(status.st_mode):
                entries[str(path.relative_to(root))] = ("file", path.read_bytes())
            else:
                entries[str(path.relative_to(root))] = ("other", stat.S_IFMT(status.st_mode))
    return entries


def _staging_left(root: Path) -> list[Path]:
    return [path for path in root.rglob(".cesm-reader-staging-*")]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return write_simulated_study(tmp_path_factory.mktemp("inputs"), n_cases=20, n_readers=2)


def _analyze(study: StudyFiles, out: Path) -> list[str]:
    return ["analyze", "--reads", study.reads, "--manifest", study.manifest, "--out", out]


def _synth(out: Path, *options: str, seed: int = 1, cases: int = 1) -> list[object]:
    return ["synth", "--out", out, "--cases", cases, "--seed", seed, "--size", "small", *options]


def _edit_record(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / RECORD_FILE
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record), encoding="utf-8")


def _fingerprint(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


# ------------------------------------------------------------------------------ hostile records


def test_a_record_entry_outside_the_folder_never_touches_a_file_there(
    study: StudyFiles, tmp_path: Path, cesm_reader: Run
) -> None:
    """Entries through ``..``, an absolute path or a symbolic link out of the folder, with the
    fingerprint of the file they name, are dropped: the next run deletes nothing outside."""
    out = tmp_path / "analysis"
    assert cesm_reader(*_analyze(study, out)).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victims = [tmp_path / "victim.txt", elsewhere / "absolute.txt", elsewhere / "linked.txt"]
    for victim in victims:
        victim.write_text(f"{victim.name}: the user's\n", encoding="utf-8")
    (out / "link").symlink_to(elsewhere)
    names = ["../victim.txt", str(victims[1]), "link/linked.txt"]

    def point_outside(record: dict[str, Any]) -> None:
        for name, victim in zip(names, victims, strict=True):
            record["files"][name] = {"command": "analyze", "fingerprint": _fingerprint(victim)}

    _edit_record(out, point_outside)
    result = cesm_reader(*_analyze(study, out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    for victim in victims:
        assert victim.read_text(encoding="utf-8") == f"{victim.name}: the user's\n"
    recorded = json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))["files"]
    assert not set(names) & set(recorded)
    assert "results.json" in recorded


@pytest.mark.slow
def test_a_damaged_entry_is_ignored_and_the_rest_of_the_record_still_counts(
    study: StudyFiles, tmp_path: Path, cesm_reader: Run
) -> None:
    out = tmp_path / "analysis"
    assert cesm_reader(*_analyze(study, out), "--pdf").returncode == 0

    def damage(record: dict[str, Any]) -> None:
        record["files"]["notes.txt"] = {"command": "analyze", "fingerprint": ["x", None]}
        record["files"]["table_kappa.csv"] = "not an entry"
        record["folders"] = ["not", "a", "mapping"]

    _edit_record(out, damage)
    result = cesm_reader(*_analyze(study, out))  # without --pdf: the earlier PDF goes
    assert result.returncode == 2, result.stderr  # table_kappa.csv is no longer known as ours
    assert "would replace files this tool did not write: table_kappa.csv;" in result.stderr
    (out / "table_kappa.csv").unlink()
    result = cesm_reader(*_analyze(study, out))
    assert result.returncode == 0, result.stderr
    assert not (out / "report.pdf").exists()


@pytest.mark.parametrize("kind", ["symbolic link", "folder", "named pipe"])
def test_a_record_that_is_not_a_regular_file_is_never_written_through(
    study: StudyFiles, tmp_path: Path, cesm_reader: Run, kind: str
) -> None:
    """``ln -s ~/thesis.txt out/.cesm-reader-output.json`` must not overwrite the thesis; a
    folder or a named pipe there is refused before any work, not after (or forever)."""
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("four years of work\n", encoding="utf-8")
    out = tmp_path / "analysis"
    out.mkdir()
    record = out / RECORD_FILE
    if kind == "symbolic link":
        record.symlink_to(thesis)
    elif kind == "folder":
        record.mkdir()
    else:
        os.mkfifo(record)
    before = _snapshot(tmp_path)
    result = cesm_reader(*_analyze(study, out), timeout=60)
    assert result.returncode == 2, result.stderr
    assert f"{record} is not a regular file" in result.stderr
    assert "Traceback" not in result.stderr
    assert _snapshot(tmp_path) == before


def test_the_demo_never_writes_its_marker_through_a_symbolic_link(
    tmp_path: Path, cesm_reader: Run
) -> None:
    thesis = tmp_path / "thesis.txt"
    thesis.write_text("four years of work\n", encoding="utf-8")
    out = tmp_path / "demo"
    out.mkdir()
    (out / "cesm-demo.json").symlink_to(thesis)
    before = _snapshot(tmp_path)
    result = cesm_reader("demo", "--out", out, "--cases", 10, "--size", "small", "--readers", 1)
    assert result.returncode == 2, result.stderr
    assert "symbolic links or special files (named pipes, devices, sockets): cesm-demo.json" in (
        result.stderr
    )
    assert _snapshot(tmp_path) == before


def test_a_record_the_tool_may_not_rewrite_in_place_is_replaced_whole(
    tmp_path: Path, cesm_reader: Run, as_ordinary_user: dict[str, Any]
) -> None:
    """A read-only record file in a writable folder: the record is renamed into place with
    the outputs, so the run succeeds and the next run still knows the cohort as its own."""
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out), **as_ordinary_user).returncode == 0
    (out / RECORD_FILE).chmod(0o444)
    for seed in (2, 3):
        result = cesm_reader(*_synth(out, "--overwrite", seed=seed), **as_ordinary_user)
        assert result.returncode == 0, result.stderr
        assert json.loads((out / "synth.json").read_text())["settings"]["seed"] == seed
    assert _staging_left(tmp_path) == []


def test_a_move_that_fails_halfway_is_undone(
    tmp_path: Path, cesm_reader: Run, as_ordinary_user: dict[str, Any]
) -> None:
    """The second case's folder is read-only, so replacing its files fails after the first
    case's files moved: those moves are undone and the message says nothing changed."""
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out, cases=2), **as_ordinary_user).returncode == 0
    locked = out / "cases" / "INT0002"
    locked.chmod(0o555)
    try:
        before = _snapshot(tmp_path)
        result = cesm_reader(*_synth(out, "--overwrite", seed=2, cases=2), **as_ordinary_user)
        assert result.returncode == 2, result.stderr
        assert "cannot move the output into place (Permission denied" in result.stderr
        assert "nothing was changed" in result.stderr
        assert _snapshot(tmp_path) == before
    finally:
        locked.chmod(0o755)
    assert cesm_reader(*_synth(out, "--overwrite", seed=2, cases=2)).returncode == 0


# ------------------------------------------------------------------------------ what is in the way


def test_overwrite_never_removes_an_empty_folder_or_a_pipe_it_did_not_make(
    tmp_path: Path, cesm_reader: Run
) -> None:
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out)).returncode == 0
    (out / "cases" / "my_annotations").mkdir()
    os.mkfifo(out / "cases" / "INT0001" / "viewer.pipe")
    before = _snapshot(tmp_path)
    result = cesm_reader(*_synth(out, "--overwrite", seed=2))
    assert result.returncode == 2, result.stderr
    assert "symbolic links or special files (named pipes, devices, sockets): " in result.stderr
    assert "cases/INT0001/viewer.pipe" in result.stderr
    assert "folders this tool did not make: cases/my_annotations" in result.stderr
    assert _snapshot(tmp_path) == before


def test_overwrite_never_moves_an_unreadable_folder(
    tmp_path: Path, cesm_reader: Run, as_ordinary_user: dict[str, Any]
) -> None:
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out), **as_ordinary_user).returncode == 0
    private = out / "cases" / "INT0001" / "private"
    private.mkdir()
    (private / "notes.txt").write_text("mine\n", encoding="utf-8")
    private.chmod(0)
    try:
        result = cesm_reader(*_synth(out, "--overwrite", seed=2), **as_ordinary_user)
        assert result.returncode == 2, result.stderr
        assert "folders that cannot be read: cases/INT0001/private" in result.stderr
        assert _staging_left(tmp_path) == []
    finally:
        private.chmod(0o755)
    assert (private / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_foreign_folder_is_refused_after_the_first_few_things_in_it(
    tmp_path: Path, cesm_reader: Run
) -> None:
    """``synth --out /usr`` must not walk all of /usr before refusing."""
    out = tmp_path / "home"
    for folder in range(8):
        for name in range(20):
            path = out / f"project{folder}" / "src" / f"file{name}.c"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("int main;\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    result = cesm_reader(*_synth(out))
    assert result.returncode == 2, result.stderr
    named = re.search(r"folders this tool did not make: (.*) and more; choose", result.stderr)
    assert named is not None, result.stderr
    assert named.group(1).split(", ") == [f"project{folder}" for folder in range(5)]
    assert _snapshot(tmp_path) == before


def test_another_command_s_output_is_named_by_its_command(tmp_path: Path, cesm_reader: Run) -> None:
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out, cases=4)).returncode == 0
    study = out / "study"
    simulate = ["simulate-reads", "--manifest", out / "manifest.csv", "--out", study]
    assert cesm_reader(*simulate).returncode == 0
    result = cesm_reader(*_synth(out, "--overwrite", seed=2, cases=4))
    assert result.returncode == 2, result.stderr
    assert (
        "holds files written by `cesm-reader simulate-reads`: "
        "study/model_scores.csv, study/reads.csv; choose an empty folder"
    ) in result.stderr
    assert "did not write" not in result.stderr


# ------------------------------------------------------------------------------ copies


@pytest.mark.slow
def test_a_copy_that_did_not_keep_timestamps_is_still_the_tool_s_output(
    study: StudyFiles, tmp_path: Path, cesm_reader: Run
) -> None:
    """``cp -r`` (no ``-p``) changes every modification time; the SHA-256 still recognises the
    files, so a copied cohort or analysis can be rerun in place."""
    cohort, analysis = tmp_path / "cohort", tmp_path / "analysis"
    assert cesm_reader(*_synth(cohort, cases=2)).returncode == 0
    assert cesm_reader(*_analyze(study, analysis)).returncode == 0
    for original in (cohort, analysis):
        shutil.copytree(
            original, original.with_name(f"{original.name}-copy"), copy_function=shutil.copyfile
        )
    copied_manifest = tmp_path / "cohort-copy" / "manifest.csv"
    assert copied_manifest.stat().st_mtime_ns != (cohort / "manifest.csv").stat().st_mtime_ns

    result = cesm_reader(*_synth(tmp_path / "cohort-copy", "--overwrite", seed=2, cases=2))
    assert result.returncode == 0, result.stderr
    result = cesm_reader(*_analyze(study, tmp_path / "analysis-copy"), "--pdf")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "analysis-copy" / "report.pdf").is_file()


def test_an_edit_that_keeps_the_size_is_still_an_edit(tmp_path: Path, cesm_reader: Run) -> None:
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out)).returncode == 0
    manifest = out / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("malignant", "Malignant").replace("benign", "Benign"))
    assert manifest.stat().st_size == len(text.encode("utf-8"))
    result = cesm_reader(*_synth(out, "--overwrite", seed=2))
    assert result.returncode == 2, result.stderr
    assert "files changed since this tool wrote them: manifest.csv" in result.stderr


# ------------------------------------------------------------------------------ one named file


def test_preprocess_replaces_only_its_own_file_unless_told(
    tmp_path: Path, cesm_reader: Run
) -> None:
    cohort = tmp_path / "cohort"
    assert cesm_reader(*_synth(cohort, cases=2)).returncode == 0
    manifest = cohort / "manifest.csv"
    picture = tmp_path / "holiday.png"
    picture.write_bytes(b"the user's own picture")

    def preprocess(out: Path, *options: str) -> subprocess.CompletedProcess[str]:
        case = ["--case", "INT0001", "--backbone", "resnet50"]
        return cesm_reader("preprocess", manifest, *case, "--out", out, *options)

    before = _snapshot(tmp_path)
    refused = preprocess(picture)
    assert refused.returncode == 2, refused.stderr
    assert (
        f"--out {picture}: would replace files this tool did not write: holiday.png; "
        "pass --overwrite to replace it"
    ) in refused.stderr
    assert _snapshot(tmp_path) == before

    own = tmp_path / "model_input.png"
    assert preprocess(own).returncode == 0
    assert preprocess(own).returncode == 0  # its own earlier output: replaced without asking
    recorded = json.loads((tmp_path / RECORD_FILE).read_text(encoding="utf-8"))["files"]
    assert recorded["model_input.png"]["command"] == "preprocess"

    assert preprocess(picture, "--overwrite").returncode == 0
    assert picture.read_bytes().startswith(b"\x89PNG")
