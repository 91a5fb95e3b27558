"""``cesm-reader validate --manifest MANIFEST``: check a case manifest and every file it names.

Prints every problem, errors then warnings, one line each
(``line 7, case C012, column mask (/abs/path): mask is empty``), then a summary line.
Exit status: 0 when the manifest is usable (warnings allowed), 1 when it has errors, 2 when the
file is not a manifest at all (missing, not UTF-8 text, empty, without the ``case_id``,
``low_energy`` and ``recombined`` columns or with one of them named twice) or an option is
wrong (``--data-root`` not a folder). Writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys

from cesm_cli.manifest_argument import add_manifest_argument, manifest_path
from cesm_cli.options import add_data_root
from model_core.manifest import ValidationReport, validate_manifest

NAME = "validate"
HELP = "check a case manifest (CSV) and the images and masks it names"

EXIT_OK, EXIT_ERRORS, EXIT_NOT_A_MANIFEST = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register ``--manifest``, ``--json`` and ``--data-root DIR`` / ``--confine``."""
    add_manifest_argument(parser)
    parser.add_argument(
        "--json", action="store_true", help="print the report as JSON instead of text"
    )
    add_data_root(parser)


def format_report(report: ValidationReport) -> str:
    """The report as text: the manifest, errors, warnings, then the summary line."""
    lines = [f"manifest {report.manifest}"]
    for title, issues in (("errors", report.errors), ("warnings", report.warnings)):
        if issues:
            lines.append(f"{title}:")
            lines.extend(f"  {issue}" for issue in issues)
    lines.append(report.summary())
    return "\n".join(lines)


def exit_status(report: ValidationReport) -> int:
    """0 usable, 1 errors, 2 not a manifest."""
    if not report.readable:
        return EXIT_NOT_A_MANIFEST
    return EXIT_OK if report.ok else EXIT_ERRORS


def run(args: argparse.Namespace) -> int:
    """Validate ``args.manifest`` and print the report; returns the exit status."""
    report = validate_manifest(manifest_path(args), data_root=args.data_root)
    if args.json:
        json.dump(report.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_report(report))
    return exit_status(report)
