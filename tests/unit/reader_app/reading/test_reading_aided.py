"""Aided reading at the workstation: the model's output and heat map, the exposure events the
store records, the sequential design's lock, the washout, and the proof that an unaided read
never asks for the model's output."""

from __future__ import annotations

import sys
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from keys import log_in, open_session, press, wait_for_case, wait_for_sessions
from PySide6.QtCore import Qt
from reading_study import START, make_study, read_session_through_the_api
from sqlalchemy import select

from studies.engine.clock import SimulatedClock
from studies.engine.reader_api import CaseToRead, ReaderSession
from studies.store.schema import DecisionRow


def test_aided_reading_shows_the_model_and_records_the_heatmap_toggles(
    qtbot, cohort: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store = make_study(cohort, study_url)
    read_session_through_the_api(store, "R1", 1)
    window = open_workstation(store, study_url)
    log_in(qtbot, window, "R1", "1111")
    reading = open_session(qtbot, window, Qt.Key.Key_Down, Qt.Key.Key_Return)  # 2: aided
    case = reading.current_case()
    assert case.stage == "aided" and case.model is not None
    panel = reading.aided_panel
    assert panel.isVisible()
    assert panel.probability_label.text() == f"{case.model.probability * 100:.0f} %"
    assert panel.bar._thresholds == {"youden": 0.42}  # the study's shown threshold
    # the heat map starts on; H switches it off and on; the check box follows
    assert reading.viewer.heatmap_visible() and panel.heatmap_box.isChecked()
    press(window, "h")
    assert not reading.viewer.heatmap_visible() and not panel.heatmap_box.isChecked()
    press(window, "h")
    assert reading.viewer.heatmap_visible()
    before = reading.viewer.heatmap_opacity()
    press(window, ".", ".")
    assert reading.viewer.heatmap_opacity() == pytest.approx(before + 0.2)
    assert panel.opacity() == pytest.approx(before + 0.2)
    press(window, ",")
    assert reading.viewer.heatmap_opacity() == pytest.approx(before + 0.1)
    panel.heatmap_box.click()  # the mouse does what H does
    assert not reading.viewer.heatmap_visible()
    press(window, "m", "8", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reading.current_case() != case)

    with store.session(read_only=True) as session:
        decision = session.scalars(
            select(DecisionRow).where(
                DecisionRow.case_id == case.case_id, DecisionRow.mode == "aided"
            )
        ).one()
        events = [event["on"] for event in decision.heatmap_events]
        assert events == [True, False, True, False]
        assert decision.ai_first_shown_at is not None
        assert decision.model_probability_shown == pytest.approx(case.model.probability)
    store.close()


def test_the_sequential_design_locks_the_unaided_answer_before_the_model_appears(
    qtbot, seat_reader
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R2", {"design": "sequential"})
    reading = open_session(qtbot, window)
    case = reading.current_case()
    assert case.stage == "unaided"
    assert not reading.aided_panel.isVisible() and not reading.viewer.heatmap_visible()
    assert reading.viewer.current_case().heatmap is None  # no model output in the images
    press(window, "b", "3", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: reading.current_case() is not None and reading.current_case().stage == "aided"
    )
    aided = reading.current_case()
    assert aided.case_id == case.case_id and aided.unaided_answer is not None
    banner = reading.aided_panel.locked_banner
    assert (
        banner.isVisible()
        and "LOCKED" in banner.text()
        and "Benign · 30 % · BI-RADS 3" in banner.text()
    )
    assert reading.aided_panel.probability_label.text().endswith("%")
    assert "step 2 of 2" in reading.mode_label.text()
    assert reading.viewer.heatmap_visible()  # the heat map was added to the same images
    with store.session(read_only=True) as session:  # the unaided answer is in the store
        stored = session.scalars(
            select(DecisionRow).where(DecisionRow.case_id == case.case_id)
        ).all()
        assert [row.mode for row in stored] == ["unaided"]
    # the aided answer starts from the unaided one; the reader revises it
    assert reading.decision_panel.pom() == 30
    press(window, "m", "6", "0", Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: (
            reading.current_case() is not None and reading.current_case().case_id != case.case_id
        )
    )
    assert reading.current_case().stage == "unaided" and not reading.aided_panel.isVisible()
    with store.session(read_only=True) as session:
        stored = session.scalars(
            select(DecisionRow).where(DecisionRow.case_id == case.case_id)
        ).all()
        aided_row = next(row for row in stored if row.mode == "aided")
        unaided_row = next(row for row in stored if row.mode == "unaided")
        assert aided_row.follows_decision_id == unaided_row.id and aided_row.decision == 1
        assert unaided_row.decision == 0 and unaided_row.model_probability_shown is None
    store.close()


def test_a_session_in_washout_shows_only_its_opening_date(
    qtbot, cohort: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    clock = SimulatedClock(START)
    store = make_study(cohort, study_url, {"washout_days": 30}, clock=clock)
    read_session_through_the_api(store, "R1", 1, clock=clock)
    clock.advance(timedelta(days=3))
    window = open_workstation(store, study_url, clock=clock)
    log_in(qtbot, window, "R1", "1111")
    wait_for_sessions(qtbot, window)
    pages = window.sessions
    first, second = pages.list.item(0), pages.list.item(1)
    assert "completed" in first.text()
    assert second.text().startswith("Session 2  ·  opens on ")
    assert "case" not in second.text() and "aided" not in second.text()  # nothing else of it
    opens = START + timedelta(seconds=10 * 4, days=30)
    assert f"{opens:%d %B %Y}" in second.text() and pages.washout.isVisible()
    assert not second.flags() & Qt.ItemFlag.ItemIsEnabled
    press(window, Qt.Key.Key_Down, Qt.Key.Key_Return)
    assert window.reading is None and pages.isVisible()  # Enter opens nothing
    store.close()


class _WatchedCase(CaseToRead):
    """A case that records every read of its ``model`` attribute."""

    reads: ClassVar[list[tuple[str, str]]] = []

    def __getattribute__(self, name: str) -> object:
        if name == "model":
            caller = sys._getframe(1).f_code
            _WatchedCase.reads.append((caller.co_filename, caller.co_name))
        return object.__getattribute__(self, name)


def _watched(case: CaseToRead | None) -> CaseToRead | None:
    if case is None:
        return None
    return _WatchedCase(**{f.name: object.__getattribute__(case, f.name) for f in fields(case)})


def test_an_unaided_session_never_asks_for_the_model_output(
    qtbot, seat_reader, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Every case the engine hands out is wrapped so that reading its ``model`` is recorded,
    and the engine's model loader is watched: a whole unaided session at the workstation reads
    neither."""
    loads: list[str] = []
    original_model = ReaderSession._model
    monkeypatch.setattr(
        ReaderSession,
        "_model",
        lambda self, case_id: loads.append(case_id) or original_model(self, case_id),
    )
    for name in ("open", "current", "resume"):
        original = getattr(ReaderSession, name)
        monkeypatch.setattr(
            ReaderSession, name, lambda self, *a, _o=original: _watched(_o(self, *a))
        )
    original_upcoming = ReaderSession.upcoming
    monkeypatch.setattr(
        ReaderSession,
        "upcoming",
        lambda self, n=1: [_watched(c) for c in original_upcoming(self, n)],
    )
    _WatchedCase.reads = []
    store, window = seat_reader("R1")
    reading = open_session(qtbot, window)
    handed_out = 0
    while reading.state() != "done":
        reading = wait_for_case(qtbot, window)
        case = reading.current_case()
        assert isinstance(case, _WatchedCase) and case.stage == "unaided"
        handed_out += 1
        press(window, "b", "2", "]", Qt.Key.Key_Space, Qt.Key.Key_Space, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda case=case, reading=reading: reading.current_case() is not case)
    assert handed_out == 4
    assert _WatchedCase.reads == [] and loads == []
    # the same watch sees an aided read: the check can fail
    press(window, Qt.Key.Key_Return)
    open_session(qtbot, window, Qt.Key.Key_Down, Qt.Key.Key_Return)
    assert _WatchedCase.reads and loads
    store.close()


def test_keeping_the_unaided_answer_in_the_aided_stage_takes_a_second_enter(
    qtbot, seat_reader
) -> None:  # type: ignore[no-untyped-def]
    # A double tap of Enter would otherwise submit the unaided answer and, a few milliseconds
    # later, the same answer as the aided one, before the reader saw the model's output.
    store, window = seat_reader("R2", {"design": "sequential"})
    reading = open_session(qtbot, window)
    case = reading.current_case()
    press(window, "m", "7", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: reading.current_case() is not None and reading.current_case().stage == "aided"
    )
    qtbot.waitUntil(lambda: reading.viewer.current_case() is not None)
    press(window, Qt.Key.Key_Return)  # the pre-filled answer, untouched
    note = reading.decision_panel.missing_label
    assert note.isVisible() and "Press Enter again" in note.text()
    assert (
        reading.current_case().stage == "aided" and reading.current_case().case_id == case.case_id
    )

    def modes() -> list[str]:
        with store.session(read_only=True) as session:
            rows = session.scalars(select(DecisionRow).where(DecisionRow.case_id == case.case_id))
            return [row.mode for row in rows]

    assert modes() == ["unaided"]
    press(window, Qt.Key.Key_Return)  # kept, knowingly
    qtbot.waitUntil(lambda: reading.current_case().case_id != case.case_id)
    assert sorted(modes()) == ["aided", "unaided"]
    store.close()
