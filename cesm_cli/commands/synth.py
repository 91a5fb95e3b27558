"""``cesm-reader synth``: generate a synthetic CESM cohort (DICOM pairs, masks, manifest)."""

from __future__ import annotations

import argparse
import sys

from cesm_cli.options import output_folder
from model_core.errors import Interrupted
from model_core.held_interrupts import pending_interrupt
from studies.simulation.cohort.acquisition import CENTERS, SIZES
from studies.simulation.cohort.cohort import (
    DEFAULT_MALIGNANT_FRACTION,
    CohortSettings,
    synthesize_cohort,
)

NAME = "synth"
HELP = "Generate a synthetic CESM cohort: DICOM low-energy/recombined pairs, masks, manifest."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "--out",
        required=True,
        type=output_folder,
        help="cohort folder to create (must not exist, "
        "be empty, or be a previous synth output with --overwrite)",
    )
    parser.add_argument("--cases", type=int, required=True, help="number of cases (≥ 1)")
    parser.add_argument("--seed", type=int, required=True, help="random seed (≥ 0)")
    parser.add_argument(
        "--malignant-fraction",
        type=float,
        default=DEFAULT_MALIGNANT_FRACTION,
        help=f"probability that a case is malignant (default {DEFAULT_MALIGNANT_FRACTION})",
    )
    parser.add_argument(
        "--size",
        choices=SIZES,
        default="full",
        help="full: detector size (2294×1914 at 0.1 mm internal); small: 4× coarser pixels",
    )
    parser.add_argument(
        "--center", choices=CENTERS, default="internal", help="acquisition centre to mimic"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a previous synth output at --out"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def run(args: argparse.Namespace) -> int:
    """Generate the cohort and print a one-line summary; errors raise SynthesisError."""
    settings = CohortSettings(
        cases=args.cases,
        seed=args.seed,
        malignant_fraction=args.malignant_fraction,
        size=args.size,
        center=args.center,
    )

    def progress(done: int, total: int) -> None:
        signum = pending_interrupt()
        if signum is not None:  # Ctrl-C whose exception was lost: stop after this case
            raise Interrupted(signum)
        if not args.quiet and sys.stderr.isatty():
            print(f"\r  case {done}/{total}", end="" if done < total else "\n", file=sys.stderr)

    result = synthesize_cohort(settings, args.out, overwrite=args.overwrite, progress=progress)
    print(f"cesm-reader synth: {result.summary()}")
    return 0
