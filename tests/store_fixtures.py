"""Study-store fixtures: a fresh database per test on SQLite and on PostgreSQL, and builders of
small populated stores.

``store_url`` is parametrised over ``sqlite`` (a file in the test's temporary folder) and
``postgresql`` (``CREATE DATABASE test_<random>`` on the server named by the ``PG*`` variables,
dropped after the test). Without ``PGHOST`` the PostgreSQL case is skipped with the reason;
``make test`` runs the suite under Debian's ``pg_virtualenv``, which starts a throwaway cluster
and sets those variables, so CI always runs both.

``tests/unit/store/conftest.py`` imports the fixtures by name; the builders are imported by the
tests that need them (and, later, by the engine's tests), never copied.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import URL, text

from studies.store.audit import append_decision_event, append_event
from studies.store.database import Store, create_store
from studies.store.file_checksums import file_sha256
from studies.store.schema import (
    CaseFileRow,
    CaseRow,
    DecisionRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)

BACKENDS = ("sqlite", "postgresql")
NO_POSTGRESQL = (
    "no PostgreSQL server: PGHOST is not set (run the tests under pg_virtualenv, as `make test` "
    "does, to include the PostgreSQL back-end)"
)
#: A fixed, aware start time for the builders (the store refuses naive times).
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def postgresql_url(database: str) -> str:
    """The ``postgresql+psycopg`` URL of a database on the server of the ``PG*`` variables."""
    return URL.create(
        "postgresql+psycopg",
        username=os.environ.get("PGUSER") or None,
        password=os.environ.get("PGPASSWORD") or None,
        host=os.environ["PGHOST"],
        port=int(os.environ.get("PGPORT", "5432")),
        database=database,
    ).render_as_string(hide_password=False)


def _admin_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database (``PG*`` variables)."""
    return psycopg.connect(dbname="postgres", autocommit=True)


def new_postgresql_database() -> str:
    """Create an empty database with a random name; returns its name."""
    name = f"test_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def drop_postgresql_database(name: str) -> None:
    """Drop a database made by :func:`new_postgresql_database`, disconnecting its sessions."""
    with _admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no store in it yet), on each back-end."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'study.sqlite'}"
        return
    if not os.environ.get("PGHOST"):
        pytest.skip(NO_POSTGRESQL)
    name = new_postgresql_database()
    try:
        yield postgresql_url(name)
    finally:
        drop_postgresql_database(name)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A new, empty study store (current schema), closed after the test."""
    created = create_store(store_url)
    try:
        yield created
    finally:
        created.close()


# -------------------------------------------------------------------------------- builders


@dataclass(frozen=True)
class SmallStudy:
    """What :func:`build_small_study` made: ids to aim checks and tampering at."""

    study_id: str
    reader_ids: tuple[str, ...]
    case_ids: tuple[str, ...]
    session_ids: dict[str, int]  # reader id -> reading session id (session 1)
    decision_ids: tuple[int, ...]
    image_paths: dict[tuple[str, str], Path]  # (case id, kind) -> file


def build_small_study(
    store: Store, image_dir: Path, *, readers: int = 2, cases: int = 3, decide: bool = True
) -> SmallStudy:
    """A study with readers, cases with two tiny image files each, one session per reader and
    (with ``decide``) an unaided decision of every reader on every case, each submitted in its
    own transaction with its audit event."""
    study_id = "S1"
    reader_ids = tuple(f"R{n + 1}" for n in range(readers))
    case_ids = tuple(f"C{n + 1:03d}" for n in range(cases))
    image_dir.mkdir(parents=True, exist_ok=True)
    image_paths: dict[tuple[str, str], Path] = {}
    session_ids: dict[str, int] = {}
    decision_ids: list[int] = []
    with store.session() as session:
        toml = f'id = "{study_id}"\ntitle = "Small study"\n'
        session.add(
            StudyRow(
                id=study_id,
                title="Small study",
                design="crossover",
                washout_days=0,
                seed=7,
                definition_toml=toml,
                definition_sha256=_sha256_text(toml),
                simulated=False,
                created_at=T0,
            )
        )
        session.flush()
        append_event(session, study_id, "coordinator", "study_created", {"cases": cases}, T0)
        for index, case_id in enumerate(case_ids):
            session.add(
                CaseRow(
                    study_id=study_id,
                    case_id=case_id,
                    truth=index % 2,
                    clinical={"age": 50 + index},
                )
            )
            session.flush()  # no ORM relationships: the case row must exist before its files
            for kind in ("low_energy", "recombined"):
                path = image_dir / f"{case_id}_{kind}.bin"
                path.write_bytes(f"{case_id}/{kind}".encode() * 8)
                image_paths[(case_id, kind)] = path
                session.add(
                    CaseFileRow(
                        study_id=study_id,
                        case_id=case_id,
                        kind=kind,
                        path=str(path),
                        sha256=file_sha256(path),
                        size_bytes=path.stat().st_size,
                    )
                )
        for reader_id in reader_ids:
            session.add(
                ReaderRow(
                    study_id=study_id,
                    reader_id=reader_id,
                    display_name=f"Reader {reader_id}",
                    years_experience=5,
                    added_at=T0,
                )
            )
            session.flush()
            append_event(
                session, study_id, "coordinator", "reader_added", {"reader": reader_id}, T0
            )
            reading = ReadingSessionRow(
                study_id=study_id, reader_id=reader_id, index=1, state="in_progress", opened_at=T0
            )
            session.add(reading)
            session.flush()
            session_ids[reader_id] = reading.id
            for position, case_id in enumerate(case_ids, start=1):
                session.add(
                    OrderItemRow(
                        session_id=reading.id, position=position, case_id=case_id, mode="unaided"
                    )
                )
    for reader_id in reader_ids if decide else ():
        for position, case_id in enumerate(case_ids, start=1):
            decision_ids.append(
                submit_decision(
                    store, session_ids[reader_id], case_id, reader_id, pom=10 * position
                )
            )
    return SmallStudy(study_id, reader_ids, case_ids, session_ids, tuple(decision_ids), image_paths)


def submit_decision(
    store: Store,
    session_id: int,
    case_id: str,
    actor: str,
    *,
    mode: str = "unaided",
    pom: int = 30,
    at: datetime = T0,
) -> int:
    """One decision and its audit event, in one transaction; returns the decision's id."""
    with store.session() as session:
        decision = DecisionRow(
            session_id=session_id,
            case_id=case_id,
            mode=mode,
            decision=int(pom >= 50),
            pom=pom,
            bi_rads="3",
            reading_time_s=12.5,
            started_at=at,
            submitted_at=at + timedelta(seconds=12.5),
            heatmap_events=[],
        )
        session.add(decision)
        append_decision_event(session, decision, actor)
        return decision.id


def drop_immutability_triggers(store: Store) -> None:
    """What someone editing the database around the application must do first (the first
    migration's triggers refuse every edit of decisions and audit events)."""
    with store.session() as session:
        if store.dialect == "postgresql":
            for table, trigger in (
                ("audit_events", "audit_events_no_change"),
                ("audit_events", "audit_events_no_truncate"),
                ("decisions", "decisions_no_delete"),
                ("decisions", "decisions_no_truncate"),
                ("decisions", "decisions_immutable"),
            ):
                session.execute(text(f"DROP TRIGGER {trigger} ON {table}"))
        else:
            for trigger in (
                "audit_events_no_update",
                "audit_events_no_delete",
                "decisions_no_delete",
                "decisions_immutable",
            ):
                session.execute(text(f"DROP TRIGGER {trigger}"))


def _sha256_text(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
