"""Submitting an answer so that it is never lost and never stored twice, store or no store.

Runs on the reading window's engine thread (:mod:`.engine_thread`), never on the GUI thread.

* **Store reachable.** The answer is given a submission id and the timing the window measured,
  and submitted; the next case comes with the receipt, after the commit.
* **Store unreachable** (:class:`StoreUnavailable`). The *same* submission (same id) is
  put in the reader's outbox — a durable file on this computer — and the reader goes on: the
  next case is the session's next one after every answer held in the outbox
  (:meth:`ReaderSession.upcoming`, read from memory). Answers given while the store is away are
  held in order, each with the timing the workstation measured, and each names the read it is
  for, so the store takes them in order once it is back (:meth:`deliver`), each exactly once.
* **What cannot go on without the store**: the aided stage of the sequential design (it shows
  the stored unaided answer) and an aided case whose model output was not read before the store
  went away. The window then waits, saying so, and continues once the outbox is delivered.

Before any new answer is submitted, the outbox is delivered first, so answers reach the store in
the order they were given.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from model_core.vocabulary import UNAIDED
from studies.engine.outbox import DecisionOutbox, PendingSubmission, submit_pending
from studies.engine.reader_api import AiExposure, Answer, CaseToRead, ReaderSession, ReadTiming
from studies.engine.store_access import StoreUnavailable


@dataclass(frozen=True)
class SubmitOutcome:
    """What became of a submission, and what to show next."""

    answer: Answer
    #: The stored decision's id; ``None`` when the answer is held in the outbox.
    decision_id: int | None
    #: The truth of a practice case (known only when the store took the answer).
    practice_truth: int | None
    #: The case to read next (``None``: the session is complete, or see ``waiting``).
    next_case: CaseToRead | None
    #: The answer is in the outbox, not (yet) in the store.
    kept_locally: bool
    #: The next case cannot be shown before the store is back (module docstring).
    waiting: bool = False


@dataclass(frozen=True)
class OutboxDelivery:
    """What a delivery of the outbox did."""

    delivered: int
    #: Answers still waiting in the outbox.
    left: int
    #: Files set aside for the coordinator (named), if any.
    problems: tuple[str, ...] = ()


class Submitter:
    """Submits one reader's answers, through the outbox when the store is away."""

    def __init__(self, outbox: DecisionOutbox, *, sequential: bool) -> None:
        self._outbox = outbox
        self._sequential = sequential
        #: Answers of this sitting held in the outbox, oldest first.
        self._held: list[PendingSubmission] = []

    @property
    def outbox(self) -> DecisionOutbox:
        """The reader's outbox."""
        return self._outbox

    def held(self) -> int:
        """Answers of this sitting waiting in the outbox."""
        return len(self._held)

    def submit(
        self,
        reader: ReaderSession,
        case: CaseToRead,
        answer: Answer,
        exposure: AiExposure | None,
        timing: ReadTiming,
    ) -> SubmitOutcome:
        """Submit ``answer`` to ``case`` (the case on screen), committed or kept locally.

        ``timing`` is the read's timing as the window measured it (shown → submitted, minus
        pauses). It is what the store records, also for answers given while earlier ones waited
        in the outbox, when the session's own timer was not on the case the reader saw.

        Raises:
            ReaderError: the answer is refused (e.g. the case was answered elsewhere).
            OutboxError: the store is away and the outbox cannot be written either.
        """
        if self._held or self._outbox.waiting():
            with contextlib.suppress(StoreUnavailable):  # then this one waits with them
                self.deliver(reader)
        pending = PendingSubmission.of(reader, case, answer, exposure, timing)
        if self._held:  # earlier answers still wait: this one waits behind them
            return self._keep(reader, pending)
        try:
            receipt = submit_pending(reader, pending)
        except StoreUnavailable:
            return self._keep(reader, pending)
        return SubmitOutcome(
            answer, receipt.decision_id, receipt.practice_truth, receipt.next_case, False
        )

    def deliver(self, reader: ReaderSession) -> OutboxDelivery:
        """Hand the outbox to the store, oldest first.

        Raises:
            StoreUnavailable: still away (nothing lost: the answers stay in the outbox).
        """
        problems: list[str] = []
        try:
            delivered = self._outbox.deliver(reader, on_problem=problems.append)
        finally:  # also when the store went away again midway: those delivered are stored
            self._held = [held for held in self._held if self._outbox.holds(held.submission_id)]
        return OutboxDelivery(delivered, self._outbox.waiting(), tuple(problems))

    def _keep(self, reader: ReaderSession, pending: PendingSubmission) -> SubmitOutcome:
        self._outbox.put(pending)
        self._held.append(pending)
        next_case, waiting = self._local_next(reader)
        return SubmitOutcome(pending.answer, None, None, next_case, True, waiting)

    def _local_next(self, reader: ReaderSession) -> tuple[CaseToRead | None, bool]:
        """The case after every held answer, from the session's memory; ``(None, True)`` when
        it cannot be known without the store."""
        if self._sequential and self._held[-1].stage == UNAIDED:
            return None, True  # its aided stage shows the stored unaided answer
        try:
            after = reader.upcoming(len(self._held))
        except StoreUnavailable:  # an aided case whose model output was not read yet
            return None, True
        if len(after) >= len(self._held):
            return after[len(self._held) - 1], False
        return None, False  # the held answers end the session


def measured_timing(started_at: datetime, now: datetime, paused_s: float) -> ReadTiming:
    """A read's timing as the window measured it (from shown to now, minus pauses)."""
    active = max((now - started_at).total_seconds() - paused_s, 0.0)
    return ReadTiming(started_at, now, round(active, 3))
