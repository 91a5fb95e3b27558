"""Schema 0002 (``decisions.submission_id``): a store of 0001 with decisions upgrades, on SQLite
and PostgreSQL, and the new column is unique and as immutable as the rest of a decision."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from store_fixtures import T0, build_small_study

from studies.errors import StoreError
from studies.store.audit import append_decision_event
from studies.store.database import (
    _alembic_config,
    create_store,
    open_store,
    schema_head,
    upgrade_store,
)
from studies.store.schema import DecisionRow
from studies.store.verify import verify_store


def _decision(session_id: int, case_id: str, submission_id: str) -> DecisionRow:
    return DecisionRow(
        session_id=session_id,
        case_id=case_id,
        mode="aided",
        decision=1,
        pom=70,
        reading_time_s=3.0,
        started_at=T0,
        submitted_at=T0,
        heatmap_events=[],
        submission_id=submission_id,
    )


def test_a_0001_store_with_decisions_upgrades(store_url: str, tmp_path: Path) -> None:
    with create_store(store_url) as store:
        small = build_small_study(store, tmp_path / "images")
        with store.engine.connect() as connection, connection.begin():
            config = _alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
    with pytest.raises(
        StoreError, match=f"store schema 0001, this version of cesm-reader needs {schema_head()}"
    ):
        open_store(store_url)
    assert upgrade_store(store_url) == ("0001", schema_head())

    with open_store(store_url) as store:
        report = verify_store(store)  # the decisions of 0001 still match their events
        assert report.ok, report.summary()
        session_id = small.session_ids["R1"]
        with store.session() as session:
            decision = _decision(session_id, small.case_ids[0], "f" * 32)
            session.add(decision)
            append_decision_event(session, decision, "R1")
        with pytest.raises(IntegrityError), store.session() as session:
            session.add(_decision(session_id, small.case_ids[1], "f" * 32))
        refused = pytest.raises(DBAPIError, match="submitted decisions are immutable")
        with refused, store.session() as session:
            session.execute(
                text("UPDATE decisions SET submission_id = 'other' WHERE id = :id"),
                {"id": decision.id},
            )
        report = verify_store(store)
        assert report.ok, report.summary()
