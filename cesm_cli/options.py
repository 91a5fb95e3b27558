"""Options shared by several subcommands, defined once so that they read and behave alike."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_data_root(parser: argparse.ArgumentParser) -> None:
    """``--data-root [DIR]``: confine the manifest's files to a folder (docs/formats.md)."""
    parser.add_argument(
        "--data-root",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="read only files inside DIR (without DIR: the manifest's folder); a path that "
        "leads outside it, through '..', an absolute path or a symbolic link, is an error "
        "and is never opened. Use it for manifests you did not write.",
    )


def output_folder(text: str) -> Path:
    """argparse type of an output folder: refuses empty text, which would otherwise silently
    mean the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("give a folder; '.' for the current one")
    return Path(text)
