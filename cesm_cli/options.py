"""Options shared by several subcommands, defined once so that they read and behave alike."""

from __future__ import annotations

import argparse


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
