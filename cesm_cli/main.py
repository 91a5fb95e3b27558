"""Entry point of the ``cesm-reader`` console script.

Each subcommand lives in its own module in :mod:`cesm_cli.commands`, exposing ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``. Only the module of the subcommand being run
is imported: ``cesm-reader validate`` must not pay for matplotlib (``analyze``) or TensorFlow
(training), and ``cesm-reader --help`` answers at once.

Errors caused by user input (:class:`model_core.errors.CesmError`) are printed without a
traceback and exit with status 2; commands return 1 for "ran, but found problems" (e.g.
validation errors). Ctrl-C exits with 130 and SIGTERM with 143 (128 + the signal, as a shell
reports a process the signal ended), after the same clean-up; a closed standard output
(``cesm-reader analyze ... | head -1``) ends the command quietly with 141, as SIGPIPE ends other
Unix tools.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType, ModuleType

from model_core.errors import CesmError, Interrupted
from model_core.held_interrupts import clear_interrupts, note_interrupt, pending_interrupt


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, the module implementing it, and its one-line help."""

    name: str
    module: str
    summary: str

    def load(self) -> ModuleType:
        """Import the implementing module (deferred until the command is actually used)."""
        return importlib.import_module(self.module)


#: Subcommands, in the order ``--help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("demo", "cesm_cli.commands.demo", "run the embedded demo"),
    Command("synth", "cesm_cli.commands.synth", "generate a synthetic CESM cohort"),
    Command("validate", "cesm_cli.commands.validate", "check a case manifest and its files"),
    Command("preprocess", "cesm_cli.commands.preprocess", "write what the model sees for a case"),
    Command("predict", "cesm_cli.commands.predict", "run a model bundle: scores and heat maps"),
    Command("analyze", "cesm_cli.commands.analyze", "reader-study statistics and report"),
    Command("simulate-reads", "cesm_cli.commands.simulate_study", "simulate a reader study"),
    Command("import", "cesm_cli.commands.import_dataset", "import a public CESM dataset"),
    Command("study", "cesm_cli.commands.study", "create, simulate, follow and export a study"),
    Command("train", "cesm_cli.commands.train", "train the CBAM classifier, write a model bundle"),
    Command("evaluate", "cesm_cli.commands.evaluate", "a model bundle's AUC on a labelled cohort"),
    Command("app", "cesm_cli.commands.app", "open the reading workstation"),
)


def _requested_command(argv: Sequence[str]) -> Command | None:
    """The command named by the first non-option argument, if any."""
    for token in argv:
        if not token.startswith("-"):
            return next((command for command in COMMANDS if command.name == token), None)
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser; full options are registered only for the command in ``argv``."""
    parser = argparse.ArgumentParser(
        prog="cesm-reader",
        description="Reader studies on contrast-enhanced spectral mammography (CESM).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    requested = _requested_command(argv)
    for command in COMMANDS:
        if command is requested:
            module = command.load()
            sub = subparsers.add_parser(command.name, help=command.summary, description=module.HELP)
            module.add_arguments(sub)
            sub.set_defaults(handler=module.run)
        else:
            subparsers.add_parser(command.name, help=command.summary)
    return parser


def _version() -> str:
    """The installed project's version (``unknown`` when run from a source tree only)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cesm-reader")
    except PackageNotFoundError:
        return "unknown (not installed)"


_INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C and SIGTERM (a closed terminal, ``kill``, a job scheduler) end a command the same
    way, so the same clean-up runs: staged output removed, nothing half-written left behind.
    Later ones are ignored: the command is already stopping, and a second Ctrl-C must not cut
    its clean-up short."""
    for each in _INTERRUPTS:
        signal.signal(each, signal.SIG_IGN)
    note_interrupt(signum)  # counted even if the exception below is swallowed where it lands
    raise Interrupted(signum)


def run_command(argv: Sequence[str]) -> int:
    """Run one command and return its status; errors and interrupts propagate (for the demo,
    which runs commands as its steps)."""
    arguments = list(argv)
    args = build_parser(arguments).parse_args(arguments)
    return int(args.handler(args))


def _interrupted(command: str, interrupt: KeyboardInterrupt) -> int:
    """Say what an interrupt left, and return 128 + its signal."""
    signum = interrupt.signum if isinstance(interrupt, Interrupted) else signal.SIGINT
    completed = interrupt.completed if isinstance(interrupt, Interrupted) else []
    if completed:
        where = ", ".join(str(path) for path in completed)
        what = f"interrupted after its output was complete: {where} holds the new output in full"
    else:
        what = "interrupted; nothing half-written was left behind"
    print(f"cesm-reader {command}: {what}", file=sys.stderr)
    return 128 + signum


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of a closed pipe
    does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (captured output)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    previous = {
        signum: signal.signal(signum, _interrupt)
        for signum in _INTERRUPTS
        if signal.getsignal(signum) is not signal.SIG_IGN  # ignored by whoever started us: keep
    }
    clear_interrupts()
    try:
        status = int(args.handler(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        signum = pending_interrupt()
        if signum is not None:  # its exception was lost on the way: the interrupt still counts
            raise Interrupted(signum)
        return status
    except CesmError as error:
        print(f"cesm-reader {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        return _interrupted(args.command, interrupt)
    except BrokenPipeError:
        _silence_stdout()
        return 128 + signal.SIGPIPE
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
