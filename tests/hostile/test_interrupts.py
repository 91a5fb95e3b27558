"""Ctrl-C, SIGTERM, SIGKILL and a closed pipe, sent to the command line as it runs.

The README promises that Ctrl-C or SIGTERM leave nothing half-written. Each test starts the
command in a child process, waits until it is at the moment under test (staging a cohort,
removing its staging folder, moving its output into place), signals it, and checks what is left
on disk, the exit status (128 + the signal, as a shell reports it) and the message.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from staging_progress import wait_until_staged

from model_core.staged_output import RECORD_FILE
from studies.simulation.reader_study import StudyFiles, write_simulated_study

Start = Callable[..., subprocess.Popen[str]]
Run = Callable[..., subprocess.CompletedProcess[str]]
NOTHING_HALF_WRITTEN = "interrupted; nothing half-written was left behind"


def _synth(out: Path, cases: int, seed: int = 1, *options: str) -> list[object]:
    return ["synth", "--out", out, "--cases", cases, "--seed", seed, "--size", "small", *options]


def _staged_files(root: Path) -> int | None:
    """Files in the staging folders under ``root``; ``None`` when there is no staging folder."""
    folders = list(root.rglob(".cesm-reader-staging-*"))
    if not folders:
        return None
    return sum(len(files) for folder in folders for _, _, files in os.walk(folder))


def _finish(process: subprocess.Popen[str]) -> str:
    _, stderr = process.communicate(timeout=180)
    return stderr


def test_ctrl_c_exits_130_and_leaves_nothing(tmp_path: Path, start_cesm_reader: Start) -> None:
    process = start_cesm_reader(*_synth(tmp_path / "cohort", 400))
    wait_until_staged(process, 1)
    process.send_signal(signal.SIGINT)
    stderr = _finish(process)
    assert process.returncode == 130, stderr
    assert f"cesm-reader synth: {NOTHING_HALF_WRITTEN}" in stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_second_sigterm_during_the_clean_up_does_not_cut_it_short(
    tmp_path: Path, start_cesm_reader: Start
) -> None:
    """The first SIGTERM starts removing the staged cohort; a second one, sent while it is
    being removed, must not leave the rest of it behind."""
    process = start_cesm_reader(*_synth(tmp_path / "cohort", 400))
    wait_until_staged(process, 80)  # 240 files: removing them takes long enough to signal again
    most = _staged_files(tmp_path) or 0
    process.send_signal(signal.SIGTERM)
    second_sent = False
    while process.poll() is None and not second_sent:
        staged = _staged_files(tmp_path)
        if staged is not None and staged < most:  # the staging folder is being removed
            process.send_signal(signal.SIGTERM)
            second_sent = True
        most = max(most, staged or 0)
    stderr = _finish(process)
    assert second_sent, "the clean-up ended before a second signal could be sent"
    assert list(tmp_path.iterdir()) == [], stderr
    assert process.returncode == 143, stderr
    assert f"cesm-reader synth: {NOTHING_HALF_WRITTEN}" in stderr
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_sigterm_just_after_the_moves_leaves_the_new_output_and_no_staging(
    tmp_path: Path, cesm_reader: Run, start_cesm_reader: Start
) -> None:
    """SIGTERM the moment the new record is in place, while the old cohort is being deleted:
    the new cohort stays complete, the old one does not linger in a hidden folder."""
    out = tmp_path / "cohort"
    assert cesm_reader(*_synth(out, 60)).returncode == 0
    record = out / RECORD_FILE
    first = record.stat()
    process = start_cesm_reader(*_synth(out, 60, 2, "--overwrite"))
    while process.poll() is None:
        try:
            now = record.stat()
        except FileNotFoundError:
            continue
        if (now.st_ino, now.st_mtime_ns) != (first.st_ino, first.st_mtime_ns):
            process.send_signal(signal.SIGTERM)
            break
    stderr = _finish(process)
    assert list(tmp_path.rglob(".cesm-reader-staging-*")) == [], stderr
    assert process.returncode in (0, 143), stderr
    assert "Traceback" not in stderr
    assert json.loads((out / "synth.json").read_text())["settings"]["seed"] == 2
    assert len(list((out / "cases").iterdir())) == 60
    if process.returncode == 143 and NOTHING_HALF_WRITTEN not in stderr:
        assert f"interrupted after its output was complete: {out} holds the new output" in stderr


def test_a_killed_run_s_staging_folder_is_removed_by_the_next_run(
    tmp_path: Path, cesm_reader: Run, start_cesm_reader: Start
) -> None:
    """SIGKILL cannot be caught: the next run removes what the dead process staged, and only
    that (not a staging folder of a live process, nor of another machine)."""
    out = tmp_path / "cohort"
    process = start_cesm_reader(*_synth(out, 400))
    wait_until_staged(process, 1)
    process.kill()
    process.wait()
    (abandoned,) = tmp_path.glob(".cesm-reader-staging-*")
    match = re.fullmatch(r"(\.cesm-reader-staging-)(\d+)(@.*)", abandoned.name)
    assert match is not None and int(match.group(2)) == process.pid
    live = tmp_path / f"{match.group(1)}{os.getpid()}{match.group(3)}"
    other_machine = tmp_path / f"{match.group(1)}{process.pid}@elsewhere.example-abcd1234"
    for kept in (live, other_machine):
        kept.mkdir()

    result = cesm_reader(*_synth(out, 1))
    assert result.returncode == 0, result.stderr
    assert not abandoned.exists()
    assert live.is_dir() and other_machine.is_dir()


def test_interrupting_the_demo_stops_it_as_an_interrupt(
    tmp_path: Path, start_cesm_reader: Start
) -> None:
    out = tmp_path / "demo"
    process = start_cesm_reader(
        "demo", "--out", out, "--cases", "300", "--size", "small", "--readers", "2"
    )
    wait_until_staged(process, 1)
    process.send_signal(signal.SIGINT)
    stderr = _finish(process)
    assert process.returncode == 130, stderr
    assert f"cesm-reader demo: {NOTHING_HALF_WRITTEN}" in stderr
    assert "step" not in stderr
    assert list(tmp_path.rglob(".cesm-reader-staging-*")) == []
    assert not (out / "cohort").exists()


def test_the_demo_checks_every_argument_before_the_first_step(
    tmp_path: Path, cesm_reader: Run
) -> None:
    out = tmp_path / "demo"
    result = cesm_reader("demo", "--out", out, "--cases", "10", "--size", "small", "--readers", 0)
    assert result.returncode == 2, result.stderr
    assert "readers: must be between 1 and 1000, got 0" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return write_simulated_study(tmp_path_factory.mktemp("inputs"), n_cases=20, n_readers=2)


def test_a_closed_pipe_ends_the_command_quietly(
    study: StudyFiles, tmp_path: Path, start_cesm_reader: Start
) -> None:
    """``cesm-reader analyze ... | head -1``: the reader of the output went away; the command
    ends as Unix tools do (141, no traceback), its output already complete."""
    out = tmp_path / "analysis"
    analyze = ["analyze", "--reads", study.reads, "--manifest", study.manifest, "--out", out]
    process = start_cesm_reader(*analyze)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `head` does once it has its line
    stderr = process.stderr.read()
    process.wait(timeout=300)
    assert process.returncode == 141, stderr
    assert stderr == ""
    assert (out / "report.html").is_file()


def test_an_interrupt_whose_exception_was_lost_still_stops_the_output(tmp_path: Path) -> None:
    """A signal handler's exception can be swallowed by code it lands in (about one Ctrl-C in
    twelve during ``synth`` was, and the cohort was then written in full); the interrupt is
    noted before it is raised, and the staged output checks the note before committing."""
    from model_core.errors import Interrupted
    from model_core.held_interrupts import clear_interrupts, note_interrupt
    from model_core.staged_output import StagedOutput

    out = tmp_path / "out"
    clear_interrupts()
    try:
        note_interrupt(signal.SIGINT)  # as the handler does; its exception "lost" here
        with pytest.raises(Interrupted), StagedOutput(out, "test") as staging:
            (staging / "result.txt").write_text("complete", encoding="utf-8")
    finally:
        clear_interrupts()
    assert list(tmp_path.iterdir()) == []
