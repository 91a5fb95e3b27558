"""The store's tables on both back-ends: what goes in comes out, the migrations build exactly the
declared schema, constraints and immutability hold below the ORM."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from store_fixtures import T0, build_small_study

from model_core.manifest.columns import PATH_COLUMNS
from studies.store.database import Store
from studies.store.heatmaps import decode_heatmap, encode_heatmap
from studies.store.schema import (
    CASE_FILE_KINDS,
    AuditEventRow,
    Base,
    CaseFileRow,
    CaseRow,
    DecisionRow,
    ImmutableRecordError,
    ModelOutputRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)

CEST = timezone(timedelta(hours=2))


def _columns(row: Base) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def test_case_file_kinds_are_the_manifest_path_columns() -> None:
    assert CASE_FILE_KINDS == PATH_COLUMNS


def test_the_store_does_not_load_the_image_stack() -> None:
    """Opening a store (every reader process does) must not pay for SciPy and image readers."""
    code = (
        "import sys, studies.store.database, studies.store.audit, studies.store.verify; "
        "print(sorted(m for m in ('scipy', 'SimpleITK', 'pydicom', 'model_core.manifest') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    assert result.stdout.strip() == "[]"


def test_migrations_build_the_schema(store: Store) -> None:
    """Alembic finds no difference between the migrated database and schema.py."""
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_table_round_trips(store: Store) -> None:
    heatmap = np.linspace(0, 1, 12).reshape(3, 4)
    blob, shape = encode_heatmap(heatmap)
    rows: list[Base] = [
        StudyRow(
            id="S-1",
            title="Études — CESM",
            design="counterbalanced",
            washout_days=56,
            seed=2**62,
            definition_toml='id = "S-1"\n',
            definition_sha256="a" * 64,
            simulated=True,
            created_at=datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=CEST),
            coordinator_password_hash="scrypt$16384$8$1$c2FsdA==$aGFzaA==",
        ),
        ReaderRow(
            study_id="S-1",
            reader_id="R 1",
            display_name="Dr Ä",
            years_experience=12,
            pin_hash="scrypt$x",
            failed_attempts=2,
            locked_until=T0 + timedelta(seconds=30),
            active=False,
            added_at=T0,
        ),
        CaseRow(
            study_id="S-1",
            case_id="007",
            truth=None,
            practice=True,
            clinical={"age": 61, "family_history": "mother, 45"},
            laterality="L",
            view="MLO",
        ),
        CaseFileRow(
            study_id="S-1",
            case_id="007",
            kind="mask",
            path="/data/007/mask.nii.gz",
            sha256="b" * 64,
            size_bytes=5_000_000_000,
        ),
        ModelOutputRow(
            study_id="S-1", case_id="007", probability=0.1 + 0.2, heatmap=blob, heatmap_shape=shape
        ),
    ]
    with store.session() as session:
        for row in rows:
            session.add(row)
            session.flush()
        reading = ReadingSessionRow(
            study_id="S-1",
            reader_id="R 1",
            index=2,
            state="paused",
            opened_at=T0,
            started_at=T0,
            completed_at=None,
            active_seconds=1.5,
            washout_override_reason="reader leaves the hospital",
        )
        session.add(reading)
        session.flush()
        rows += [
            reading,
            OrderItemRow(
                session_id=reading.id, position=1, case_id="007", mode="sequential", practice=True
            ),
        ]
        session.add(rows[-1])
        session.flush()
        first = DecisionRow(
            session_id=reading.id,
            case_id="007",
            mode="unaided",
            decision=0,
            pom=0,
            reading_time_s=0.0,
            started_at=T0,
            submitted_at=T0 + timedelta(microseconds=1),
        )
        session.add(first)
        session.flush()
        aided = DecisionRow(
            session_id=reading.id,
            case_id="007",
            mode="aided",
            version=1,
            current=True,
            decision=1,
            pom=100,
            bi_rads="4A",
            comment="enhancing mass, 12 mm",
            reading_time_s=41.25,
            started_at=T0,
            submitted_at=T0 + timedelta(seconds=41.25),
            model_probability_shown=0.873,
            ai_first_shown_at=T0 + timedelta(seconds=20),
            heatmap_events=[{"at": "2026-01-05T09:00:21+00:00", "on": True}],
            follows_decision_id=first.id,
        )
        rows += [first, aided]
        session.add(aided)
    expected = [_columns(row) for row in rows]
    with store.session(read_only=True) as session:
        found = [
            _columns(session.get(type(row), row.__mapper__.primary_key_from_instance(row)))
            for row in rows
        ]
    assert found == expected
    stored = found[0]["created_at"]
    assert stored.tzinfo == UTC and stored == datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
    np.testing.assert_array_equal(decode_heatmap(found[4]["heatmap"]), heatmap.astype(np.float16))


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(
            StudyRow(
                id="S",
                title="t",
                design="crossover",
                washout_days=0,
                seed=0,
                definition_toml="",
                definition_sha256="",
                created_at=datetime(2026, 1, 1),
            )
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pom", 101),
        ("pom", -1),
        ("decision", 2),
        ("mode", "sequential"),
        ("bi_rads", "7"),
        ("version", 0),
        ("reading_time_s", -0.5),
    ],
)
def test_decision_constraints(store: Store, tmp_path, field: str, value: object) -> None:
    study = build_small_study(store, tmp_path, readers=1, cases=1)
    values = {
        "session_id": study.session_ids["R1"],
        "case_id": "C001",
        "mode": "aided",
        "decision": 1,
        "pom": 80,
        "reading_time_s": 3.0,
        "started_at": T0,
        "submitted_at": T0,
        field: value,
    }
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(DecisionRow(**values))


def test_foreign_keys_hold(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(CaseRow(study_id="no-such-study", case_id="C1", clinical={}))


# ------------------------------------------------------------------------------ immutability


def test_the_orm_refuses_to_edit_a_submitted_decision(store: Store, tmp_path) -> None:
    study = build_small_study(store, tmp_path, readers=1, cases=1)
    with (
        pytest.raises(ImmutableRecordError, match="tried to change pom"),
        store.session() as session,
    ):
        session.get(DecisionRow, study.decision_ids[0]).pom = 99
    with (
        pytest.raises(ImmutableRecordError, match="can never be deleted"),
        store.session() as session,
    ):
        session.delete(session.get(DecisionRow, study.decision_ids[0]))
    with pytest.raises(ImmutableRecordError, match="append-only"), store.session() as session:
        session.execute(select(AuditEventRow)).scalars().first().actor = "someone else"
    with store.session() as session:  # the one change allowed: a correction clears current
        session.get(DecisionRow, study.decision_ids[0]).current = False
    with store.session(read_only=True) as session:
        decision = session.get(DecisionRow, study.decision_ids[0])
        assert (decision.current, decision.pom) == (False, 10)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE decisions SET pom = 99",
        "UPDATE decisions SET heatmap_events = '[]', comment = 'x'",
        "UPDATE decisions SET submitted_at = started_at",
        "DELETE FROM decisions",
        "UPDATE audit_events SET actor = 'x'",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_edits_around_the_orm(store: Store, tmp_path, statement: str) -> None:
    build_small_study(store, tmp_path, readers=1, cases=2)
    with (
        pytest.raises(DBAPIError, match=r"immutable|never deleted|append-only"),
        store.session() as session,
    ):
        session.execute(text(statement))
    with store.session() as session:  # while the flag that corrections clear may change
        assert session.execute(text("UPDATE decisions SET current = false")).rowcount == 2


def test_postgresql_refuses_truncating_the_audit_log(store: Store, tmp_path) -> None:
    if store.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite's DELETE is covered above)")
    build_small_study(store, tmp_path, readers=1, cases=1)
    for table in ("audit_events", "decisions"):
        with (
            pytest.raises(DBAPIError, match=r"append-only|never deleted"),
            store.session() as session,
        ):
            session.execute(text(f"TRUNCATE {table} CASCADE"))
