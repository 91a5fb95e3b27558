"""Hostile and careless output destinations, through the command line as a user runs it.

Every command that writes files is run against each kind of bad destination; each must exit 2
with a message naming the destination, print no traceback, and leave the folders involved
exactly as they were (compared by a listing of names, sizes and contents before and after).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cdd_cesm_files import write_standard_dataset
from staging_progress import wait_until_staged

from studies.simulation.reader_study import StudyFiles, write_simulated_study


def _listing(root: Path) -> dict[str, bytes | str | None]:
    """Every path under ``root`` with its content (``None`` for folders, the target for a
    symbolic link)."""
    return {
        str(path.relative_to(root)): (
            os.readlink(path) if path.is_symlink() else None if path.is_dir() else path.read_bytes()
        )
        for path in sorted(root.rglob("*"))
    }


def _cli(*argv: str, cwd: Path | None = None, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cesm_cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        **options,
    )


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return write_simulated_study(tmp_path_factory.mktemp("inputs"), n_cases=20, n_readers=2)


def _cdd_dataset(study: StudyFiles) -> Path:
    """A small copy of the CDD-CESM layout beside the study's inputs (written once)."""
    root = study.manifest.parent / "CDD-CESM"
    if not root.exists():
        write_standard_dataset(root)
    return root


def _commands(study: StudyFiles, out: Path) -> dict[str, list[str]]:
    return {
        "import": [
            *("import", "cdd-cesm", str(_cdd_dataset(study)), "--out", str(out)),
            *("--pixel-spacing", "0.1"),
        ],
        "synth": ["synth", "--out", str(out), "--cases", "1", "--seed", "1", "--size", "small"],
        "simulate-reads": ["simulate-reads", "--manifest", str(study.manifest), "--out", str(out)],
        "analyze": [
            *("analyze", "--reads", str(study.reads), "--manifest", str(study.manifest)),
            *("--out", str(out)),
        ],
    }


COMMANDS = ["synth", "simulate-reads", "analyze", "import"]


def _with_out(argv: list[str], out: str) -> list[str]:
    changed = list(argv)
    changed[changed.index("--out") + 1] = out
    return changed


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_inside_a_read_only_folder_is_refused(
    study: StudyFiles, tmp_path: Path, command: str, as_ordinary_user: dict[str, Any]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        before = _listing(tmp_path)
        result = _cli(*_commands(study, locked / "out")[command], **as_ordinary_user)
        assert result.returncode == 2, result.stderr
        assert f"cannot write in {locked}" in result.stderr
        assert _listing(tmp_path) == before
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_on_a_read_only_file_system_is_refused(study: StudyFiles, command: str) -> None:
    """``/proc`` is read-only for everyone, root included."""
    result = _cli(*_commands(study, Path("/proc/cesm-out"))[command])
    assert result.returncode == 2, result.stderr
    assert "cannot write in /proc" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_below_a_file_is_refused(study: StudyFiles, tmp_path: Path, command: str) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine", encoding="utf-8")
    before = _listing(tmp_path)
    result = _cli(*_commands(study, blocker / "sub")[command])
    assert result.returncode == 2, result.stderr
    assert f"{blocker} is a file, not a folder" in result.stderr
    assert _listing(tmp_path) == before


def test_synth_into_the_current_empty_folder(tmp_path: Path) -> None:
    """``--out .`` is the current folder, used like any other."""
    here = tmp_path / "here"
    here.mkdir()
    result = _cli("synth", "--out", ".", "--cases", "1", "--seed", "1", "--size", "small", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / "manifest.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]  # nothing beside it
    assert not [p for p in here.iterdir() if p.name.startswith(".cesm-reader-staging")]


def test_simulate_reads_never_replaces_a_reads_file_it_did_not_write(
    study: StudyFiles, tmp_path: Path
) -> None:
    out = tmp_path / "study"
    out.mkdir()
    (out / "reads.csv").write_text("the real study's reads\n", encoding="utf-8")
    before = _listing(tmp_path)
    result = _cli(*_commands(study, out)["simulate-reads"])
    assert result.returncode == 2
    assert "did not write" in result.stderr and "reads.csv" in result.stderr
    assert _listing(tmp_path) == before


def test_simulate_reads_replaces_its_own_earlier_output(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "study"
    argv = _commands(study, out)["simulate-reads"]
    assert _cli(*argv).returncode == 0
    assert _cli(*argv, "--seed", "9").returncode == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "model_scores.csv",
        "reads.csv",
    ]


def test_sigterm_during_synth_leaves_no_staging(
    tmp_path: Path, start_cesm_reader: Callable[..., subprocess.Popen[str]]
) -> None:
    """SIGTERM is handled as Ctrl-C: the staged cohort is removed, ``--out`` never appears."""
    out = tmp_path / "cohort"
    argv = ["synth", "--out", str(out), "--cases", "200", "--seed", "1", "--size", "full"]
    process = start_cesm_reader(*argv)
    wait_until_staged(process, 1)  # the staging folder holds a case
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr  # 128 + SIGTERM, as a shell reports it
    assert "interrupted; nothing half-written was left behind" in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [*COMMANDS, "demo", "study export"])
def test_an_empty_out_is_refused(study: StudyFiles, tmp_path: Path, command: str) -> None:
    """An empty ``--out`` (a variable that was not set) must not mean the current folder."""
    here = tmp_path / "here"
    here.mkdir()
    argv = {
        **{name: _with_out(argv, "") for name, argv in _commands(study, here).items()},
        "demo": ["demo", "--out", ""],
        "study export": ["study", "export", "--out", "", "--db", "sqlite:///none.db"],
    }[command]
    result = _cli(*argv, cwd=here)
    assert result.returncode == 2, result.stderr
    assert "argument --out: give a folder; '.' for the current one" in result.stderr
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_broken_symbolic_link_as_out_is_named_as_such(
    study: StudyFiles, tmp_path: Path, command: str
) -> None:
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "unmounted-disk")
    before = _listing(tmp_path)
    result = _cli(*_commands(study, out)[command])
    assert result.returncode == 2, result.stderr
    assert f"--out {out}: is a broken symbolic link (to {tmp_path / 'unmounted-disk'})" in (
        result.stderr
    )
    assert _listing(tmp_path) == before


@pytest.mark.parametrize(
    ("command", "name", "missing_input"),
    [("analyze", "results.json", "--reads"), ("simulate-reads", "reads.csv", "--manifest")],
)
def test_a_name_conflict_is_refused_before_the_inputs_are_read(
    study: StudyFiles, tmp_path: Path, command: str, name: str, missing_input: str
) -> None:
    """A user's file where the command will write is refused first, before any work (not
    after an ``analyze --bootstrap 20000`` has run)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the user's own\n", encoding="utf-8")
    argv = _commands(study, out)[command]
    missing = tmp_path / "missing.csv"
    argv[argv.index(missing_input) + 1] = str(missing)
    result = _cli(*argv)
    assert result.returncode == 2, result.stderr
    assert f"would replace files this tool did not write: {name};" in result.stderr
    assert str(missing) not in result.stderr
    assert (out / name).read_text(encoding="utf-8") == "the user's own\n"


def test_analyze_leaves_a_pdf_it_will_not_write_alone(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF the coordinator's own")
    result = _cli(*_commands(study, out)["analyze"])  # no --pdf
    assert result.returncode == 0, result.stderr
    assert (out / "report.pdf").read_bytes() == b"%PDF the coordinator's own"
