"""``cesm-reader simulate-reads``: a simulated reader study on a manifest's labelled cases.

For trying ``cesm-reader analyze`` (and the report) before real radiologists have read anything:
writes ``reads.csv`` (DESIGN §3.3) and ``model_scores.csv`` (§3.4, with ``fold_1`` … ``fold_5``)
for the manifest's labelled cases. The readers and the model are simulated by
:mod:`studies.simulation.reader_study`; the same ``--seed`` always gives the same files. Nothing is
written when the manifest is unusable; files are written to a temporary folder first and moved
into ``--out`` together.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from studies.errors import SynthesisError
from studies.simulation.reader_study import simulate_from_manifest

NAME = "simulate-reads"
HELP = "Simulate a reader study (reads.csv + model_scores.csv) on a manifest's labelled cases."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``simulate-reads``."""
    parser.add_argument(
        "--manifest", required=True, type=Path, help="case manifest CSV with labels"
    )
    parser.add_argument("--readers", type=int, default=5, help="number of readers (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--study-id", default="SIM", help="study_id written to every read")
    parser.add_argument("--out", required=True, type=Path, help="output folder")


def run(args: argparse.Namespace) -> int:
    """Simulate and write ``reads.csv`` and ``model_scores.csv``; 0 on success."""
    if args.out.exists() and not args.out.is_dir():
        raise SynthesisError(f"--out {args.out}: exists and is not a folder")
    study = simulate_from_manifest(
        args.manifest, n_readers=args.readers, seed=args.seed, study_id=args.study_id
    )
    parent = args.out if args.out.is_dir() else args.out.absolute().parent  # see analyze
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{args.out.absolute().name}.", dir=parent))
    try:
        study.write(staging)
        args.out.mkdir(parents=True, exist_ok=True)
        written = []
        for path in sorted(staging.iterdir()):
            path.replace(args.out / path.name)
            written.append(args.out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    n_cases = study.model_scores.shape[0]
    print(f"Simulated {args.readers} readers × {n_cases} cases × 2 sessions (seed {args.seed}).")
    for path in written:
        print(f"wrote {path}")
    return 0
