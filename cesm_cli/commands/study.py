"""``cesm-reader study``: create a study store, dry-run it, follow it, export it, verify it.

* ``study init STUDY.toml [--db URL] [--pin R1=1234 ...]`` — validate everything, then create the
  store (``--demo``: the demo study, with its synthetic cohort generated beside the store);
* ``study simulate [--db URL] [--readers R1,R2] [--seed S]`` — simulated readers read through the
  reader API (the store is then marked simulated);
* ``study status [--db URL] [--json]`` — per reader and session: progress, washout;
* ``study override-washout READER --reason TEXT [--db URL]`` — open a second session early;
* ``study add-reader READER --name NAME [--years N] [--db URL]`` — enrol a reader mid-study;
* ``study set-pin READER [--db URL]`` — a new PIN, shown once;
* ``study deactivate READER [--reason TEXT]`` / ``study reactivate READER`` — a reader who may
  no longer (or again) log in; their answers stay;
* ``study answers READER [--json]`` — every version of a reader's answers (coordinator only);
* ``study correct READER --session N --case ID --stage unaided|aided --decision benign|malignant
  --pom N [--bi-rads X] [--comment TEXT] --reason TEXT`` — a correction, as a new version;
* ``study set-password [--db URL]`` — the coordinator's password (for the dashboard's login);
* ``study export --out DIR [--db URL]`` — reads, model scores, iMRMC and RJafroc files;
* ``study verify [--db URL]`` — the audit chain, every decision's event, every image's checksum;
* ``study upgrade [--db URL]`` — migrate a store to this version's schema.

The store is ``--db`` (a SQLAlchemy URL: ``sqlite:///study.db``, or
``postgresql+psycopg://user@host/db`` for a study shared between sites), default
``$CESM_STUDY_DB`` or ``sqlite:///study.db``. See docs/study_engine.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cesm_cli.options import output_folder

if TYPE_CHECKING:  # the store is imported lazily, when a subcommand runs
    from studies.store.database import Store

NAME = "study"
HELP = "Create, simulate, follow, correct, export and verify a reader study's store."
DEFAULT_DB = "sqlite:///study.db"
DEMO_FOLDER = Path("demo_study")


def _default_db() -> str:
    return os.environ.get("CESM_STUDY_DB", DEFAULT_DB)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``study`` subcommands."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, text: str) -> argparse.ArgumentParser:
        sub = actions.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--db", default=None, metavar="URL", help=f"the study store (default {DEFAULT_DB})"
        )
        return sub

    init = action("init", "validate a study.toml and everything it names, then create the store")
    init.add_argument("definition", nargs="?", type=Path, metavar="STUDY.toml")
    init.add_argument(
        "--demo", action="store_true", help="the demo study (synthetic cohort, demo PINs)"
    )
    init.add_argument(
        "--pin", action="append", default=[], metavar="READER=PIN", help="a reader's PIN"
    )
    simulate = action("simulate", "simulated readers read every open case (a dry run)")
    simulate.add_argument("--readers", default=None, metavar="R1,R2", help="default: all")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the simulated answers")
    status = action("status", "progress of every reader and session")
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    override = action("override-washout", "open a reader's second session before the washout")
    override.add_argument("reader", metavar="READER")
    override.add_argument("--reason", required=True, help="why (recorded in the audit log)")
    add = action("add-reader", "enrol a reader in a running study (nobody else's order changes)")
    add.add_argument("reader", metavar="READER")
    add.add_argument("--name", required=True, help="the name shown at login")
    add.add_argument("--years", type=int, default=0, help="years of experience")
    action("set-password", "set the coordinator's password (read from the terminal or stdin)")
    pin = action("set-pin", "give a reader a new PIN (printed once)")
    pin.add_argument("reader", metavar="READER")
    deactivate = action("deactivate", "a reader may no longer log in (their answers stay)")
    deactivate.add_argument("reader", metavar="READER")
    deactivate.add_argument("--reason", default="", help="why (recorded in the audit log)")
    reactivate = action("reactivate", "a deactivated reader may log in again")
    reactivate.add_argument("reader", metavar="READER")
    answers = action("answers", "every version of a reader's answers (for the coordinator)")
    answers.add_argument("reader", metavar="READER")
    answers.add_argument("--json", action="store_true", help="print JSON for scripts")
    correct = action("correct", "correct an answer: a new version with a reason, the old kept")
    correct.add_argument("reader", metavar="READER")
    correct.add_argument("--session", type=int, required=True, help="1 or 2")
    correct.add_argument("--case", required=True, help="the case id")
    correct.add_argument("--stage", choices=("unaided", "aided"), required=True)
    correct.add_argument("--decision", choices=("benign", "malignant"), required=True)
    correct.add_argument("--pom", type=int, required=True, help="probability of malignancy 0-100")
    correct.add_argument("--bi-rads", default=None, help="BI-RADS category")
    correct.add_argument("--comment", default=None)
    correct.add_argument("--reason", required=True, help="why (recorded in the audit log)")
    export = action("export", "reads, model scores, iMRMC and RJafroc files")
    export.add_argument("--out", required=True, type=output_folder, help="output folder")
    action("verify", "check the audit chain, every decision and every image file")
    action("upgrade", "migrate the store to this version's schema")


def _pins(items: list[str]) -> dict[str, str]:
    from model_core.errors import CesmError

    pins = {}
    for item in items:
        reader, separator, pin = item.partition("=")
        if not separator or not reader:
            raise CesmError(f"--pin {item!r}: expected READER=PIN")
        pins[reader.strip()] = pin.strip()
    return pins


def _init(args: argparse.Namespace) -> int:
    from model_core.errors import CesmError
    from studies.engine.definition import load_study_definition, parse_study_definition
    from studies.engine.demo_study import DEMO_PINS, prepare_demo_files
    from studies.engine.study_init import create_study, plan_study

    if args.demo == (args.definition is not None):
        raise CesmError("give either STUDY.toml or --demo")
    pins = _pins(args.pin)
    if args.demo:
        from cesm_cli.progress import ProgressBar

        text = prepare_demo_files(DEMO_FOLDER, progress=ProgressBar("demo model"))
        loaded = parse_study_definition(text, source="demo study.toml", base_dir=DEMO_FOLDER)
        pins = {**DEMO_PINS, **pins}
        url = args.db or f"sqlite:///{DEMO_FOLDER / 'study.db'}"
    else:
        loaded = load_study_definition(args.definition)
        url = args.db or _default_db()
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    plan = plan_study(loaded, pins=pins)
    store = create_study(plan, url, simulated=False)
    store.close()
    definition = plan.definition
    print(
        f"created study '{definition.id}' in {store.display_url}: {len(plan.cases)} cases, "
        f"{len(definition.readers)} readers, design {definition.design}, "
        f"washout {definition.washout_days} days"
    )
    for reader in definition.readers:
        shown = plan.pins[reader.id] if args.demo or reader.id not in pins else "(as given)"
        print(f"  reader {reader.id} ({reader.name}): PIN {shown}")
    if any(reader.id not in pins for reader in definition.readers):
        print("Write the PINs down now: they are stored only as salted hashes.")
    return 0


def _store(args: argparse.Namespace) -> Store:
    from studies.store.database import open_store

    return open_store(args.db or _default_db())


def run(args: argparse.Namespace) -> int:
    """Dispatch the ``study`` action."""
    if args.action == "init":
        return _init(args)
    if args.action == "upgrade":
        from studies.store.database import upgrade_store

        before, after = upgrade_store(args.db or _default_db())
        print(f"store schema {before} → {after}")
        return 0
    store = _store(args)
    try:
        return _ACTIONS[args.action](store, args)
    finally:
        store.close()


def _simulate(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.simulate import simulate_readers

    readers = None if args.readers is None else [r.strip() for r in args.readers.split(",")]
    summary = simulate_readers(store, readers=readers, seed=args.seed)
    print(
        f"SIMULATED readers {', '.join(summary.readers)}: {summary.answers} answers, "
        f"{summary.sessions_completed} session(s) completed; the store is marked simulated"
    )
    return 0


def _status(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import study_status

    status = study_status(store)
    if args.json:
        json.dump(status.to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(status.summary())
    return 0


def _override(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import override_washout

    override_washout(store, args.reader, args.reason)
    print(f"reader {args.reader}: session 2 may open now (reason recorded in the audit log)")
    return 0


def _add_reader(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import add_reader

    pin = f"{secrets.randbelow(10**6):06d}"
    add_reader(store, args.reader, args.name, args.years, pin)
    print(f"reader {args.reader} enrolled: PIN {pin} (shown once; stored only as a salted hash)")
    return 0


def _set_password(store: Store, args: argparse.Namespace) -> int:
    import getpass

    from studies.engine.coordinator_api import set_coordinator_password

    if sys.stdin.isatty():
        password = getpass.getpass("coordinator password (8 characters or more): ")
        if getpass.getpass("again: ") != password:
            from model_core.errors import CesmError

            raise CesmError("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().rstrip("\n")
    set_coordinator_password(store, password)
    print("coordinator password set (stored only as a salted hash)")
    return 0


def _set_pin(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import set_pin

    pin = f"{secrets.randbelow(10**6):06d}"
    set_pin(store, args.reader, pin)
    print(f"reader {args.reader}: new PIN {pin} (shown once; stored only as a salted hash)")
    return 0


def _set_active(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import set_reader_active

    active = args.action == "reactivate"
    set_reader_active(store, args.reader, active, reason=getattr(args, "reason", ""))
    state = "may log in again" if active else "deactivated: may no longer log in"
    print(f"reader {args.reader} {state} (recorded in the audit log)")
    return 0


def _answers(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import reader_answers

    answers = reader_answers(store, args.reader)
    if args.json:
        json.dump([answer.to_dict() for answer in answers], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"reader {args.reader}: {len(answers)} answer version(s)")
    for a in answers:
        decision = "malignant" if a.decision else "benign"
        state = "current" if a.current else "replaced"
        line = (
            f"  session {a.session_index} {a.stage:<8} {a.case_id:<12} v{a.version} {state:<8} "
            f"{decision:<9} pom {a.pom:>3}  BI-RADS {a.bi_rads or '-'}"
        )
        if a.correction_reason:
            line += f"  corrected by {a.corrected_by}: {a.correction_reason}"
        print(line)
    return 0


def _correct(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.coordinator_api import correct_decision
    from studies.engine.reader_api import Answer

    answer = Answer(1 if args.decision == "malignant" else 0, args.pom, args.bi_rads, args.comment)
    correct_decision(store, args.reader, args.session, args.case, args.stage, answer, args.reason)
    print(
        f"reader {args.reader}, case {args.case} ({args.stage}, session {args.session}): "
        "corrected; the original answer is kept as an earlier version"
    )
    return 0


def _export(store: Store, args: argparse.Namespace) -> int:
    from studies.engine.export import export_study

    written, notes = export_study(store, args.out)
    for note in notes:
        print(f"note: {note}")
    for path in written:
        print(f"wrote {path}")
    return 0


def _verify(store: Store, args: argparse.Namespace) -> int:
    from studies.store.verify import verify_store

    report = verify_store(store)
    print(report.summary())
    return 0 if report.ok else 1


_ACTIONS = {
    "simulate": _simulate,
    "status": _status,
    "override-washout": _override,
    "add-reader": _add_reader,
    "set-password": _set_password,
    "set-pin": _set_pin,
    "deactivate": _set_active,
    "reactivate": _set_active,
    "answers": _answers,
    "correct": _correct,
    "export": _export,
    "verify": _verify,
}
