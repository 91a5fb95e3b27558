"""Speed of the study store: committing one decision with its audit event, and verification.

Prints figures, asserts nothing (timings vary with the machine, its disk and its load).

* **Commit of one decision** (a ``DecisionRow`` and its ``decision`` audit event, one
  transaction) — median and 90th percentile over ``--commits`` commits, on SQLite as the store
  configures it (``synchronous=FULL``), beside the same with ``synchronous=NORMAL`` (no
  ``fsync`` per commit; what the store gives up for durability) and the disk's bare
  ``fsync`` of 4 KiB (the floor of a durable commit); on PostgreSQL over loopback too when
  ``PGHOST`` is set (run under ``pg_virtualenv -t``). The issue's goal for the whole
  submit → next case step is a median ≤ 5 ms.
* **verify_store** of a 5-reader × 2-session × 500-case store (5 000 decisions, their events,
  1 000 small image files): goal ≤ 5 s; with and without re-hashing the files.

Run: ``.venv/bin/python benchmarks/bench_store.py [--commits N]``, or under
``pg_virtualenv -t -- ...`` to include PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import URL, event

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from store_fixtures import (
    build_small_study,
    drop_postgresql_database,
    new_postgresql_database,
)

from studies.store.audit import append_decision_event
from studies.store.database import Store, create_store
from studies.store.schema import DecisionRow, OrderItemRow, ReadingSessionRow
from studies.store.verify import verify_store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _commit_times(store: Store, session_id: int, count: int, start: int = 0) -> list[float]:
    times = []
    for n in range(start, start + count):
        start = time.perf_counter()
        with store.session() as session:
            decision = DecisionRow(
                session_id=session_id,
                case_id=f"bench-{n}",  # one decision per case, as in a session
                mode="aided",
                decision=1,
                pom=70,
                reading_time_s=12.5,
                started_at=T0,
                submitted_at=T0 + timedelta(seconds=n),
            )
            session.add(decision)
            append_decision_event(session, decision, "R1")
        times.append(time.perf_counter() - start)
    return times


def _print_times(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"{name:<62} median {1000 * statistics.median(times):7.2f} ms   p90 {1000 * p90:7.2f} ms")


def _fsync_times(folder: Path, count: int) -> list[float]:
    times = []
    descriptor = os.open(folder / "fsync.bin", os.O_WRONLY | os.O_CREAT)
    try:
        for _ in range(count):
            start = time.perf_counter()
            os.write(descriptor, b"x" * 4096)
            os.fsync(descriptor)
            times.append(time.perf_counter() - start)
    finally:
        os.close(descriptor)
    return times


def _bench_commits(name: str, url: str, folder: Path, count: int, *, relaxed: bool) -> None:
    with create_store(url) as store:
        if relaxed:
            store.engine.dispose()
            event.listen(
                store.engine,
                "connect",
                lambda connection, _: connection.execute("PRAGMA synchronous=NORMAL"),
            )
        study = build_small_study(store, folder / "images", readers=1, cases=3)
        _commit_times(store, study.session_ids["R1"], 5)  # warm the pool and statement cache
        _print_times(name, _commit_times(store, study.session_ids["R1"], count, start=5))


def _postgresql_url(database: str) -> str:
    return URL.create(
        "postgresql+psycopg",
        username=os.environ.get("PGUSER") or None,
        password=os.environ.get("PGPASSWORD") or None,
        host=os.environ["PGHOST"],
        port=int(os.environ.get("PGPORT", "5432")),
        database=database,
    ).render_as_string(hide_password=False)


def _large_store(url: str, folder: Path) -> Store:
    """5 readers × 2 sessions × 500 cases, every decision with its event (built in bulk)."""
    store = create_store(url)
    study = build_small_study(store, folder, readers=5, cases=500, decide=False)
    with store.session() as session:
        for reader_id in study.reader_ids:
            second = ReadingSessionRow(
                study_id=study.study_id, reader_id=reader_id, index=2, state="completed"
            )
            session.add(second)
            session.flush()
            for session_id, mode in (
                (study.session_ids[reader_id], "unaided"),
                (second.id, "aided"),
            ):
                for position, case_id in enumerate(study.case_ids, start=1):
                    if mode == "aided":
                        session.add(
                            OrderItemRow(
                                session_id=session_id,
                                position=position,
                                case_id=case_id,
                                mode=mode,
                            )
                        )
                    decision = DecisionRow(
                        session_id=session_id,
                        case_id=case_id,
                        mode=mode,
                        decision=0,
                        pom=20,
                        reading_time_s=9.0,
                        started_at=T0,
                        submitted_at=T0,
                        model_probability_shown=0.3 if mode == "aided" else None,
                        ai_first_shown_at=T0 if mode == "aided" else None,
                        heatmap_events=[{"at": T0.isoformat(), "on": True}]
                        if mode == "aided"
                        else [],
                    )
                    session.add(decision)
                    append_decision_event(session, decision, reader_id)
    return store


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        print(f"commit of one decision + its audit event ({args.commits} commits)")
        _print_times(
            "  disk: fsync of 4 KiB (the floor of a durable commit)",
            _fsync_times(folder, args.commits),
        )
        _bench_commits(
            "  SQLite, synchronous=FULL (the store)",
            f"sqlite:///{folder / 'full.sqlite'}",
            folder / "a",
            args.commits,
            relaxed=False,
        )
        _bench_commits(
            "  SQLite, synchronous=NORMAL (peer: no fsync per commit)",
            f"sqlite:///{folder / 'normal.sqlite'}",
            folder / "b",
            args.commits,
            relaxed=True,
        )
        databases = []
        if os.environ.get("PGHOST"):
            databases = [new_postgresql_database(), new_postgresql_database()]
            _bench_commits(
                "  PostgreSQL over loopback",
                _postgresql_url(databases[0]),
                folder / "c",
                args.commits,
                relaxed=False,
            )
        else:
            print("  PostgreSQL: skipped (PGHOST not set; run under pg_virtualenv -t)")

        print("verify_store, 5 readers x 2 sessions x 500 cases (5 000 decisions, 1 000 files)")
        targets = [("SQLite", f"sqlite:///{folder / 'large.sqlite'}")]
        if databases:
            targets.append(("PostgreSQL", _postgresql_url(databases[1])))
        for label, url in targets:
            build_time, store = _timed(
                lambda url=url, label=label: _large_store(url, folder / f"large-{label}")
            )
            assert isinstance(store, Store)
            with store:
                files_time, report = _timed(lambda store=store: verify_store(store))
                rows_time, _ = _timed(lambda store=store: verify_store(store, check_files=False))
            assert report.ok, report.summary()  # type: ignore[union-attr]
            print(
                f"  {label:<11} build {build_time:6.2f} s   verify {files_time:6.2f} s   "
                f"verify without files {rows_time:6.2f} s   (goal <= 5 s)"
            )
        for database in databases:
            drop_postgresql_database(database)


if __name__ == "__main__":
    main()
