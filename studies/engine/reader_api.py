"""The reader's side of a study: log in, open a session, read the stored order, submit answers.

This is the API the reading workstation binds to (and the simulated readers use, so that a dry
run exercises exactly what radiologists will). It is built around three promises:

* **Blinding.** A :class:`ReaderSession` queries only its own reader's sessions, orders and
  answers. Nothing it returns holds the truth (except the feedback of a *practice* case, after
  its answer is locked), another reader's answers, or — in an unaided read — anything of the
  model: :attr:`CaseToRead.model` is ``None`` there, and no method loads it.
* **No decision is ever lost.** :meth:`ReaderSession.submit` writes the answer and its audit
  event in one transaction and returns only once it is committed. The position in the order is
  not stored anywhere else: after a crash the session resumes at the first case without its
  answer(s), and the case that was open is shown again with its timer restarted.
* **None is stored twice.** A submission may carry an id (``submission_id``); submitted again
  with the same id — a retry after a connection that dropped during the commit, or a delivery
  from the workstation's outbox (:mod:`studies.engine.outbox`) — it returns the receipt of the
  decision already stored. ``expected`` names the case an answer is for, and a submission whose
  case is no longer the one to read is refused rather than stored on another case.
* **The database may go away.** Every method raises
  :class:`~studies.engine.store_access.StoreUnavailable` (never a driver's error) when the
  database cannot be reached, and works again on the same object once it is back.
* **The washout cannot be skipped silently.** A reader's second session opens only when the
  study's ``washout_days`` have passed since they completed the first, or when a coordinator
  recorded an override with a reason (:mod:`studies.engine.coordinator_api`).

Reading time is active time: from the moment a case is handed out by :meth:`ReaderSession.current`
to its submission, minus the time the session was paused. The clock is injectable
(:mod:`studies.engine.clock`), which is how simulations and tests control time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from model_core.vocabulary import AIDED, UNAIDED, canonical_bi_rads
from studies.engine.clock import Clock, SystemClock
from studies.engine.definition import parse_study_definition
from studies.engine.designs import SEQUENTIAL
from studies.engine.pins import throttle_delay, verify_secret
from studies.engine.session_state import (
    SessionAction,
    SessionState,
    can_open_second_session,
    next_state,
    washout_opens_at,
)
from studies.engine.store_access import StoreUnavailable, store_call
from studies.errors import StudyError
from studies.store.audit import append_decision_event, append_event
from studies.store.database import Store
from studies.store.heatmaps import decode_heatmap
from studies.store.schema import (
    CaseFileRow,
    CaseRow,
    DecisionRow,
    ModelOutputRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)
from studies.store.verify import case_file_findings

Stage = Literal["unaided", "aided"]
#: The longest submission id the store keeps (``decisions.submission_id``).
SUBMISSION_ID_MAX = 64

__all__ = [
    "AiExposure",
    "Answer",
    "CaseRef",
    "CaseToRead",
    "LoginError",
    "ModelOutput",
    "ReadTiming",
    "ReaderError",
    "ReaderSession",
    "RefusedSubmissionError",
    "SessionStatus",
    "StoreUnavailable",
    "SubmitReceipt",
    "check_answer",
    "check_submission_id",
    "shown_thresholds",
]


class ReaderError(StudyError):
    """A reader's action that the study does not allow (wrong PIN, a closed session...)."""


class LoginError(ReaderError):
    """Wrong reader or PIN, or too many wrong PINs in a row."""


class RefusedSubmissionError(ReaderError):
    """A submission that can never be stored as it is: its case is not the one to read now
    (another case, or answered at another workstation meanwhile), or its id was already used
    for another answer. Retrying it cannot help; a workstation's outbox sets it aside."""


# --------------------------------------------------------------------------- what readers see


@dataclass(frozen=True)
class ModelOutput:
    """What an aided read shows: the model's probability, its heat map, its operating points."""

    probability: float
    heatmap: np.ndarray | None
    thresholds: dict[str, float]


@dataclass(frozen=True)
class Answer:
    """A reader's answer to one case. ``decision``: 1 = malignant, 0 = benign; ``pom``: the
    probability of malignancy, 0–100."""

    decision: int
    pom: int
    bi_rads: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class AiExposure:
    """When the model's output was first on screen and the heat map switched on or off (aided
    reads), as the workstation saw it; ``None`` lets the engine use the time it handed it out."""

    first_shown_at: datetime | None = None
    heatmap_events: tuple[tuple[datetime, bool], ...] = ()


