"""The submitter (no window): answers held in the outbox while the store is away, and the case
shown after them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reading_study import CASES, PINS, START, make_study

from reader_app.reading.submission import Submitter, measured_timing
from studies.engine.clock import SimulatedClock
from studies.engine.outbox import DecisionOutbox
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.store_access import StoreUnavailable


class _StoreLostAfterOneDelivery(ReaderSession):
    """A reader session whose store goes away again right after its next commit (a network
    that comes back for a moment): the real store, its file moved away."""

    database: Path
    lose_after_next_submit = False

    def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        receipt = super().submit(*args, **kwargs)
        if self.lose_after_next_submit:
            self.lose_after_next_submit = False
            shutil.move(self.database, self.database.with_suffix(".away"))
        return receipt


def test_answers_delivered_before_the_store_went_away_again_no_longer_count_as_held(
    cohort: Path, tmp_path: Path
) -> None:
    database = tmp_path / "study.db"
    clock = SimulatedClock(START)
    store = make_study(cohort, f"sqlite:///{database}", clock=clock)
    reader = _StoreLostAfterOneDelivery.login(store, "R2", PINS["R2"], clock=clock)
    assert isinstance(reader, _StoreLostAfterOneDelivery)
    reader.database = database
    submitter = Submitter(
        DecisionOutbox(tmp_path / "outbox", study_id=reader.study_id, reader_id="R2"),
        sequential=False,
    )
    case = reader.open(1)
    reader.upcoming(CASES)  # what the window prefetches: every model output is read
    away = database.with_suffix(".away")

    def answer(pom: int):  # type: ignore[no-untyped-def]
        timing = measured_timing(clock.now(), clock.now(), 0.0)
        return submitter.submit(reader, case, Answer(0, pom, "3"), None, timing)

    shutil.move(database, away)
    outcome = answer(10)  # case 1, held
    assert outcome.kept_locally and outcome.next_case.position == 2
    case = outcome.next_case
    outcome = answer(20)  # case 2, held
    assert outcome.kept_locally and outcome.next_case.position == 3
    case = outcome.next_case
    shutil.move(away, database)  # back for one delivery, then away again
    reader.lose_after_next_submit = True
    with pytest.raises(StoreUnavailable):
        submitter.deliver(reader)
    assert submitter.held() == 1  # case 1 is in the store now; case 2 waits
    outcome = answer(30)  # case 3, held behind case 2
    assert outcome.kept_locally and not outcome.waiting
    assert outcome.next_case is not None and outcome.next_case.position == 4
    shutil.move(away, database)
    assert submitter.deliver(reader).left == 0
    assert reader.current().position == 4
    store.close()
