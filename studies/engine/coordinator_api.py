"""The coordinator's side of a study: progress, washout overrides, PINs, corrections.

Everything a coordinator changes is audited with the reason they gave; nothing they do edits a
reader's submitted answer in place — a correction adds a new version and keeps the old one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from model_core.vocabulary import canonical_bi_rads
from studies.engine.clock import Clock, SystemClock
from studies.engine.definition import is_valid_id, parse_study_definition
from studies.engine.designs import SEQUENTIAL
from studies.engine.pins import check_password, check_pin, hash_secret, verify_secret
from studies.engine.reader_api import (
    Answer,
    LoginError,
    ReaderError,
    _only_study,
    check_answer,
)
from studies.engine.session_state import SessionState, washout_opens_at
from studies.engine.study_init import add_reader_rows, reader_plans
from studies.store.audit import append_decision_event, append_event
from studies.store.database import Store
from studies.store.schema import (
    CaseRow,
    DecisionRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)


class CoordinatorAccess:
    """Proof that the coordinator's password was checked: only :func:`check_coordinator` makes
    one, and the dashboard opens a study only with one for that study (a reader's login returns
    a :class:`~studies.engine.reader_api.ReaderSession`, never this)."""

    __slots__ = ("granted_at", "store_url", "study_id")

    def __init__(self, key: object, study_id: str, store_url: str, granted_at: datetime) -> None:
        if key is not _ACCESS_KEY:
            raise PermissionError("coordinator access is granted by check_coordinator only")
        self.study_id = study_id
        self.store_url = store_url
        self.granted_at = granted_at

    def grants(self, store: Store) -> bool:
        """Whether this access was granted for ``store`` (the same database)."""
        return self.store_url == store.display_url

    def __repr__(self) -> str:
        return (
            f"CoordinatorAccess(study_id={self.study_id!r}, store_url={self.store_url!r}, "
            f"granted_at={self.granted_at!r})"
        )


_ACCESS_KEY = object()


@dataclass(frozen=True)
class SessionProgress:
    """One reader's session as the coordinator follows it."""

    index: int
    state: str
    read: int
    total: int
    active_minutes: float
    started_at: datetime | None
    completed_at: datetime | None
    opens_at: datetime | None
    washout_override: str | None


@dataclass(frozen=True)
class ReaderProgress:
    """A reader and their sessions."""

    reader_id: str
    name: str
    active: bool
    sessions: tuple[SessionProgress, ...]