@dataclass(frozen=True)
class CaseRef:
    """Which read an answer is for: a case, at a position of a session, in a stage. Given to
    :meth:`ReaderSession.submit` as ``expected``, it keeps an answer from landing on another
    case than the one the reader saw."""

    session_index: int
    position: int
    case_id: str
    stage: Stage

    def describe(self) -> str:
        """``case C07 (unaided, position 7 of session 1)``, for messages."""
        return (
            f"case {self.case_id} ({self.stage}, position {self.position} "
            f"of session {self.session_index})"
        )


@dataclass(frozen=True)
class ReadTiming:
    """The timing of one read as the workstation measured it when the reader submitted:
    handed out at ``started_at``, submitted at ``submitted_at``, ``reading_time_s`` of active
    (unpaused) time. A submission delivered later (from the outbox) keeps these, not the time
    of its delivery."""

    started_at: datetime
    submitted_at: datetime
    reading_time_s: float


@dataclass(frozen=True)
class CaseToRead:
    """One case to read now, with everything the workstation shows and nothing else."""

    session_index: int
    position: int
    total: int
    case_id: str
    stage: Stage
    practice: bool
    low_energy: Path
    recombined: Path
    mask: Path | None
    laterality: str | None
    view: str | None
    clinical: dict[str, object]
    model: ModelOutput | None = None
    #: In the sequential design's aided stage: the reader's own locked unaided answer.
    unaided_answer: Answer | None = None

    @property
    def ref(self) -> CaseRef:
        """Which read this is (for ``submit(..., expected=case.ref)``)."""
        return CaseRef(self.session_index, self.position, self.case_id, self.stage)


@dataclass(frozen=True)
class SubmitReceipt:
    """What a submission returns: the stored decision, practice feedback, and what comes next."""

    decision_id: int
    practice_truth: int | None
    next_case: CaseToRead | None


@dataclass(frozen=True)
class SessionStatus:
    """One of the reader's sessions as the workstation lists it."""

    index: int
    state: SessionState
    total: int
    read: int
    opens_at: datetime | None
    can_open: bool


# --------------------------------------------------------------------------------- the session


@dataclass
class _Timer:
    key: tuple[int, int, str] | None = None
    shown_at: datetime | None = None
    paused: timedelta = field(default_factory=timedelta)
    paused_since: datetime | None = None


def _only_study(session: Session, study_id: str | None) -> StudyRow:
    studies = session.scalars(select(StudyRow)).all()
    if study_id is not None:
        for study in studies:
            if study.id == study_id:
                return study
        raise ReaderError(f"the store holds no study '{study_id}'")
    if len(studies) != 1:
        ids = ", ".join(study.id for study in studies) or "none"
        raise ReaderError(f"the store holds {len(studies)} studies ({ids}); name one")
    return studies[0]


