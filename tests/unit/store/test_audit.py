"""The audit chain: the documented hash recipe, contiguous numbers, and one unbroken chain when
eight processes append at once (SQLite file and PostgreSQL)."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from store_fixtures import T0, build_small_study

from studies.store.audit import EVENT_KINDS, append_event
from studies.store.database import Store
from studies.store.schema import AuditChainHeadRow, AuditEventRow, StudyRow
from studies.store.verify import verify_store

REPOSITORY = Path(__file__).resolve().parents[3]
WRITER = Path(__file__).with_name("audit_writer.py")


def _add_study(store: Store, study_id: str = "S1") -> None:
    with store.session() as session:
        session.add(
            StudyRow(
                id=study_id,
                title="t",
                design="crossover",
                washout_days=0,
                seed=1,
                definition_toml="",
                definition_sha256=hashlib.sha256(b"").hexdigest(),
                created_at=T0,
            )
        )


def _events(store: Store) -> list[AuditEventRow]:
    with store.session(read_only=True) as session:
        return list(session.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars())


def test_events_follow_the_documented_recipe(store: Store) -> None:
    """Recomputed here from the docstring's recipe, independently of the module's code."""
    _add_study(store)
    at = datetime(2026, 2, 3, 10, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    with store.session() as session:
        append_event(session, "S1", "R1", "login", {"b": 1, "a": "é"}, at)
        append_event(session, "S1", "coordinator", "export", {}, at + timedelta(seconds=1))
    first, second = _events(store)
    payload = '{"a":"é","b":1}'
    expected = hashlib.sha256(
        ("0" * 64 + "\n2026-02-03T09:04:05.000000+00:00\nR1\nlogin\n" + payload).encode()
    ).hexdigest()
    assert (first.seq, first.payload, first.prev_hash, first.hash) == (
        1,
        payload,
        "0" * 64,
        expected,
    )
    assert first.at == datetime(2026, 2, 3, 9, 4, 5, tzinfo=UTC)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    with store.session(read_only=True) as session:
        head = session.get(AuditChainHeadRow, 1)
        assert (head.last_seq, head.last_hash) == (2, second.hash)


def test_a_rolled_back_append_leaves_no_gap(store: Store) -> None:
    _add_study(store)
    with store.session() as session:
        append_event(session, "S1", "R1", "login", {}, T0)
    with pytest.raises(RuntimeError, match="crash"), store.session() as session:
        append_event(session, "S1", "R1", "login_failed", {}, T0)
        raise RuntimeError("crash before commit")
    with store.session() as session:
        append_event(session, "S1", "R1", "login", {}, T0)
    assert [(event.seq, event.kind) for event in _events(store)] == [(1, "login"), (2, "login")]
    assert verify_store(store).ok


@pytest.mark.parametrize(
    ("kind", "payload", "at", "message"),
    [
        ("logged_in", {}, T0, "unknown audit event kind 'logged_in'"),
        ("login", {}, datetime(2026, 1, 1), "naive datetime"),
        ("login", {"x": float("nan")}, T0, "Out of range float"),
    ],
)
def test_bad_events_are_refused(
    store: Store, kind: str, payload: dict, at: datetime, message: str
) -> None:
    _add_study(store)
    with pytest.raises(ValueError, match=message), store.session() as session:
        append_event(session, "S1", "R1", kind, payload, at)
    assert _events(store) == []


def test_decision_events_carry_the_decision(store: Store, tmp_path: Path) -> None:
    study = build_small_study(store, tmp_path, readers=1, cases=2)
    decisions = [event for event in _events(store) if event.kind == "decision"]
    payloads = [json.loads(event.payload) for event in decisions]
    assert [p["decision_id"] for p in payloads] == list(study.decision_ids)
    assert [(p["reader_id"], p["case_id"], p["pom"]) for p in payloads] == [
        ("R1", "C001", 10),
        ("R1", "C002", 20),
    ]
    assert payloads[0]["submitted_at"] == "2026-01-05T09:00:12.500000+00:00"
    assert {event.actor for event in decisions} == {"R1"}


def test_event_kinds_are_those_of_the_design() -> None:
    assert set(EVENT_KINDS) == {
        "login",
        "login_failed",
        "session_started",
        "session_paused",
        "session_resumed",
        "session_completed",
        "decision",
        "correction",
        "washout_override",
        "export",
        "reader_added",
        "reader_deactivated",
        "reader_reactivated",
        "pin_set",
        "study_created",
    }


@pytest.mark.slow
def test_eight_processes_append_to_one_chain(store: Store, store_url: str) -> None:
    writers, per_writer = 8, 25
    _add_study(store)
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    processes = [
        subprocess.Popen(
            [sys.executable, str(WRITER), store_url, "S1", f"W{n}", str(per_writer)],
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    for process in processes:  # each says "ready" once connected (a blocking read)
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:  # then all are let go at once
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    failures = []
    for process in processes:
        _, stderr = process.communicate(timeout=300)
        if process.returncode != 0:
            failures.append(stderr[-2000:])
    assert failures == []
    events = _events(store)
    assert [event.seq for event in events] == list(range(1, writers * per_writer + 1))
    written = Counter((json.loads(e.payload)["writer"], json.loads(e.payload)["i"]) for e in events)
    assert written == Counter((f"W{n}", i) for n in range(writers) for i in range(per_writer))
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    # the writers really interleaved (otherwise this test would prove nothing about locking)
    order = [json.loads(event.payload)["writer"] for event in events]
    assert sum(a != b for a, b in itertools.pairwise(order)) >= writers
    report = verify_store(store)
    assert report.ok, report.summary()
    assert report.events_checked == writers * per_writer