@dataclass(frozen=True)
class StudyStatus:
    """The whole study at a glance (``cesm-reader study status``)."""

    study_id: str
    title: str
    design: str
    washout_days: int
    simulated: bool
    readers: tuple[ReaderProgress, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (times as ISO 8601 text)."""
        data = asdict(self)
        for reader in data["readers"]:
            for session in reader["sessions"]:
                for key in ("started_at", "completed_at", "opens_at"):
                    value = session[key]
                    session[key] = None if value is None else value.isoformat()
        return data

    def summary(self) -> str:
        """A table for the terminal."""
        lines = [
            f"study {self.study_id}: {self.title} ({self.design}, washout {self.washout_days} days)"
            + (" — SIMULATED readers" if self.simulated else "")
        ]
        for reader in self.readers:
            for session in reader.sessions:
                opens = "" if session.opens_at is None else f", opens {session.opens_at:%Y-%m-%d}"
                override = (
                    f", washout overridden: {session.washout_override}"
                    if session.washout_override
                    else ""
                )
                lines.append(
                    f"  {reader.reader_id:<8} session {session.index}: {session.state:<11} "
                    f"{session.read:>4}/{session.total:<4} {session.active_minutes:6.1f} min"
                    f"{opens}{override}"
                )
        return "\n".join(lines)


def _answers_needed(session: Session, row: ReadingSessionRow) -> int:
    items = session.scalars(select(OrderItemRow).where(OrderItemRow.session_id == row.id)).all()
    return sum(2 if item.mode == SEQUENTIAL else 1 for item in items)


def _reads_done(session: Session, row: ReadingSessionRow) -> tuple[int, int]:
    items = session.scalars(select(OrderItemRow).where(OrderItemRow.session_id == row.id)).all()
    answers = session.scalar(
        select(func.count())
        .select_from(DecisionRow)
        .where(DecisionRow.session_id == row.id, DecisionRow.current.is_(True))
    )
    needed = _answers_needed(session, row)
    # a case counts as read when all its answers are in; answers come in order, so:
    per_case = 2 if needed == 2 * len(items) else 1
    return min(int(answers or 0) // per_case, len(items)), len(items)


def study_status(store: Store, *, study_id: str | None = None) -> StudyStatus:
    """Progress of every reader and session."""
    with store.session(read_only=True) as session:
        study = _only_study(session, study_id)
        readers = session.scalars(
            select(ReaderRow).where(ReaderRow.study_id == study.id).order_by(ReaderRow.reader_id)
        ).all()
        progress = []
        for reader in readers:
            rows = session.scalars(
                select(ReadingSessionRow)
                .where(
                    ReadingSessionRow.study_id == study.id,
                    ReadingSessionRow.reader_id == reader.reader_id,
                )
                .order_by(ReadingSessionRow.index)
            ).all()
            first_completed = rows[0].completed_at if rows else None
            sessions = []
            for row in rows:
                read, total = _reads_done(session, row)
                opens = (
                    washout_opens_at(first_completed, study.washout_days)
                    if row.index == 2 and first_completed is not None
                    else None
                )
                sessions.append(
                    SessionProgress(
                        row.index,
                        row.state,
                        read,
                        total,
                        round((row.active_seconds or 0.0) / 60, 1),
                        row.started_at,
                        row.completed_at,
                        opens,
                        row.washout_override_reason,
                    )
                )
            progress.append(
                ReaderProgress(
                    reader.reader_id, reader.display_name, reader.active, tuple(sessions)
                )
            )
        return StudyStatus(
            study.id,
            study.title,
            study.design,
            study.washout_days,
            study.simulated,
            tuple(progress),
        )


def _reader(session: Session, study: StudyRow, reader_id: str) -> ReaderRow:
    reader = session.get(ReaderRow, (study.id, reader_id))
    if reader is None:
        raise ReaderError(f"study '{study.id}' has no reader '{reader_id}'")
    return reader


def override_washout(
    store: Store, reader_id: str, reason: str, *, clock: Clock | None = None
) -> None:
    """Open ``reader_id``'s second session before the washout ends; the reason is audited.

    Raises:
        ReaderError: no reason, an unknown reader, or a study with one session.
    """
    if not reason.strip():
        raise ReaderError("a washout override needs a reason")
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        _reader(session, study, reader_id)
        row = session.scalars(
            select(ReadingSessionRow).where(
                ReadingSessionRow.study_id == study.id,
                ReadingSessionRow.reader_id == reader_id,
                ReadingSessionRow.index == 2,
            )
        ).one_or_none()
        if row is None:
            raise ReaderError(f"the {study.design} design has no second session to open early")
        if SessionState(row.state) is not SessionState.NOT_STARTED:
            raise ReaderError(f"reader '{reader_id}' has already started session 2")
        row.washout_override_reason = reason.strip()
        append_event(
            session,
            study.id,
            "coordinator",
            "washout_override",
            {"reader_id": reader_id, "reason": reason.strip()},
            now,
        )


def set_pin(store: Store, reader_id: str, pin: str, *, clock: Clock | None = None) -> None:
    """Set (or reset) a reader's PIN; only its salted hash is stored, and the event audited.

    Raises:
        ReaderError: unknown reader; ValueError from :func:`check_pin` for a bad PIN.
    """
    check_pin(pin)
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        reader = _reader(session, study, reader_id)
        reader.pin_hash = hash_secret(pin)
        reader.failed_attempts = 0
        reader.locked_until = None
        append_event(session, study.id, "coordinator", "pin_set", {"reader_id": reader_id}, now)


def mark_simulated(store: Store, *, clock: Clock | None = None) -> None:
    """Mark the study's answers as coming from simulated readers (shown in every export)."""
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        if not study.simulated:
            study.simulated = True
            append_event(session, study.id, "system", "study_created", {"simulated": True}, now)


def correct_decision(
    store: Store,
    reader_id: str,
    session_index: int,
    case_id: str,
    stage: str,
    answer: Answer,
    reason: str,
    *,
    clock: Clock | None = None,
) -> int:
    """Correct a submitted answer: a new version with the reason; the old one is kept.

    The reader's original answer stays in the store (no longer ``current``), and the correction
    is audited with its reason and the coordinator as its author. Returns the new decision's id.

    Raises:
        ReaderError: no reason, no such answer, or an invalid answer.
    """
    if not reason.strip():
        raise ReaderError("a correction needs a reason")
    check_answer(answer)
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        reading = session.scalars(
            select(ReadingSessionRow).where(
                ReadingSessionRow.study_id == study.id,
                ReadingSessionRow.reader_id == reader_id,
                ReadingSessionRow.index == session_index,
            )
        ).one_or_none()
        if reading is None:
            raise ReaderError(f"reader '{reader_id}' has no session {session_index}")
        old = session.scalars(
            select(DecisionRow).where(
                DecisionRow.session_id == reading.id,
                DecisionRow.case_id == case_id,
                DecisionRow.mode == stage,
                DecisionRow.current.is_(True),
            )
        ).one_or_none()
        if old is None:
            raise ReaderError(
                f"reader '{reader_id}' has no {stage} answer to case '{case_id}' in session "
                f"{session_index}"
            )
        old.current = False
        session.flush()
        new = DecisionRow(
            session_id=old.session_id,
            case_id=old.case_id,
            mode=old.mode,
            version=old.version + 1,
            current=True,
            decision=answer.decision,
            pom=answer.pom,
            bi_rads=canonical_bi_rads(answer.bi_rads or ""),
            comment=answer.comment or None,
            reading_time_s=old.reading_time_s,
            started_at=old.started_at,
            submitted_at=now,
            model_probability_shown=old.model_probability_shown,
            ai_first_shown_at=old.ai_first_shown_at,
            heatmap_events=list(old.heatmap_events),
            follows_decision_id=old.follows_decision_id,
            correction_reason=reason.strip(),
            corrected_by="coordinator",
        )
        session.add(new)
        session.flush()
        append_decision_event(session, new, "coordinator")
        return new.id


def add_reader(
    store: Store,
    reader_id: str,
    name: str,
    years_experience: int,
    pin: str,
    *,
    clock: Clock | None = None,
) -> None:
    """Enrol a reader in a running study; their orders come from the study seed and their own id,
    so nobody else's order changes.

    Raises:
        ReaderError: the id is taken or not a valid id; CredentialError for a bad PIN.
    """
    check_pin(pin)
    if not is_valid_id(reader_id):
        raise ReaderError(f"reader id '{reader_id}' must be 1–64 letters, digits, '_' or '-'")
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        if session.get(ReaderRow, (study.id, reader_id)) is not None:
            raise ReaderError(f"study '{study.id}' already has a reader '{reader_id}'")
        definition = parse_study_definition(
            study.definition_toml, source="study.toml (stored)", base_dir="."
        ).definition
        cases = session.scalars(select(CaseRow).where(CaseRow.study_id == study.id)).all()
        scored = [(case.case_id, case.truth) for case in cases if not case.practice]
        add_reader_rows(
            session,
            study.id,
            reader_id,
            name,
            years_experience,
            hash_secret(pin),
            reader_plans(definition, scored, reader_id),
            now,
        )


def set_coordinator_password(store: Store, password: str, *, clock: Clock | None = None) -> None:
    """Set the coordinator's password (at least 8 characters; stored as a salted scrypt hash)."""
    check_password(password)
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        study.coordinator_password_hash = hash_secret(password)
        append_event(session, study.id, "coordinator", "pin_set", {"coordinator": True}, now)


def check_coordinator(
    store: Store, password: str, *, clock: Clock | None = None
) -> CoordinatorAccess:
    """Let the coordinator in (the dashboard's login), audited; a wrong password is slowed down.

    Returns the proof the dashboard requires before it shows anything of the study.

    Raises:
        LoginError: no password set yet (``cesm-reader study set-password``), or a wrong one.
    """
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        stored = study.coordinator_password_hash
        ok = stored is not None and verify_secret(password, stored)
        kind = "login" if ok else "login_failed"
        append_event(session, study.id, "coordinator", kind, {"coordinator": True}, now)
    if stored is None:
        raise LoginError("no coordinator password is set: run `cesm-reader study set-password`")
    if not ok:
        time.sleep(_COORDINATOR_DELAY_S)
        raise LoginError("wrong coordinator password")
    return CoordinatorAccess(_ACCESS_KEY, study.id, store.display_url, now)


#: Pause after a wrong coordinator password (brute force through the dashboard is slowed down).
_COORDINATOR_DELAY_S = 1.0


def set_reader_active(
    store: Store, reader_id: str, active: bool, *, reason: str = "", clock: Clock | None = None
) -> None:
    """Deactivate a reader (they can no longer log in; their answers stay in the study) or
    reactivate them; audited as ``reader_deactivated`` / ``reader_reactivated`` with the reason.

    Raises:
        ReaderError: unknown reader, or the reader is already in that state.
    """
    now = (clock or SystemClock()).now()
    with store.session() as session:
        study = _only_study(session, None)
        reader = _reader(session, study, reader_id)
        if reader.active == active:
            state = "active" if active else "deactivated"
            raise ReaderError(f"reader '{reader_id}' is already {state}")
        reader.active = active
        append_event(
            session,
            study.id,
            "coordinator",
            "reader_reactivated" if active else "reader_deactivated",
            {"reader_id": reader_id, "reason": reason.strip()},
            now,
        )


@dataclass(frozen=True)
class AnswerRecord:
    """One version of a reader's answer, as the coordinator reviews it (never shown to readers).

    ``current`` marks the version the exports and the analysis use; a correction is a later
    version with its ``correction_reason`` and ``corrected_by``.
    """

    decision_id: int
    session_index: int
    case_id: str
    stage: str
    practice: bool
    version: int
    current: bool
    decision: int
    pom: int
    bi_rads: str | None
    comment: str | None
    reading_time_s: float
    submitted_at: datetime
    correction_reason: str | None
    corrected_by: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready (the time as ISO 8601 text)."""
        data = asdict(self)
        data["submitted_at"] = self.submitted_at.isoformat()
        return data


def reader_answers(store: Store, reader_id: str) -> tuple[AnswerRecord, ...]:
    """Every answer of ``reader_id``, every version, in reading order (session, position,
    stage, version): what the coordinator reviews before correcting one.

    Raises:
        ReaderError: unknown reader.
    """
    with store.session(read_only=True) as session:
        study = _only_study(session, None)
        _reader(session, study, reader_id)
        readings = session.scalars(
            select(ReadingSessionRow)
            .where(
                ReadingSessionRow.study_id == study.id,
                ReadingSessionRow.reader_id == reader_id,
            )
            .order_by(ReadingSessionRow.index)
        ).all()
        records: list[AnswerRecord] = []
        for reading in readings:
            items = session.scalars(
                select(OrderItemRow).where(OrderItemRow.session_id == reading.id)
            ).all()
            position = {item.case_id: item.position for item in items}
            practice = {item.case_id: item.practice for item in items}
            decisions = session.scalars(
                select(DecisionRow).where(DecisionRow.session_id == reading.id)
            ).all()
            ordered = sorted(
                decisions,
                key=lambda row: (
                    position.get(row.case_id, 0),
                    row.mode != "unaided",
                    row.version,
                ),
            )
            records.extend(
                AnswerRecord(
                    decision_id=row.id,
                    session_index=reading.index,
                    case_id=row.case_id,
                    stage=row.mode,
                    practice=practice.get(row.case_id, False),
                    version=row.version,
                    current=row.current,
                    decision=row.decision,
                    pom=row.pom,
                    bi_rads=row.bi_rads,
                    comment=row.comment,
                    reading_time_s=row.reading_time_s,
                    submitted_at=row.submitted_at,
                    correction_reason=row.correction_reason,
                    corrected_by=row.corrected_by,
                )
                for row in ordered
            )
        return tuple(records)