class ReaderSession:
    """A logged-in reader. Create with :meth:`login`.

    Every method that needs the database raises :class:`StoreUnavailable` when it cannot be
    reached (module docstring); the object works again once the database is back.
    """

    def __init__(self, store: Store, study: StudyRow, reader_id: str, clock: Clock) -> None:
        self._store = store
        self._study = study
        self.reader_id = reader_id
        self._clock = clock
        self._open_index: int | None = None
        self._timer = _Timer()
        self._items: dict[int, list[_Item]] = {}
        self._shown_thresholds: dict[str, float] | None = None
        self._reading: _OpenReading | None = None
        self._models: dict[str, ModelOutput | None] = {}

    @property
    def study_id(self) -> str:
        """The study the reader logged in to."""
        return self._study.id

    @property
    def open_index(self) -> int | None:
        """The index of the open session (``None`` before :meth:`open`)."""
        return self._open_index

    # ------------------------------------------------------------------------------- login

    @classmethod
    def login(
        cls,
        store: Store,
        reader_id: str,
        pin: str,
        *,
        clock: Clock | None = None,
        study_id: str | None = None,
    ) -> ReaderSession:
        """Check the reader's PIN (repeated failures are slowed down) and return the session.

        Raises:
            LoginError: unknown reader, wrong PIN, deactivated reader, or locked after too many
                wrong PINs (the message says for how long).
        """
        clock = clock or SystemClock()
        now = clock.now()
        with store_call(store), store.session() as session:
            study = _only_study(session, study_id)
            reader = session.get(ReaderRow, (study.id, reader_id))
            if reader is None or not reader.active or reader.pin_hash is None:
                raise LoginError("unknown reader or wrong PIN")
            if reader.locked_until is not None and reader.locked_until > now:
                wait = (reader.locked_until - now).total_seconds()
                raise LoginError(f"too many wrong PINs; try again in {wait:.0f} s")
            if not verify_secret(pin, reader.pin_hash):
                reader.failed_attempts += 1
                delay = throttle_delay(reader.failed_attempts)
                reader.locked_until = now + timedelta(seconds=delay) if delay else None
                append_event(
                    session,
                    study.id,
                    reader_id,
                    "login_failed",
                    {"reader_id": reader_id, "failed_attempts": reader.failed_attempts},
                    now,
                )
                failed = LoginError("unknown reader or wrong PIN")
            else:
                reader.failed_attempts = 0
                reader.locked_until = None
                append_event(session, study.id, reader_id, "login", {"reader_id": reader_id}, now)
                failed = None
        if failed is not None:
            raise failed
        return cls(store, study, reader_id, clock)

    # ---------------------------------------------------------------------------- sessions

    def _session_row(self, session: Session, index: int) -> ReadingSessionRow:
        row = session.scalars(
            select(ReadingSessionRow).where(
                ReadingSessionRow.study_id == self._study.id,
                ReadingSessionRow.reader_id == self.reader_id,
                ReadingSessionRow.index == index,
            )
        ).one_or_none()
        if row is None:
            raise ReaderError(f"reader '{self.reader_id}' has no session {index}")
        return row

    def _order(self, session: Session, row: ReadingSessionRow) -> list[_Item]:
        if row.index not in self._items:  # plain values: they outlive the transaction
            self._items[row.index] = [
                _Item(item.position, item.case_id, item.mode, item.practice)
                for item in session.scalars(
                    select(OrderItemRow)
                    .where(OrderItemRow.session_id == row.id)
                    .order_by(OrderItemRow.position)
                )
            ]
        return self._items[row.index]

    def _answered(self, session: Session, row: ReadingSessionRow) -> dict[tuple[str, str], int]:
        """(case id, stage) → decision id of every current answer of the session."""
        return {
            (decision.case_id, decision.mode): decision.id
            for decision in session.scalars(
                select(DecisionRow).where(
                    DecisionRow.session_id == row.id, DecisionRow.current.is_(True)
                )
            )
        }

    def _opens_at(self, session: Session, index: int) -> tuple[datetime | None, bool]:
        """When session ``index`` may open, and whether it may now."""
        if index == 1:
            return None, True
        first = self._session_row(session, 1)
        row = self._session_row(session, index)
        if first.completed_at is None:
            return None, False
        opens = washout_opens_at(first.completed_at, self._study.washout_days)
        allowed = can_open_second_session(
            self._clock.now(),
            first.completed_at,
            self._study.washout_days,
            override=row.washout_override_reason is not None,
        )
        return opens, allowed

    def sessions(self) -> list[SessionStatus]:
        """The reader's sessions: state, progress, when the next one opens."""
        with store_call(self._store), self._store.session(read_only=True) as session:
            rows = session.scalars(
                select(ReadingSessionRow)
                .where(
                    ReadingSessionRow.study_id == self._study.id,
                    ReadingSessionRow.reader_id == self.reader_id,
                )
                .order_by(ReadingSessionRow.index)
            ).all()
            statuses = []
            for row in rows:
                items = self._order(session, row)
                answered = self._answered(session, row)
                read = sum(1 for item in items if self._done(item, answered))
                opens, allowed = self._opens_at(session, row.index)
                statuses.append(
                    SessionStatus(
                        row.index,
                        SessionState(row.state),
                        len(items),
                        read,
                        opens,
                        allowed and row.state != SessionState.COMPLETED,
                    )
                )
            return statuses

    def open(self, index: int) -> CaseToRead | None:
        """Start or resume session ``index``; returns the case to read (``None``: all read).

        Everything the session shows except the model's outputs (its order, the cases' files
        and clinical data, the answers so far) is read here once, so that a submission costs one
        write transaction and the next case is known without another query.

        Raises:
            ReaderError: the session is completed, or (second session) the first is not
                completed or the washout has not passed — the message gives the date.
        """
        now = self._clock.now()
        with store_call(self._store), self._store.session() as session:
            row = self._session_row(session, index)
            state = SessionState(row.state)
            if state is SessionState.COMPLETED:
                raise ReaderError(f"session {index} is completed")
            opens, allowed = self._opens_at(session, index)
            if not allowed:
                if opens is None:
                    raise ReaderError(f"session {index} opens after session 1 is completed")
                raise ReaderError(
                    f"session {index} opens on {opens:%Y-%m-%d %H:%M} UTC, after the "
                    f"{self._study.washout_days}-day washout"
                )
            if state is SessionState.NOT_STARTED:
                self._check_images(session, row)
                row.state = next_state(state, SessionAction.START).value
                row.started_at = row.started_at or now
                row.opened_at = now
                append_event(
                    session, self._study.id, self.reader_id, "session_started",
                    {"reader_id": self.reader_id, "session": index}, now,
                )  # fmt: skip
            elif state is SessionState.PAUSED:
                row.state = next_state(state, SessionAction.RESUME).value
                append_event(
                    session, self._study.id, self.reader_id, "session_resumed",
                    {"reader_id": self.reader_id, "session": index}, now,
                )  # fmt: skip
            # in_progress: a session found open after a crash is simply taken up again
            self._reading = self._load(session, row)
        self._open_index = index
        self._timer = _Timer()
        return self.current()

    def _check_images(self, session: Session, row: ReadingSessionRow) -> None:
        """Refuse to start a session whose images changed or went missing since the study was
        created (a reader must read exactly what the study recorded)."""
        case_ids = {item.case_id for item in self._order(session, row)}
        findings = case_file_findings(session, self._study.id, case_ids)
        if findings:
            listed = "\n".join(f"  - {finding.message}" for finding in findings[:10])
            more = f"\n  ... and {len(findings) - 10} more" if len(findings) > 10 else ""
            raise ReaderError(
                f"session {row.index} cannot start: {len(findings)} image file(s) changed or "
                f"missing since the study was created (ask the coordinator):\n{listed}{more}"
            )

    def _load(self, session: Session, row: ReadingSessionRow) -> _OpenReading:
        items = self._order(session, row)
        ids = {item.case_id for item in items}
        practice = {item.case_id for item in items if item.practice}
        cases = {  # the truth is kept only for practice cases, whose answer it follows
            case.case_id: _CaseInfo(
                case.laterality,
                case.view,
                dict(case.clinical),
                case.truth if case.case_id in practice else None,
            )
            for case in session.scalars(
                select(CaseRow).where(CaseRow.study_id == self._study.id, CaseRow.case_id.in_(ids))
            )
        }
        files: dict[str, dict[str, Path]] = {case_id: {} for case_id in ids}
        for file in session.scalars(
            select(CaseFileRow).where(
                CaseFileRow.study_id == self._study.id, CaseFileRow.case_id.in_(ids)
            )
        ):
            files[file.case_id][file.kind] = Path(file.path)
        answers = {
            (decision.case_id, decision.mode): (
                decision.id,
                Answer(decision.decision, decision.pom, decision.bi_rads, decision.comment),
            )
            for decision in session.scalars(
                select(DecisionRow).where(
                    DecisionRow.session_id == row.id, DecisionRow.current.is_(True)
                )
            )
        }
        return _OpenReading(row.id, row.index, items, cases, files, answers)

    def pause(self) -> None:
        """Pause the open session (the reading timer stops)."""
        index = self._require_open()
        now = self._clock.now()
        with store_call(self._store), self._store.session() as session:
            row = self._session_row(session, index)
            row.state = next_state(SessionState(row.state), SessionAction.PAUSE).value
            append_event(
                session, self._study.id, self.reader_id, "session_paused",
                {"reader_id": self.reader_id, "session": index}, now,
            )  # fmt: skip
        self._timer.paused_since = now

    def resume(self) -> CaseToRead | None:
        """Resume the paused session; returns the case to read."""
        index = self._require_open()
        now = self._clock.now()
        with store_call(self._store), self._store.session() as session:
            row = self._session_row(session, index)
            row.state = next_state(SessionState(row.state), SessionAction.RESUME).value
            append_event(
                session, self._study.id, self.reader_id, "session_resumed",
                {"reader_id": self.reader_id, "session": index}, now,
            )  # fmt: skip
        if self._timer.paused_since is not None:
            self._timer.paused += now - self._timer.paused_since
            self._timer.paused_since = None
        return self.current()

    def _require_open(self) -> int:
        if self._open_index is None or self._reading is None:
            raise ReaderError("no session is open; open one first")
        return self._open_index

    # ------------------------------------------------------------------------------- reading

    @staticmethod
    def _stages(item: _Item) -> tuple[Stage, ...]:
        return (UNAIDED, AIDED) if item.mode == SEQUENTIAL else (item.mode,)  # type: ignore[return-value]

    def _done(self, item: _Item, answered: Mapping[tuple[str, str], object]) -> bool:
        return all((item.case_id, stage) in answered for stage in self._stages(item))

    def _next(self, reading: _OpenReading) -> tuple[_Item, Stage] | None:
        for item in reading.items:
            for stage in self._stages(item):
                if (item.case_id, stage) not in reading.answers:
                    return item, stage
        return None

    def current(self) -> CaseToRead | None:
        """The case to read now (``None`` when the session is completed)."""
        index = self._require_open()
        reading = self._reading
        assert reading is not None
        found = self._next(reading)
        if found is None:
            return None
        item, stage = found
        case = self._case(reading, item, stage)
        key = (index, item.position, stage)
        if self._timer.key != key:
            self._timer = _Timer(key=key, shown_at=self._clock.now())
        return case

    def upcoming(self, count: int = 1) -> list[CaseToRead]:
        """The next ``count`` cases after the one to read now, in order, so that a workstation
        can prepare their images while the reader reads. Nothing is handed out: no timer
        starts, and each case is read as it would be when it comes (an aided case carries the
        model's output, an unaided one none). The current case's own later stage (sequential
        design) is not listed: its images are those on screen."""
        self._require_open()
        reading = self._reading
        assert reading is not None
        found = self._next(reading)
        if found is None:
            return []
        seen = {found[0].case_id}
        cases: list[CaseToRead] = []
        for item in reading.items:
            if len(cases) >= count:
                break
            if item.case_id in seen or self._done(item, reading.answers):
                continue
            seen.add(item.case_id)
            stage = next(s for s in self._stages(item) if (item.case_id, s) not in reading.answers)
            cases.append(self._case(reading, item, stage))
        return cases

    def _case(self, reading: _OpenReading, item: _Item, stage: Stage) -> CaseToRead:
        case = reading.cases[item.case_id]
        files = reading.files[item.case_id]
        model = None
        unaided_answer = None
        if stage == AIDED:
            model = self._model(item.case_id)
            if item.mode == SEQUENTIAL:
                unaided_answer = reading.answers[(item.case_id, UNAIDED)][1]
        return CaseToRead(
            session_index=reading.index,
            position=item.position,
            total=len(reading.items),
            case_id=item.case_id,
            stage=stage,
            practice=item.practice,
            low_energy=files["low_energy"],
            recombined=files["recombined"],
            mask=files.get("mask"),
            laterality=case.laterality,
            view=case.view,
            clinical=dict(case.clinical),
            model=model,
            unaided_answer=unaided_answer,
        )

    def _model(self, case_id: str) -> ModelOutput | None:
        if case_id not in self._models:
            with store_call(self._store), self._store.session(read_only=True) as session:
                output = session.get(ModelOutputRow, (self._study.id, case_id))
                self._models[case_id] = (
                    None
                    if output is None
                    else ModelOutput(
                        output.probability,
                        None if output.heatmap is None else decode_heatmap(output.heatmap),
                        self._thresholds(),
                    )
                )
        return self._models[case_id]

    def _thresholds(self) -> dict[str, float]:
        if self._shown_thresholds is None:
            self._shown_thresholds = shown_thresholds(self._study)
        return self._shown_thresholds

    def timing_now(self) -> ReadTiming:
        """The timing of the case to read now, as if it were submitted at this moment: what a
        workstation records with an answer it may have to deliver later (the outbox).

        Raises:
            ReaderError: no open session, or no case left to read.
        """
        index = self._require_open()
        reading = self._reading
        assert reading is not None
        found = self._next(reading)
        if found is None:
            raise ReaderError(f"session {index} has no case left to answer")
        item, stage = found
        return self._timing(index, item, stage)

    def _timing(self, index: int, item: _Item, stage: Stage) -> ReadTiming:
        now = self._clock.now()
        timer = self._timer
        shown_at = timer.shown_at if timer.key == (index, item.position, stage) else None
        started = shown_at or now
        active = max((now - started - timer.paused).total_seconds(), 0.0)
        return ReadTiming(started, now, round(active, 3))

    def submit(
        self,
        answer: Answer,
        exposure: AiExposure | None = None,
        *,
        submission_id: str | None = None,
        expected: CaseRef | None = None,
        timing: ReadTiming | None = None,
    ) -> SubmitReceipt:
        """Record the answer to the current case, committed before this returns.

        Args:
            answer: the reader's answer.
            exposure: what the workstation saw of the model's output (aided reads).
            submission_id: the workstation's id of this submission (a UUID's hex; at most
                64 letters, digits, ``-`` or ``_``). Submitted again with the same id, the
                answer is not stored again: the receipt of the stored decision is returned
                (its ``next_case`` is the case to read now). This is what makes a retry safe
                when the connection dropped and nobody knows whether the commit happened.
            expected: the read the answer is for (``case.ref`` of the case shown). When the
                case to read now is another one, nothing is stored and ReaderError says so.
            timing: the read's timing measured when the reader submitted
                (:meth:`timing_now`); by default, now.

        Raises:
            ReaderError: no open session, the session is paused, or the answer is invalid
                (decision not 0/1, pom outside 0–100, an unknown BI-RADS category).
            RefusedSubmissionError: the case was answered at another workstation meanwhile,
                ``expected`` is not the case to read now, or ``submission_id`` was already
                used for another answer (a :class:`ReaderError`; nothing was stored).
            StoreUnavailable: the database cannot be reached; the answer may or may not have
                been committed, so retry with the same ``submission_id``.
        """
        check_answer(answer)
        check_submission_id(submission_id)
        if timing is not None:
            _check_timing(timing)
        self._read_following_model()
        with store_call(self._store):
            try:
                with self._store.session() as session:
                    stored = (
                        None
                        if submission_id is None
                        else self._stored_submission(session, submission_id)
                    )
                    if stored is not None:
                        outcome = self._repeat(session, stored, answer, expected)
                    else:
                        outcome = self._write(
                            session, answer, exposure, submission_id, expected, timing
                        )
            except IntegrityError:
                # the same submission committed by another process between our look-up and
                # our insert (PostgreSQL): the unique submission id refused the second one
                if submission_id is None:
                    raise
                with self._store.session() as session:
                    stored = self._stored_submission(session, submission_id)
                    if stored is None:
                        raise
                    outcome = self._repeat(session, stored, answer, expected)
            if outcome.reading is not None:  # only once committed
                self._reading = outcome.reading
            if outcome.written:  # the case's timer is spent (a repeat leaves the timer alone:
                self._timer = _Timer()  # the case being read may be a later one)
            next_case = self.current() if self._open_index is not None else None
        return SubmitReceipt(outcome.decision_id, outcome.practice_truth, next_case)

    def _read_following_model(self) -> None:
        """Read the model output of the read after the one to answer now, before the answer is
        written: once it is committed, the receipt's next case needs no further access, so a
        :class:`StoreUnavailable` from :meth:`submit` never comes after this session counted
        the answer as given (a workstation holding the answer would count it twice)."""
        reading = self._reading
        if self._open_index is None or reading is None:
            return
        found = self._next(reading)
        if found is None:
            return
        item, stage = found
        answered = {**reading.answers, (item.case_id, stage): (0, Answer(0, 0))}
        following = self._next(replace(reading, answers=answered))
        # not the aided stage of the case read unaided now: nothing of the model is read
        # before its unaided answer is committed (the workstation waits for the store there)
        if following is not None and following[1] == AIDED and following[0] != item:
            self._model(following[0].case_id)

    def _stored_submission(self, session: Session, submission_id: str) -> DecisionRow | None:
        return session.scalars(
            select(DecisionRow).where(DecisionRow.submission_id == submission_id)
        ).one_or_none()

    def _repeat(
        self, session: Session, stored: DecisionRow, answer: Answer, expected: CaseRef | None
    ) -> _Outcome:
        """A submission already stored: check it is the same one, and report it."""
        row = session.get(ReadingSessionRow, stored.session_id)
        assert row is not None
        if row.study_id != self._study.id or row.reader_id != self.reader_id:
            raise RefusedSubmissionError(
                f"submission {stored.submission_id} belongs to another reader; nothing was stored"
            )
        same = (
            stored.decision == answer.decision
            and stored.pom == answer.pom
            and stored.bi_rads == canonical_bi_rads(answer.bi_rads or "")
            and stored.comment == (answer.comment or None)
        )
        if not same:
            raise RefusedSubmissionError(
                f"submission {stored.submission_id} was already stored with another answer "
                f"(case {stored.case_id}, {stored.mode}); this one was not stored"
            )
        if expected is not None and (
            expected.session_index != row.index
            or expected.case_id != stored.case_id
            or expected.stage != stored.mode
        ):
            raise RefusedSubmissionError(
                f"submission {stored.submission_id} was stored for case {stored.case_id} "
                f"({stored.mode}, session {row.index}), not for {expected.describe()}"
            )
        item = session.scalars(
            select(OrderItemRow).where(
                OrderItemRow.session_id == row.id, OrderItemRow.case_id == stored.case_id
            )
        ).first()
        practice_truth = None
        if item is not None and item.practice:
            last = self._stages(_Item(item.position, item.case_id, item.mode, item.practice))[-1]
            if stored.mode == last:
                case = session.get(CaseRow, (self._study.id, stored.case_id))
                practice_truth = None if case is None else case.truth
        reading = None
        open_reading = self._reading
        if (
            open_reading is not None
            and open_reading.session_id == row.id
            and stored.current
            and (stored.case_id, stored.mode) not in open_reading.answers
        ):
            stored_answer = Answer(stored.decision, stored.pom, stored.bi_rads, stored.comment)
            reading = _OpenReading(
                open_reading.session_id,
                open_reading.index,
                open_reading.items,
                open_reading.cases,
                open_reading.files,
                {**open_reading.answers, (stored.case_id, stored.mode): (stored.id, stored_answer)},
            )
        return _Outcome(stored.id, practice_truth, reading, written=False)

    def _write(
        self,
        session: Session,
        answer: Answer,
        exposure: AiExposure | None,
        submission_id: str | None,
        expected: CaseRef | None,
        timing: ReadTiming | None,
    ) -> _Outcome:
        """A new submission: the decision, its audit event and the session's progress."""
        index = self._require_open()
        reading = self._reading
        assert reading is not None
        found = self._next(reading)
        if found is None:
            if expected is not None:
                raise RefusedSubmissionError(
                    f"this answer is for {expected.describe()}, but session {index} has no "
                    "case left to answer; it was not stored"
                )
            raise ReaderError(f"session {index} has no case left to answer")
        item, stage = found
        if expected is not None and expected != CaseRef(index, item.position, item.case_id, stage):
            now_ref = CaseRef(index, item.position, item.case_id, stage)
            raise RefusedSubmissionError(
                f"this answer is for {expected.describe()}, but the case to read now is "
                f"{now_ref.describe()}; it was not stored"
            )
        timing = timing or self._timing(index, item, stage)
        started, now, active = timing.started_at, timing.submitted_at, timing.reading_time_s
        row = session.get(ReadingSessionRow, reading.session_id)
        assert row is not None
        if SessionState(row.state) is not SessionState.IN_PROGRESS:
            raise ReaderError(f"session {index} is {row.state}; resume it to submit")
        already = session.scalar(
            select(DecisionRow.id).where(
                DecisionRow.session_id == row.id,
                DecisionRow.case_id == item.case_id,
                DecisionRow.mode == stage,
                DecisionRow.current.is_(True),
            )
        )
        if already is not None:
            self._reading = self._load(session, row)
            raise RefusedSubmissionError(
                f"case {item.case_id} was answered at another workstation meanwhile; "
                "the session goes on from the next case"
            )
        output = self._model(item.case_id) if stage == AIDED else None
        first_shown = None
        if stage == AIDED:
            first_shown = (exposure.first_shown_at if exposure else None) or started
        follows = None
        if item.mode == SEQUENTIAL and stage == AIDED:
            follows = reading.answers[(item.case_id, UNAIDED)][0]
        decision = DecisionRow(
            session_id=row.id,
            case_id=item.case_id,
            mode=stage,
            version=1,
            current=True,
            decision=answer.decision,
            pom=answer.pom,
            bi_rads=canonical_bi_rads(answer.bi_rads or ""),
            comment=answer.comment or None,
            reading_time_s=round(active, 3),
            started_at=started,
            submitted_at=now,
            model_probability_shown=None if output is None else output.probability,
            ai_first_shown_at=first_shown,
            heatmap_events=[
                {"at": at.isoformat(), "on": on}
                for at, on in (exposure.heatmap_events if exposure else ())
            ],
            follows_decision_id=follows,
            submission_id=submission_id,
        )
        session.add(decision)
        session.flush()
        append_decision_event(session, decision, self.reader_id)
        row.active_seconds = (row.active_seconds or 0.0) + active
        answers = {**reading.answers, (item.case_id, stage): (decision.id, answer)}
        if all(self._done(other, answers) for other in reading.items):
            row.state = next_state(SessionState(row.state), SessionAction.COMPLETE).value
            row.completed_at = now
            append_event(
                session, self._study.id, self.reader_id, "session_completed",
                {"reader_id": self.reader_id, "session": index}, now,
            )  # fmt: skip
        practice_truth = None
        if item.practice and stage == self._stages(item)[-1]:
            practice_truth = reading.cases[item.case_id].practice_truth
        updated = _OpenReading(
            reading.session_id, reading.index, reading.items, reading.cases, reading.files, answers
        )
        return _Outcome(decision.id, practice_truth, updated, written=True)


