"""Checking a study store: the audit chain, every decision against its audit event, every image.

:func:`verify_store` reports, as :class:`Finding` objects that name the exact row or file:

``event_altered``
    an audit event whose hash no longer matches its content (edited in place);
``chain_broken``
    an event whose ``prev_hash`` is not the previous event's hash (an event replaced, with its
    own hash recomputed);
``events_missing``
    a gap in the sequence numbers, or events cut off the end (the chain head records more):
    deleted events;
``decision_unaudited``
    a decision without its ``decision``/``correction`` event (inserted around the API);
``decision_edited``
    a decision whose content differs from the payload its event sealed (the fields are named);
``decision_deleted``
    an event whose decision is no longer in the store;
``decision_audited_twice``
    a decision recorded by more than one event;
``decision_versions``
    versions of one answer that are not 1, 2, … or whose ``current`` flag is not on the last;
``definition_changed``
    a study whose stored ``study.toml`` text no longer matches its recorded SHA-256;
``file_missing`` / ``file_changed``
    an image file that is gone, not a regular file, or whose size or SHA-256 changed.

Editing the database around the API needs rights the application never uses (the triggers of
the first migration must be dropped first); these checks are what makes such an edit visible.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from studies.store.audit import (
    CHAIN_HEAD_ID,
    DECISION_EVENT_KINDS,
    canonical_json,
    decision_payload,
    event_hash,
)
from studies.store.database import Store
from studies.store.file_checksums import file_sha256
from studies.store.schema import (
    GENESIS_HASH,
    AuditChainHeadRow,
    AuditEventRow,
    CaseFileRow,
    DecisionRow,
    ReadingSessionRow,
    StudyRow,
)

#: Every kind of finding (module docstring).
FINDING_KINDS: Final[tuple[str, ...]] = (
    "event_altered",
    "chain_broken",
    "events_missing",
    "decision_unaudited",
    "decision_edited",
    "decision_deleted",
    "decision_audited_twice",
    "decision_versions",
    "definition_changed",
    "file_missing",
    "file_changed",
)
_HASH_THREADS = 4


@dataclass(frozen=True)
class Finding:
    """One problem: its kind (:data:`FINDING_KINDS`) and a message naming the row or file."""

    kind: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify_store` checked and found; ``ok`` when nothing was found."""

    findings: tuple[Finding, ...]
    events_checked: int
    decisions_checked: int
    files_checked: int

    @property
    def ok(self) -> bool:
        """True when the store passed every check."""
        return not self.findings

    def summary(self) -> str:
        """A few lines for a person: the counts, then each finding."""
        counts = (
            f"{self.events_checked} audit events, {self.decisions_checked} decisions, "
            f"{self.files_checked} image files checked"
        )
        if self.ok:
            return f"{counts}: no problems found"
        lines = [f"{counts}: {len(self.findings)} problem(s)"]
        lines += [f"  {finding.kind}: {finding.message}" for finding in self.findings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``ok`` included)."""
        return {"ok": self.ok, **asdict(self)}


def verify_store(store: Store, *, check_files: bool = True) -> VerifyReport:
    """Check the whole store (module docstring); reads only, in one consistent snapshot.

    Args:
        store: an open store.
        check_files: also re-hash every recorded image file (the slow part on large images).
    """
    with store.session(read_only=True) as session:
        findings, events = _chain_findings(session)
        decision_findings, decisions_checked = _decision_findings(session, events)
        findings += decision_findings
        findings += _definition_findings(session)
        files: list[CaseFileRow] = []
        if check_files:
            files = list(session.execute(select(CaseFileRow)).scalars())
    if check_files:
        findings += _file_findings(files)
    return VerifyReport(tuple(findings), len(events), decisions_checked, len(files))


def case_file_findings(
    session: Session, study_id: str, case_ids: Iterable[str] | None = None
) -> list[Finding]:
    """The ``file_missing``/``file_changed`` findings for the image files of some cases of a
    study (all when ``case_ids`` is None): what a session checks before it starts."""
    query = select(CaseFileRow).where(CaseFileRow.study_id == study_id)
    if case_ids is not None:
        query = query.where(CaseFileRow.case_id.in_(list(case_ids)))
    return _file_findings(list(session.execute(query).scalars()))


# ------------------------------------------------------------------------------ audit chain


def _chain_findings(session: Session) -> tuple[list[Finding], list[AuditEventRow]]:
    findings: list[Finding] = []
    events = list(session.execute(select(AuditEventRow).order_by(AuditEventRow.seq)).scalars())
    expected_seq, prev_hash = 1, GENESIS_HASH
    for event in events:
        link_known = True
        if event.seq != expected_seq:
            findings.append(Finding("events_missing", _missing(expected_seq, event.seq - 1)))
            link_known = False
        recomputed = event_hash(event.prev_hash, event.at, event.actor, event.kind, event.payload)
        if recomputed != event.hash:
            findings.append(
                Finding(
                    "event_altered",
                    f"audit event seq {event.seq} ({event.kind} by {event.actor}): altered, "
                    "its content no longer matches its hash",
                )
            )
        if link_known and event.prev_hash != prev_hash:
            findings.append(
                Finding(
                    "chain_broken",
                    f"audit chain broken at seq {event.seq}: its prev_hash is not the hash of "
                    + (f"seq {event.seq - 1}" if event.seq > 1 else "the genesis (64 zeros)"),
                )
            )
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = session.get(AuditChainHeadRow, CHAIN_HEAD_ID)
    last_seq = expected_seq - 1
    if head is None:
        findings.append(Finding("events_missing", "the audit chain head row is missing"))
    elif head.last_seq > last_seq:
        findings.append(
            Finding(
                "events_missing",
                _missing(last_seq + 1, head.last_seq) + " (cut off the end of the chain)",
            )
        )
    elif head.last_seq < last_seq:
        findings.append(
            Finding(
                "chain_broken",
                f"audit events seq {head.last_seq + 1}–{last_seq} lie beyond the chain head "
                f"(seq {head.last_seq}): added around the store",
            )
        )
    elif head.last_hash != prev_hash:
        findings.append(
            Finding(
                "chain_broken",
                f"the last audit event (seq {last_seq}) is not the one the chain head sealed: "
                "replaced",
            )
        )
    return findings, events


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"audit event seq {first} missing (deleted)"
    return f"audit events seq {first}–{last} missing (deleted)"


# -------------------------------------------------------------------------------- decisions


def _decision_findings(session: Session, events: list[AuditEventRow]) -> tuple[list[Finding], int]:
    findings: list[Finding] = []
    sealed: dict[int, list[AuditEventRow]] = defaultdict(list)
    for event in events:
        if event.kind not in DECISION_EVENT_KINDS:
            continue
        decision_id = _payload(event).get("decision_id")
        if isinstance(decision_id, int):
            sealed[decision_id].append(event)
    rows = session.execute(
        select(DecisionRow, ReadingSessionRow.reader_id)
        .join(ReadingSessionRow, ReadingSessionRow.id == DecisionRow.session_id)
        .order_by(DecisionRow.id)
    ).all()
    answers: dict[tuple[int, str, str], list[DecisionRow]] = defaultdict(list)
    for decision, reader_id in rows:
        answers[(decision.session_id, decision.case_id, decision.mode)].append(decision)
        name = _decision_name(decision, reader_id)
        its_events = sealed.pop(decision.id, [])
        if not its_events:
            findings.append(Finding("decision_unaudited", f"{name} has no audit event"))
            continue
        if len(its_events) > 1:
            seqs = ", ".join(str(event.seq) for event in its_events)
            findings.append(
                Finding("decision_audited_twice", f"{name} is recorded by events seq {seqs}")
            )
        now = json.loads(canonical_json(decision_payload(decision, reader_id)))
        then = _payload(its_events[0])
        changed = sorted(key for key in now.keys() | then.keys() if now.get(key) != then.get(key))
        if changed:
            findings.append(
                Finding(
                    "decision_edited",
                    f"{name} differs from its audit event seq {its_events[0].seq}: "
                    f"{', '.join(changed)} changed",
                )
            )
    for decision_id, its_events in sorted(sealed.items()):
        payload = _payload(its_events[0])
        findings.append(
            Finding(
                "decision_deleted",
                f"decision {decision_id} (reader {payload.get('reader_id')}, case "
                f"{payload.get('case_id')}, {payload.get('mode')}) recorded by audit event seq "
                f"{its_events[0].seq} is missing from the store",
            )
        )
    for (session_id, case_id, mode), versions in answers.items():
        numbers = [decision.version for decision in versions]
        current = [decision.version for decision in versions if decision.current]
        if sorted(numbers) != list(range(1, len(numbers) + 1)) or current != [max(numbers)]:
            findings.append(
                Finding(
                    "decision_versions",
                    f"session {session_id}, case {case_id}, {mode}: versions {sorted(numbers)} "
                    f"with current {current or 'none'} (expected 1..n with only n current)",
                )
            )
    return findings, len(rows)


def _payload(event: AuditEventRow) -> dict[str, Any]:
    try:
        value = json.loads(event.payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _decision_name(decision: DecisionRow, reader_id: str) -> str:
    return (
        f"decision {decision.id} (reader {reader_id}, case {decision.case_id}, {decision.mode}, "
        f"version {decision.version})"
    )


def _definition_findings(session: Session) -> list[Finding]:
    findings = []
    for study in session.execute(select(StudyRow)).scalars():
        digest = hashlib.sha256(study.definition_toml.encode("utf-8")).hexdigest()
        if digest != study.definition_sha256:
            findings.append(
                Finding(
                    "definition_changed",
                    f"study {study.id}: its stored study.toml no longer matches its SHA-256",
                )
            )
    return findings


# ------------------------------------------------------------------------------ image files


def _file_findings(files: list[CaseFileRow]) -> list[Finding]:
    with ThreadPoolExecutor(max_workers=_HASH_THREADS) as pool:
        results = list(pool.map(_file_finding, files))
    return [finding for finding in results if finding is not None]


def _file_finding(row: CaseFileRow) -> Finding | None:
    """hashlib releases the GIL on large buffers, so threads hash files in parallel."""
    where = f"case {row.case_id}, {row.kind}: {row.path}"
    try:
        info = os.stat(row.path)
    except OSError as error:
        return Finding("file_missing", f"{where}: missing ({error.strerror})")
    if not stat.S_ISREG(info.st_mode):
        return Finding("file_missing", f"{where}: not a regular file")
    if info.st_size != row.size_bytes:
        return Finding(
            "file_changed", f"{where}: size changed ({row.size_bytes} → {info.st_size} bytes)"
        )
    try:
        digest = file_sha256(row.path)
    except OSError as error:
        return Finding("file_missing", f"{where}: unreadable ({error.strerror})")
    if digest != row.sha256:
        return Finding(
            "file_changed", f"{where}: SHA-256 changed ({row.sha256[:12]}… → {digest[:12]}…)"
        )
    return None
