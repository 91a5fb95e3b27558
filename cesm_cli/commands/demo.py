"""``cesm-reader demo``: the embedded demo, end to end, on generated data.

The command-line pipeline (``make demo-pipeline``; ``make demo`` opens the reading workstation,
``cesm-reader app --demo``), in the order a study would use it: it generates a full-size
synthetic CESM cohort, validates its manifest, writes what the classifier will see for one
lesion, simulates a five-reader study with unaided and aided sessions on the cohort, and runs
the bundled analysis with its HTML report.

Each step is the corresponding ``cesm-reader`` subcommand, run in-process, so the demo exercises
exactly what users run. Every argument is checked before the first step. Everything goes under
``--out``; a previous demo there is replaced, but a folder that is not a demo output is refused.
A step's error stops the demo with that error; Ctrl-C or SIGTERM stop it as they stop the step.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from cesm_cli.options import output_folder
from model_core.errors import CesmError, OutputError
from model_core.manifest import load_manifest
from model_core.staged_output import StagedOutput
from model_core.vocabulary import MALIGNANT
from studies.simulation.cohort.cohort import CohortSettings
from studies.simulation.reader_study import check_study_size

HELP = (
    "Run the embedded demo: synthetic CESM cohort, validation, preprocessing of one lesion, "
    "a simulated reader study and its analysis report."
)

#: Written into the output folder so that a later demo may replace it, and nothing else.
NAME = "demo"
MARKER_FILE = "cesm-demo.json"
DEMO_SEED = 2023


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "--out",
        type=output_folder,
        default=Path("demo_output"),
        help="output folder (default demo_output)",
    )
    parser.add_argument(
        "--cases", type=int, default=30, help="cases in the synthetic cohort (default 30)"
    )
    parser.add_argument(
        "--size",
        choices=("full", "small"),
        default="full",
        help="image size of the cohort (default full: 2294×1914 at 0.1 mm)",
    )
    parser.add_argument("--readers", type=int, default=5, help="simulated readers (default 5)")


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse what a later step would refuse, before the first step runs."""
    if args.cases < 10:
        raise CesmError(f"--cases {args.cases}: the demo study needs at least 10 cases")
    CohortSettings(cases=args.cases, seed=DEMO_SEED, size=args.size).validate()
    check_study_size(args.readers, args.cases)


def _prepare_output(out: Path) -> None:
    """Create ``out`` or reuse a previous demo's; refuse any other non-empty folder.

    Nothing is deleted here: each step replaces only what its own earlier run wrote, so files
    a user added to a demo folder survive a rerun. The marker is written like any output
    (staged, recorded, never through a symbolic link).
    """
    output = StagedOutput(out, NAME, names={MARKER_FILE})
    marker = output.out / MARKER_FILE
    if output.out.is_dir() and any(output.out.iterdir()) and not os.path.lexists(marker):
        raise OutputError(
            f"--out {output.out}: folder is not empty and is not a previous demo output "
            f"(no {MARKER_FILE}); choose another folder"
        )
    with output as staging:
        (staging / MARKER_FILE).write_text(json.dumps({"generator": "cesm-reader demo"}) + "\n")


def _first_malignant_case(manifest: Path) -> str:
    rows = load_manifest(manifest).rows
    malignant = [row.case_id for row in rows if row.label == MALIGNANT]
    return (malignant or [rows[0].case_id])[0]


def _step(title: str, *argv: str) -> None:
    """Run one command as a step; its error stops the demo, its interrupt goes on up."""
    from cesm_cli.main import run_command  # the dispatcher imports this module: import it late

    print(f"\n== {title}\n$ cesm-reader {' '.join(argv)}", flush=True)
    try:
        status = run_command(argv)
    except CesmError as error:
        raise CesmError(f"step '{title}' failed: cesm-reader {argv[0]}: {error}") from None
    if status != 0:
        raise CesmError(f"step '{title}' failed: cesm-reader {argv[0]} exited {status}")


def run(args: argparse.Namespace) -> int:
    """Run every step; 0 when all succeeded."""
    _check_arguments(args)
    out: Path = args.out
    _prepare_output(out)
    cohort, study, analysis = out / "cohort", out / "study", out / "analysis"
    manifest = cohort / "manifest.csv"

    seed, cases, readers = str(DEMO_SEED), str(args.cases), str(args.readers)
    _step(
        "1. Generate a synthetic CESM cohort (DICOM low-energy/recombined pairs, NIfTI masks)",
        *("synth", "--out", str(cohort), "--cases", cases, "--seed", seed, "--size", args.size),
        "--overwrite",
    )
    _step("2. Validate the cohort's manifest and files", "validate", "--manifest", str(manifest))
    case_id = _first_malignant_case(manifest)
    preview = out / f"model_input_{case_id}.png"
    _step(
        f"3. Write what the classifier sees for case {case_id} (R = low-energy, G = recombined, "
        "B = mask; crop + 5 mm, equalised, 299×299)",
        *("preprocess", "--manifest", str(manifest), "--case", case_id, "--backbone", "xception"),
        *("--out", str(preview)),
    )
    _step(
        "4. Simulate a reader study: readers read every case unaided, then aided by the model "
        "(simulated model probabilities until the classifier is trained)",
        *("simulate-reads", "--manifest", str(manifest), "--readers", readers),
        *("--seed", seed, "--study-id", "DEMO", "--out", str(study)),
    )
    _step(
        "5. Analyse the study: per-reader metrics, kappa, McNemar, DeLong, MRMC, report",
        *("analyze", "--reads", str(study / "reads.csv"), "--manifest", str(manifest)),
        *("--model-scores", str(study / "model_scores.csv"), "--out", str(analysis)),
    )
    print(
        "\nDemo finished: a synthetic cohort generated and validated, and a simulated reader "
        "study on it analysed. The reading workstation: `cesm-reader app --demo` (make demo).\n"
        f"  cohort:       {manifest}\n"
        f"  model input:  {preview}\n"
        f"  reads:        {study / 'reads.csv'}\n"
        f"  report:       {analysis / 'report.html'}"
    )
    return 0