@dataclass(frozen=True)
class _Outcome:
    """What a submission's transaction decided, applied to the session once committed."""

    decision_id: int
    practice_truth: int | None
    reading: _OpenReading | None
    written: bool


@dataclass(frozen=True)
class _Item:
    """One read of a session's stored order."""

    position: int
    case_id: str
    mode: str
    practice: bool


@dataclass(frozen=True)
class _CaseInfo:
    """What a reader may see of a case (the truth of practice cases only, for their feedback)."""

    laterality: str | None
    view: str | None
    clinical: dict[str, object]
    practice_truth: int | None


@dataclass
class _OpenReading:
    """The open session as read once from the store, and the answers committed since."""

    session_id: int
    index: int
    items: list[_Item]
    cases: dict[str, _CaseInfo]
    files: dict[str, dict[str, Path]]
    answers: dict[tuple[str, str], tuple[int, Answer]]


def shown_thresholds(study: StudyRow) -> dict[str, float]:
    """The model's operating points the study shows its readers (from the stored study.toml)."""
    loaded = parse_study_definition(
        study.definition_toml, source="study.toml (stored)", base_dir="."
    )
    model = loaded.definition.model
    if model is None:
        return {}
    return {name: model.thresholds[name] for name in model.thresholds_shown}


def check_submission_id(submission_id: str | None) -> None:
    """Refuse a submission id the store cannot keep (not text, empty, longer than
    :data:`SUBMISSION_ID_MAX`, or with characters other than letters, digits, ``-`` and ``_``)."""
    if submission_id is None:
        return
    if (
        not isinstance(submission_id, str)
        or not 0 < len(submission_id) <= SUBMISSION_ID_MAX
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in submission_id)
    ):
        raise ReaderError(
            f"submission id must be 1–{SUBMISSION_ID_MAX} letters, digits, '-' or '_' "
            f"(a UUID's hex), got {submission_id!r}"
        )


