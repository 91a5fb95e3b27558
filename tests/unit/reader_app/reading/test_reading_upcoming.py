"""``ReaderSession.upcoming``: the cases after the current one, for preparing their images —
read from memory, handing nothing out, blinded as the cases themselves will be."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from reading_study import PINS, START, make_study

from studies.engine.clock import SimulatedClock
from studies.engine.export import collect_export
from studies.engine.reader_api import Answer, ReaderSession


def test_upcoming_lists_the_next_cases_without_handing_them_out(
    cohort: Path, tmp_path: Path
) -> None:
    clock = SimulatedClock(START)
    store = make_study(cohort, f"sqlite:///{tmp_path / 'study.db'}", clock=clock)
    reader = ReaderSession.login(store, "R1", PINS["R1"], clock=clock)
    first = reader.open(1)
    assert first is not None
    clock.advance(timedelta(seconds=30))
    after = reader.upcoming(2)
    assert [case.position for case in after] == [2, 3]
    assert all(case.stage == "unaided" and case.model is None for case in after)
    assert reader.upcoming(10)[-1].position == 4 and len(reader.upcoming(10)) == 3
    # the current case's timer was not restarted by looking ahead
    receipt = reader.submit(Answer(0, 10, "3"))
    assert receipt.next_case is not None and receipt.next_case.case_id == after[0].case_id
    assert list(collect_export(store).reads["reading_time_s"]) == [30.0]
    store.close()


def test_upcoming_skips_the_current_case_own_aided_stage_in_the_sequential_design(
    cohort: Path, tmp_path: Path
) -> None:
    clock = SimulatedClock(START)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    store = make_study(cohort, url, {"design": "sequential"}, clock=clock)
    reader = ReaderSession.login(store, "R2", PINS["R2"], clock=clock)
    first = reader.open(1)
    assert first is not None and first.stage == "unaided"
    after = reader.upcoming(1)
    assert after[0].case_id != first.case_id and after[0].stage == "unaided"
    assert after[0].model is None  # its unaided stage comes first: no model output
    store.close()
