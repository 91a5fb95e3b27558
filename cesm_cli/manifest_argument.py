"""One convention for naming the case manifest on the command line: ``--manifest FILE``.

``simulate-reads`` and ``analyze`` always took ``--manifest``; ``validate`` and ``preprocess``
took the manifest as their first positional argument. All four now take ``--manifest``; the old
positional form still works, with a deprecation message on standard error, so that scripts
written for it keep running while they are updated.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model_core.errors import CesmError

LEGACY = "legacy_manifest"


class ManifestArgumentError(CesmError):
    """No manifest, or two different ones, on the command line."""


def add_manifest_argument(parser: argparse.ArgumentParser) -> None:
    """Register ``--manifest FILE`` (and, hidden, the deprecated positional ``MANIFEST``)."""
    parser.add_argument("--manifest", type=Path, metavar="FILE", help="case manifest (CSV)")
    parser.add_argument(LEGACY, nargs="?", type=Path, help=argparse.SUPPRESS)


def manifest_path(args: argparse.Namespace) -> Path:
    """The manifest named by ``--manifest`` or, deprecated, positionally.

    Raises:
        ManifestArgumentError: none given, or both forms naming different files.
    """
    option, positional = args.manifest, getattr(args, LEGACY, None)
    if option is not None and positional is not None and option != positional:
        raise ManifestArgumentError(
            f"two manifests given ({positional} and --manifest {option}); give one, with --manifest"
        )
    if option is not None:
        return Path(option)
    if positional is None:
        raise ManifestArgumentError("the following argument is required: --manifest FILE")
    print(
        f"cesm-reader {args.command}: the manifest as a positional argument is deprecated; "
        f"write --manifest {positional}",
        file=sys.stderr,
    )
    return Path(positional)
