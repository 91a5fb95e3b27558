"""Entry point of the ``cesm-reader`` console script.

Subcommands live in :mod:`cesm_cli.commands`, one module each, exposing ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Errors caused by user input
(:class:`model_core.errors.CesmError`) are printed without a traceback and exit with status 2;
commands return 1 for "ran, but found problems" (e.g. validation errors).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from model_core.errors import CesmError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "cesm_cli.commands.demo",
    "cesm_cli.commands.synth",
    "cesm_cli.commands.validate",
    "cesm_cli.commands.preprocess",
    "cesm_cli.commands.analyze",
)


def _available_commands() -> list:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:  # a real missing dependency, not an unbuilt command
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="cesm-reader",
        description="Reader studies on contrast-enhanced spectral mammography (CESM).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _available_commands():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CesmError as error:
        print(f"cesm-reader {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cesm-reader {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