def _check_timing(timing: ReadTiming) -> None:
    for name in ("started_at", "submitted_at"):
        value = getattr(timing, name)
        if value.tzinfo is None or value.utcoffset() is None:
            raise ReaderError(f"timing.{name} {value.isoformat()} has no time zone")
    if timing.submitted_at < timing.started_at or not timing.reading_time_s >= 0:
        raise ReaderError(
            f"timing is impossible: submitted at {timing.submitted_at.isoformat()}, started at "
            f"{timing.started_at.isoformat()}, {timing.reading_time_s} s of reading"
        )


def check_answer(answer: Answer) -> None:
    """Refuse an answer the study cannot store (decision not 0/1, pom outside 0–100, an unknown
    BI-RADS category)."""
    if isinstance(answer.decision, bool) or answer.decision not in (0, 1):
        raise ReaderError(f"decision must be 0 (benign) or 1 (malignant), got {answer.decision!r}")
    if (
        isinstance(answer.pom, bool)
        or not isinstance(answer.pom, int)
        or not 0 <= answer.pom <= 100
    ):
        raise ReaderError(
            f"probability of malignancy must be a whole number 0–100, got {answer.pom!r}"
        )
    try:
        canonical_bi_rads(answer.bi_rads or "")
    except ValueError as error:
        raise ReaderError(str(error)) from None
