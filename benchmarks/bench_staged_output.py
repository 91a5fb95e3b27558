"""How long a command's output takes to move into place, and how long Ctrl-C waits meanwhile.

A synthetic cohort (``synth``, full size: 3 files per case, 0.5 GB for 30 cases) is generated
once; then its files are staged again and again and moved into place through
:class:`~model_core.staged_output.StagedOutput`, first into an empty folder, then over the
earlier copy (``synth --overwrite``). For each run it prints

* the seconds Ctrl-C and SIGTERM are held back (``held_seconds``: the renames, the record,
  removing the staging folder with the replaced files), and
* the seconds of the checks and SHA-256 fingerprints before that (interrupts not held),

next to the peer way of the earlier design, which moved whole top-level folders with one rename
each and then deleted the replaced folder (one ``os.replace`` per entry + ``shutil.rmtree``).

    .venv/bin/python benchmarks/bench_staged_output.py [--cases 30] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from model_core.staged_output import RECORD_FILE, StagedOutput
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort


def _stage_copy(source: Path, staging: Path) -> None:
    for entry in source.iterdir():
        if entry.name == RECORD_FILE:
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)


def time_staged_output(source: Path, root: Path, repeats: int) -> None:
    out = root / "cohort"
    held, prepared = [], []
    for run in range(repeats + 1):
        output = StagedOutput(out, "synth", exclusive=True)
        with output as staging:
            _stage_copy(source, staging)
            ended = time.perf_counter()
        total = time.perf_counter() - ended
        label = "into an empty folder" if run == 0 else "over the earlier cohort"
        print(
            f"  StagedOutput {label:24s}: interrupts held {output.held_seconds * 1000:6.0f} ms, "
            f"checks + SHA-256 before {(total - output.held_seconds) * 1000:6.0f} ms"
        )
        if run:
            held.append(output.held_seconds)
            prepared.append(total - output.held_seconds)
    print(
        f"  median over {repeats} overwrites: held {statistics.median(held) * 1000:.0f} ms, "
        f"prepared {statistics.median(prepared) * 1000:.0f} ms"
    )


def time_folder_renames(source: Path, root: Path, repeats: int) -> None:
    """The earlier design's moves: one rename per top-level entry, then delete the old ones."""
    out = root / "peer"
    out.mkdir()
    _stage_copy(source, out)
    samples = []
    for _ in range(repeats):
        staging = Path(tempfile.mkdtemp(dir=out, prefix=".peer-staging-"))
        _stage_copy(source, staging)
        retired = staging / ".retired"
        retired.mkdir()
        started = time.perf_counter()
        for entry in sorted(staging.iterdir()):
            if entry.name == ".retired":
                continue
            target = out / entry.name
            if target.exists():
                os.replace(target, retired / entry.name)
            os.replace(entry, target)
        shutil.rmtree(staging)
        samples.append(time.perf_counter() - started)
    print(
        f"  peer: whole folders renamed + old deleted: {statistics.median(samples) * 1000:.0f} ms "
        f"(median of {repeats})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-staged-") as folder:
        root = Path(folder)
        source = root / "source"
        started = time.perf_counter()
        synthesize_cohort(CohortSettings(cases=args.cases, seed=1, size="full"), source)
        files = [p for p in source.rglob("*") if p.is_file() and p.name != RECORD_FILE]
        size = sum(path.stat().st_size for path in files)
        print(
            f"{args.cases} full-size cases: {len(files)} files, {size / 1e9:.2f} GB "
            f"(generated in {time.perf_counter() - started:.0f} s)"
        )
        time_staged_output(source, root, args.repeats)
        time_folder_renames(source, root, args.repeats)


if __name__ == "__main__":
    main()
