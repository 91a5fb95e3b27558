"""``cesm-reader simulate-reads``: a simulated reader study on a manifest's labelled cases.

For trying ``cesm-reader analyze`` (and the report) before real radiologists have read anything:
writes ``reads.csv`` and ``model_scores.csv`` (with ``fold_1`` … ``fold_5``; both in
docs/formats.md) for the manifest's labelled cases. The readers and the model are simulated by
:mod:`studies.simulation.reader_study`; the same ``--seed`` always gives the same files. Nothing is
written when the manifest or a setting is unusable; the files are staged and moved into ``--out``
together, never over files the tool did not write (:mod:`model_core.staged_output`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cesm_cli.options import output_folder
from model_core.staged_output import StagedOutput
from studies.simulation.reader_study import STUDY_FILES, simulate_from_manifest

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
    parser.add_argument("--out", required=True, type=output_folder, help="output folder")


def run(args: argparse.Namespace) -> int:
    """Simulate and write ``reads.csv`` and ``model_scores.csv``; 0 on success."""
    output = StagedOutput(args.out, NAME, names=STUDY_FILES)  # checks --out before any work
    study = simulate_from_manifest(
        args.manifest, n_readers=args.readers, seed=args.seed, study_id=args.study_id
    )
    with output as staging:
        study.write(staging)
    n_cases = study.model_scores.shape[0]
    readers = f"{args.readers} reader" + ("" if args.readers == 1 else "s")
    cases = f"{n_cases} case" + ("" if n_cases == 1 else "s")
    print(
        f"Simulated {readers} × {cases} × 2 sessions (seed {args.seed}); every read is "
        "simulated and marked so in the files (column 'simulated')."
    )
    for path in output.written:
        print(f"wrote {path}")
    return 0
