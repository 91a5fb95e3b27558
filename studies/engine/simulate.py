"""Simulated readers that read a study through the same reader API as radiologists.

A dry run of a study (to size it, to try the analysis, to feed the demo and the tests) should
exercise exactly what the reading workstation will: log in, open a session, read the stored order,
submit, pause. The answers come from the latent reader model of
:mod:`studies.simulation.reader_study` (each reader's unaided and aided answer to each case, with
their reliance on the model); time comes from a :class:`~studies.engine.clock.SimulatedClock`
that advances by each simulated reading time and, between sessions, by the washout.

Run again after being stopped, it continues where it stopped: the store knows what was answered,
and the simulated answers are a pure function of the seed. The store is marked simulated first,
so every export says so.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select

from studies.engine.clock import SimulatedClock
from studies.engine.coordinator_api import mark_simulated, set_pin
from studies.engine.reader_api import Answer, ReaderError, ReaderSession, _only_study
from studies.engine.session_state import SessionState, washout_opens_at
from studies.simulation.reader_study import simulate_reader_study
from studies.store.database import Store
from studies.store.schema import CaseRow, DecisionRow, ReaderRow, ReadingSessionRow

#: Pause between two cases of a simulated reader.
_GAP = timedelta(seconds=5)


@dataclass(frozen=True)
class SimulationSummary:
    """What a simulation run did."""

    readers: tuple[str, ...]
    answers: int
    sessions_completed: int


def _answers(
    store: Store, reader_ids: Sequence[str], seed: int
) -> dict[tuple[str, str, str], tuple[int, int, str, float]]:
    """(reader, stage, case) → (decision, pom, BI-RADS, reading seconds) for every scored case."""
    with store.session(read_only=True) as session:
        study = _only_study(session, None)
        cases = session.scalars(
            select(CaseRow).where(CaseRow.study_id == study.id).order_by(CaseRow.case_id)
        ).all()
        all_readers = session.scalars(
            select(ReaderRow.reader_id).where(ReaderRow.study_id == study.id)
        ).all()
    labelled = [case for case in cases if case.truth is not None]
    truth = np.array([case.truth for case in labelled], dtype=int)
    ordered_readers = sorted(all_readers)
    simulated = simulate_reader_study(
        truth,
        [case.case_id for case in labelled],
        n_readers=len(ordered_readers),
        seed=seed,
        study_id=study.id,
    )
    by_profile = {f"R{j + 1}": reader for j, reader in enumerate(ordered_readers)}
    answers: dict[tuple[str, str, str], tuple[int, int, str, float]] = {}
    for row in simulated.reads.to_dict("records"):
        reader = by_profile[str(row["reader_id"])]
        if reader in reader_ids:
            answers[(reader, str(row["session"]), str(row["case_id"]))] = (
                int(row["decision"]),
                int(row["pom"]),
                str(row["bi_rads"]),
                float(row["reading_time_s"]),
            )
    return answers


def simulate_readers(
    store: Store,
    *,
    readers: Sequence[str] | None = None,
    seed: int = 0,
    start: datetime | None = None,
    stop_after: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationSummary:
    """Let simulated readers read every open case of ``readers`` (default: all).

    ``stop_after`` stops after that many answers (for tests of resuming).
    """
    with store.session(read_only=True) as session:
        study = _only_study(session, None)
        known = sorted(
            session.scalars(select(ReaderRow.reader_id).where(ReaderRow.study_id == study.id))
        )
        latest = session.scalar(
            select(func.max(DecisionRow.submitted_at))
            .join(ReadingSessionRow, ReadingSessionRow.id == DecisionRow.session_id)
            .where(ReadingSessionRow.study_id == study.id)
        )
    chosen = list(readers) if readers else known
    unknown = [reader for reader in chosen if reader not in known]
    if unknown:
        raise ReaderError(f"no reader {', '.join(unknown)} in study '{study.id}'")
    # a resumed simulation goes on from its last answer: its clock never runs backwards
    clock = SimulatedClock(
        max(start or datetime.now(UTC), latest or datetime.min.replace(tzinfo=UTC))
    )
    mark_simulated(store, clock=clock)
    answers = _answers(store, chosen, seed)
    done = 0
    completed = 0
    for reader_id in chosen:
        pin = f"{secrets.randbelow(10**8):08d}"  # a fresh PIN, set and used like a real one
        set_pin(store, reader_id, pin, clock=clock)
        reader = ReaderSession.login(store, reader_id, pin, clock=clock)
        for status in reader.sessions():
            if status.state is SessionState.COMPLETED:
                continue
            if not status.can_open:
                first = reader.sessions()[0]
                if first.state is not SessionState.COMPLETED:
                    break
                with store.session(read_only=True) as session:
                    row = session.scalars(
                        select(ReadingSessionRow).where(
                            ReadingSessionRow.study_id == study.id,
                            ReadingSessionRow.reader_id == reader_id,
                            ReadingSessionRow.index == 1,
                        )
                    ).one()
                    assert row.completed_at is not None
                    opens = washout_opens_at(row.completed_at, study.washout_days)
                if opens > clock.now():
                    clock.advance(opens - clock.now())
            case = reader.open(status.index)
            while case is not None:
                if stop_after is not None and done >= stop_after:
                    return SimulationSummary(tuple(chosen), done, completed)
                decision, pom, bi_rads, seconds = answers.get(
                    (reader_id, case.stage, case.case_id), (0, 10, "3", 30.0)
                )  # practice and unlabelled cases: a plain benign answer
                clock.advance(timedelta(seconds=seconds))
                receipt = reader.submit(Answer(decision, pom, bi_rads))
                done += 1
                if progress is not None:
                    progress(done)
                clock.advance(_GAP)
                case = receipt.next_case
            completed += 1
    return SimulationSummary(tuple(chosen), done, completed)
