"""Options shared by several subcommands, defined once so that they read and behave alike."""

from __future__ import annotations

import argparse
from pathlib import Path

_CONFINED = (
    "a path that leads outside it, through '..', an absolute path or a symbolic link (the data "
    "file of a detached NRRD or MetaImage header included), is an error and is never opened"
)


def add_data_root(parser: argparse.ArgumentParser) -> None:
    """``--data-root DIR`` or ``--confine``: confine the manifest's files (docs/formats.md).

    Both set ``args.data_root``: the folder, ``""`` for the manifest's own folder (``--confine``),
    or ``None``. ``--data-root`` always takes a value, so it can never swallow the manifest
    given after it; the folder is checked once, here, rather than every file being reported
    outside a folder that is not there.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--data-root",
        type=_existing_folder,
        default=None,
        metavar="DIR",
        help=f"read only files inside the folder DIR: {_CONFINED}. Use it for manifests you "
        "did not write.",
    )
    group.add_argument(
        "--confine",
        dest="data_root",
        action="store_const",
        const="",
        help="read only files inside the manifest's own folder (as --data-root with that folder)",
    )


def _existing_folder(text: str) -> Path:
    """argparse type of ``--data-root``: a folder that exists (a usage error otherwise)."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: not a folder")
    return path


def output_folder(text: str) -> Path:
    """argparse type of an output folder: refuses empty text, which would otherwise silently
    mean the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("give a folder; '.' for the current one")
    return Path(text)


def positive_int(text: str) -> int:
    """argparse type of a count such as ``--batch-size``: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: expected a whole number >= 1")
    return value
