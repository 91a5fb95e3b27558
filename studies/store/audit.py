"""The audit log: an append-only chain of events, each sealed by the SHA-256 of the one before.

Every event that matters to a study's integrity (a login, a session started or finished, a
decision, a correction, a washout override, an export…) is one :class:`AuditEventRow`, written
in the same transaction as the change it records. Its hash is::

    SHA-256( prev_hash + "\\n" + at + "\\n" + actor + "\\n" + kind + "\\n" + payload )

over the UTF-8 bytes, where ``prev_hash`` is the previous event's hash (64 zeros for the first),
``at`` the time in UTC as ISO 8601 with microseconds (``2026-01-01T09:30:00.000000+00:00``) and
``payload`` canonical JSON (keys sorted, no spaces, UTF-8 as is). Anyone can recompute the chain
from the ``audit_events`` table with that recipe; :mod:`studies.store.verify` does.

**One chain, however many writers.** Appending reads the chain head (the one row of
``audit_chain_head``: last ``seq`` and hash) and writes the next event and the new head. Two
writers must never read the same head, so the head is read under a lock held until the
transaction commits: on PostgreSQL ``SELECT ... FOR UPDATE`` on that row; on SQLite the store's
``BEGIN IMMEDIATE`` already makes the whole transaction the one writer
(:mod:`studies.store.database`). ``seq`` comes from the head, not from a database sequence, so
numbers are contiguous: a missing number is a deleted event, never a rolled-back transaction.

**Decisions.** :func:`append_decision_event` records a submitted decision (or a correction)
with all of its content in the payload (:func:`decision_payload`), so that verification can tell
a decision edited after the fact from the one that was submitted.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from studies.store.schema import (
    AuditChainHeadRow,
    AuditEventRow,
    DecisionRow,
    ReadingSessionRow,
)

#: The kinds of event the audit log knows.
EVENT_KINDS: Final[tuple[str, ...]] = (
    "study_created",
    "reader_added",
    "reader_deactivated",
    "reader_reactivated",
    "pin_set",
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
)
#: The kinds whose payload is a decision's content (:func:`decision_payload`).
DECISION_EVENT_KINDS: Final[tuple[str, str]] = ("decision", "correction")
#: The chain head's one row.
CHAIN_HEAD_ID: Final = 1


def canonical_json(payload: dict[str, Any]) -> str:
    """The payload as the chain hashes it: sorted keys, no spaces, no NaN or infinity."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def canonical_time(at: datetime) -> str:
    """A time as the chain hashes it: UTC, ISO 8601, always with microseconds."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} given to the audit log (needs UTC)")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, at: datetime, actor: str, kind: str, payload: str) -> str:
    """The SHA-256 (hex) that seals an event (module docstring: the recipe)."""
    text = "\n".join((prev_hash, canonical_time(at), actor, kind, payload))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    study_id: str,
    actor: str,
    kind: str,
    payload: dict[str, Any],
    at: datetime,
) -> AuditEventRow:
    """Append one event to the chain, in the caller's transaction (it is part of the change it
    records: both commit or neither does).

    Args:
        session: a write session of :meth:`studies.store.database.Store.session`.
        study_id: the study the event belongs to.
        actor: who caused it: a reader id, ``coordinator`` or ``system``.
        kind: one of :data:`EVENT_KINDS`.
        payload: JSON-serialisable details; never a PIN or password.
        at: when it happened (aware; stored in UTC).

    Raises:
        ValueError: an unknown kind, a naive time, or a payload that is not strict JSON
            (these are bugs of the caller, not user errors).
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown audit event kind '{kind}' (known: {', '.join(EVENT_KINDS)})")
    text = canonical_json(payload)
    at = datetime.fromisoformat(canonical_time(at))
    head = session.execute(
        select(AuditChainHeadRow)
        .where(AuditChainHeadRow.id == CHAIN_HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    seal = event_hash(head.last_hash, at, actor, kind, text)
    event = AuditEventRow(
        seq=head.last_seq + 1,
        study_id=study_id,
        at=at,
        actor=actor,
        kind=kind,
        payload=text,
        prev_hash=head.last_hash,
        hash=seal,
    )
    session.add(event)
    head.last_seq = event.seq
    head.last_hash = seal
    session.flush()
    return event


def decision_payload(decision: DecisionRow, reader_id: str) -> dict[str, Any]:
    """Everything about a submitted decision except its ``current`` flag (which a correction
    clears), as the audit event records it and verification compares it.

    ``submission_id`` (schema 0002) is in the payload only when the decision has one, so that
    the events of decisions made before it existed still match their decisions.
    """
    payload = {
        "decision_id": decision.id,
        "reader_id": reader_id,
        "session_id": decision.session_id,
        "case_id": decision.case_id,
        "mode": decision.mode,
        "version": int(decision.version),
        "decision": int(decision.decision),
        "pom": int(decision.pom),
        "bi_rads": decision.bi_rads,
        "comment": decision.comment,
        "reading_time_s": float(decision.reading_time_s),
        "started_at": canonical_time(decision.started_at),
        "submitted_at": canonical_time(decision.submitted_at),
        "model_probability_shown": _optional_float(decision.model_probability_shown),
        "ai_first_shown_at": (
            None
            if decision.ai_first_shown_at is None
            else canonical_time(decision.ai_first_shown_at)
        ),
        "heatmap_events": decision.heatmap_events,
        "follows_decision_id": decision.follows_decision_id,
        "correction_reason": decision.correction_reason,
        "corrected_by": decision.corrected_by,
    }
    if decision.submission_id is not None:
        payload["submission_id"] = decision.submission_id
    return payload


def _optional_float(value: float | None) -> float | None:
    # A number the caller gave as int comes back from the database as float: hash it as one.
    return None if value is None else float(value)


def append_decision_event(session: Session, decision: DecisionRow, actor: str) -> AuditEventRow:
    """Record a decision just added to ``session`` (kind ``decision`` for version 1,
    ``correction`` for later versions), at its submission time.

    The decision is flushed first so that its id is known; call this in the transaction that
    adds the decision.
    """
    session.flush()
    reading = session.get(ReadingSessionRow, decision.session_id)
    if reading is None:
        raise ValueError(f"decision {decision.id}: reading session {decision.session_id} missing")
    kind = "decision" if decision.version == 1 else "correction"
    return append_event(
        session,
        reading.study_id,
        actor,
        kind,
        decision_payload(decision, reading.reader_id),
        decision.submitted_at,
    )
