"""What never losing a decision costs: the outbox's durable write beside a plain submit.

Prints figures, asserts nothing. Per answer, on one store (SQLite with its ``synchronous=FULL``
and, under ``pg_virtualenv -t``, PostgreSQL over loopback), measured in the same run:

* ``submit``: the plain ``ReaderSession.submit`` (the naive way: no id, no case check);
* ``submit + id``: with a submission id and the expected case (the look-up that makes a retry
  idempotent, in the same transaction);
* ``put``: :meth:`DecisionOutbox.put` alone — a JSON file written, ``fsync``'d, renamed and the
  folder ``fsync``'d: what a workstation pays only when the store is away (or on every answer
  if it chose to put before submitting);
* ``put + submit + remove``: that put-first way, whole;
* ``bare fsync of 4 KiB``: the disk's floor, which sets the cost of ``put`` (two ``fsync``s);
* ``deliver``: per answer, delivering a backlog of a whole session from the outbox after an
  outage; ``deliver, already stored``: the same backlog again (each answer recognised by its
  id: a workstation that crashed after the commits but before removing the files).

Run: ``.venv/bin/python benchmarks/bench_outbox.py [--cases 200]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_reader_api import _study_files
from store_fixtures import drop_postgresql_database, new_postgresql_database, postgresql_url

from studies.engine.definition import load_study_definition
from studies.engine.outbox import DecisionOutbox, PendingSubmission, submit_pending
from studies.engine.reader_api import Answer, CaseToRead, ReaderSession, SubmitReceipt
from studies.engine.study_init import create_study, plan_study
from studies.store.database import Store
from studies.store.schema import OrderItemRow, ReadingSessionRow

READERS = ("R1", "R2", "R3", "R4", "R5")


def _each_case(reader: ReaderSession, step: Callable[[CaseToRead], SubmitReceipt]) -> list[float]:
    """Milliseconds of ``step`` for every case of session 1."""
    case = reader.open(1)
    times = []
    while case is not None:
        begin = time.perf_counter()
        receipt = step(case)
        times.append((time.perf_counter() - begin) * 1000)
        case = receipt.next_case
    return times


def _measure(url: str, definition: Path, outbox_root: Path) -> dict[str, list[float]]:
    plan = plan_study(load_study_definition(definition), pins=dict.fromkeys(READERS, "1234"))
    store = create_study(plan, url)
    answer = Answer(1, 60)
    figures: dict[str, list[float]] = {}
    try:
        logins = {r: ReaderSession.login(store, r, "1234") for r in READERS}
        figures["submit"] = _each_case(logins["R1"], lambda case: logins["R1"].submit(answer))

        def with_id(case: CaseToRead) -> SubmitReceipt:
            pending = PendingSubmission.capture(logins["R2"], case, answer)
            return submit_pending(logins["R2"], pending)

        figures["submit + id"] = _each_case(logins["R2"], with_id)

        put_times: list[float] = []
        outbox = DecisionOutbox(outbox_root / "R3", study_id=logins["R1"].study_id, reader_id="R3")

        def put_first(case: CaseToRead) -> SubmitReceipt:
            pending = PendingSubmission.capture(logins["R3"], case, answer)
            begin = time.perf_counter()
            path = outbox.put(pending)
            put_times.append((time.perf_counter() - begin) * 1000)
            receipt = submit_pending(logins["R3"], pending)
            path.unlink()
            descriptor = os.open(outbox.folder, os.O_RDONLY)
            os.fsync(descriptor)
            os.close(descriptor)
            return receipt

        figures["put + submit + remove"] = _each_case(logins["R3"], put_first)
        figures["put"] = put_times
        figures["bare fsync of 4 KiB"] = _fsync_times(outbox_root / "fsync.bin", len(put_times))

        reader = logins["R4"]
        reader.open(1)
        backlog = _backlog(store, logins["R1"].study_id, "R4")
        outbox = DecisionOutbox(outbox_root / "R4", study_id=logins["R1"].study_id, reader_id="R4")
        figures["deliver"] = _deliver_ms(outbox, backlog, reader)
        figures["deliver, already stored"] = _deliver_ms(outbox, backlog, reader)
    finally:
        store.close()
    return figures


def _fsync_times(path: Path, count: int) -> list[float]:
    """The disk's floor: write 4 KiB and ``fsync`` it, ``count`` times."""
    times = []
    with path.open("wb") as file:
        for _ in range(count):
            begin = time.perf_counter()
            file.seek(0)
            file.write(os.urandom(4096))
            file.flush()
            os.fsync(file.fileno())
            times.append((time.perf_counter() - begin) * 1000)
    return times


def _backlog(store: Store, study_id: str, reader_id: str) -> list[PendingSubmission]:
    """An answer to every case of the reader's session 1, in order: what an outage as long as
    the session leaves in the outbox."""
    with store.session(read_only=True) as session:
        items = session.scalars(
            select(OrderItemRow)
            .join(ReadingSessionRow, ReadingSessionRow.id == OrderItemRow.session_id)
            .where(ReadingSessionRow.reader_id == reader_id, ReadingSessionRow.index == 1)
            .order_by(OrderItemRow.position)
        ).all()
    now = datetime.now(UTC)
    return [
        PendingSubmission(
            study_id=study_id,
            reader_id=reader_id,
            session_index=1,
            position=item.position,
            case_id=item.case_id,
            stage=item.mode,  # type: ignore[arg-type]
            answer=Answer(0, 20),
            exposure=None,
            submission_id=uuid.uuid4().hex,
            created_at=now,
            started_at=now,
            reading_time_s=0.0,
        )
        for item in items
    ]


def _deliver_ms(
    outbox: DecisionOutbox, backlog: list[PendingSubmission], reader: ReaderSession
) -> list[float]:
    """Milliseconds per answer of delivering ``backlog`` (put first, not timed)."""
    for pending in backlog:
        outbox.put(pending)
    begin = time.perf_counter()
    count = outbox.deliver(reader)
    assert count == len(backlog)
    return [(time.perf_counter() - begin) * 1000 / count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        definition = _study_files(root, args.cases)
        text = definition.read_text(encoding="utf-8")
        readers = "".join(
            f'\n[[readers]]\nid = "{r}"\nname = "{r}"\nyears_experience = 1\n' for r in READERS
        )
        start = text.index("\n[[readers]]")
        end = text.index("\n[model]")
        definition.write_text(text[:start] + readers + text[end:], encoding="utf-8")
        backends = {"sqlite": f"sqlite:///{root / 'study.db'}"}
        database = None
        if os.environ.get("PGHOST"):
            database = new_postgresql_database()
            backends["postgresql"] = postgresql_url(database)
        try:
            print(f"{args.cases} cases, crossover; outbox on the same disk as the SQLite store")
            print(f"{'back-end':<11} {'step':<26} {'median ms':>10} {'p90 ms':>8}")
            for name, url in backends.items():
                figures = _measure(url, definition, root / f"outbox-{name}")
                for step, times in figures.items():
                    p90 = float(np.percentile(times, 90))
                    print(f"{name:<11} {step:<26} {statistics.median(times):10.2f} {p90:8.2f}")
            if database is None:
                print("PostgreSQL skipped: run under `pg_virtualenv -t --` to include it")
        finally:
            if database is not None:
                drop_postgresql_database(database)


if __name__ == "__main__":
    main()
