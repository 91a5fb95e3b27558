"""``cesm-reader import DATASET ROOT --out DIR``: a public CESM dataset as a case manifest.

One sub-command per dataset; for now ``cdd-cesm`` (docs/importing.md). The import prints a
warning first when the pixel spacing is the default, a progress bar while it writes the cases,
and a summary at the end: cases by label, view and BI-RADS, and what was left out and why.
"""

from __future__ import annotations

import argparse
import sys

from cesm_cli.options import output_folder
from cesm_cli.progress import ProgressBar

NAME = "import"
HELP = "import a public CESM dataset (cdd-cesm) as a case manifest with images and masks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``cdd-cesm`` sub-command and its options."""
    from model_core.importers.cdd_cesm import DEFAULT_PIXEL_SPACING_MM, VIEW_CHOICES

    datasets = parser.add_subparsers(dest="dataset", metavar="DATASET", required=True)
    cdd = datasets.add_parser(
        "cdd-cesm",
        help="CDD-CESM (TCIA, DOI 10.7937/29kw-ae92)",
        description="Import the CDD-CESM dataset as its authors distribute it: the folders of "
        "low-energy and subtracted JPEGs, 'Radiology manual annotations.xlsx' and "
        "'Radiology_hand_drawn_segmentations_v2.csv'. Writes manifest.csv, PNG images, NIfTI "
        "masks and the import report into --out (docs/importing.md).",
    )
    cdd.add_argument("root", metavar="ROOT", help="the dataset's folder")
    cdd.add_argument(
        "--out",
        required=True,
        type=output_folder,
        help="folder to create (must not exist, be empty, or hold an earlier import)",
    )
    cdd.add_argument(
        "--pixel-spacing",
        type=float,
        default=None,
        metavar="MM",
        help="the images' pixel spacing in mm, which the JPEGs do not state (default "
        f"{DEFAULT_PIXEL_SPACING_MM}, with a warning); the 5 mm crop margin depends on it",
    )
    cdd.add_argument(
        "--view", choices=VIEW_CHOICES, default="both", help="the views to import (default both)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the import and print its summary; input errors raise CesmError (exit 2)."""
    from model_core.importers.cdd_cesm import (
        ImportSettings,
        default_spacing_warning,
        import_cdd_cesm,
    )

    settings = ImportSettings(pixel_spacing_mm=args.pixel_spacing, view=args.view)
    settings.validate()
    prefix = f"cesm-reader import {args.dataset}"
    if settings.spacing_is_default:
        print(f"{prefix}: WARNING: {default_spacing_warning()}", file=sys.stderr)
    result = import_cdd_cesm(args.root, args.out, settings, progress=ProgressBar("  cases"))
    print(f"{prefix}: " + "\n  ".join(result.summary_lines()))
    if settings.spacing_is_default:
        print(f"{prefix}: WARNING: pixel spacing assumed, not known; see above", file=sys.stderr)
    return 0
