"""``cesm-reader app``: the reading workstation (and, for a coordinator, the dashboard).

* ``cesm-reader app [--db URL]`` opens the study store at URL (default ``$CESM_STUDY_DB``, else
  ``sqlite:///study.db``) and shows the login screen;
* ``cesm-reader app --demo`` first builds the demo study when it is not there yet — exactly as
  ``cesm-reader study init --demo`` does (synthetic cohort, the embedded demo classifier's
  probabilities and heat maps — simulated ones when its bundle is missing —, readers R1 and R2
  with PINs 1111 and 2222, no washout), in ``demo_study/`` — then opens it.

A graphical display is needed. Without one (no ``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux, and
no ``QT_QPA_PLATFORM=offscreen``) the command says so, shows how to run it under a virtual
display (``xvfb-run``), and exits with status 2 before building anything. Qt and the GUI are
imported only once the arguments and the display are checked.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cesm_cli.commands.study import DEFAULT_DB, DEMO_FOLDER
from model_core.errors import CesmError

NAME = "app"
HELP = "Open the reading workstation (readers read; the coordinator opens the dashboard)."
#: Qt platforms that need no display.
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc")
NO_DISPLAY = (
    "cesm-reader app: no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set).\n"
    "Run it on a desktop, or under a virtual display:\n"
    "    xvfb-run -a cesm-reader app{arguments}\n"
    "(Debian package xvfb), or with QT_QPA_PLATFORM=offscreen for a window nobody sees."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "--db",
        default=None,
        metavar="URL",
        help=f"the study store (default $CESM_STUDY_DB, else {DEFAULT_DB}; with --demo "
        f"sqlite:///{DEMO_FOLDER / 'study.db'})",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo study, building it first if needed (readers R1/1111, R2/2222)",
    )


def has_display(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt can show a window here."""
    if environ.get("QT_QPA_PLATFORM", "").split(":")[0] in HEADLESS_PLATFORMS:
        return True
    if not sys.platform.startswith("linux"):
        return True  # macOS and Windows always have their window system
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def _demo_store(url: str | None) -> str:
    """The demo study's store URL, built first with ``study init --demo`` when missing."""
    from cesm_cli.main import run_command  # the dispatcher imports this module: import it late

    url = url or f"sqlite:///{DEMO_FOLDER / 'study.db'}"
    if not _holds_a_study(url):
        print("Building the demo study (first run only; about a minute)...", flush=True)
        status = run_command(["study", "init", "--demo", "--db", url])
        if status != 0:
            raise CesmError(f"building the demo study failed (study init --demo exited {status})")
    return url


def _holds_a_study(url: str) -> bool:
    from studies.errors import StoreError
    from studies.store.database import open_store

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return False
    try:
        open_store(url).close()
    except StoreError:
        if url.startswith("sqlite"):
            raise  # a file that is not a store: say so rather than build over it
        return False
    return True


def run(args: argparse.Namespace) -> int:
    """Check the display, build the demo study if asked, then run the workstation."""
    if not has_display():
        shown = (" --demo" if args.demo else "") + (f" --db {args.db}" if args.db else "")
        print(NO_DISPLAY.format(arguments=shown), file=sys.stderr)
        return 2
    if args.demo:
        url = _demo_store(args.db)
    else:
        url = args.db or os.environ.get("CESM_STUDY_DB", DEFAULT_DB)
    from reader_app.app import main

    return main(url)
