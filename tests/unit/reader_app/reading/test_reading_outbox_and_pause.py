"""Edge cases of the reading loop's store handling: an outbox file that cannot be read, and a
resume that the store did not record because it was away."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from keys import log_in, open_session, press, wait_for_sessions
from PySide6.QtCore import QEvent, QRunnable, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication
from reading_study import CASES, PINS, make_study
from sqlalchemy import select

import reader_app.reading.window as reading_window
from studies.engine.export import collect_export
from studies.store.schema import DecisionRow


def test_an_unreadable_outbox_file_is_set_aside_and_reading_goes_on(
    qtbot, cohort: Path, tmp_path: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store = make_study(cohort, study_url)
    window = open_workstation(store, study_url)
    # left by an earlier sitting: cut short (a full disk), or written by another version
    folder = tmp_path / "outbox" / window._settings.study_id / "R1"
    folder.mkdir(parents=True)
    broken = folder / "00000001-0123abcd.json"
    broken.write_text('{"format": "cesm-reader pending submission 1", "answ', encoding="utf-8")
    log_in(qtbot, window, "R1", PINS["R1"])
    reading = open_session(qtbot, window)
    # the reader is told, to tell the coordinator
    assert (
        reading.message.isVisible() and f"kept as {broken.name}.corrupt" in reading.message.text()
    )
    first = reading.current_case()
    press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert not reading.message.isVisible(), reading.message.text()
    assert reading.current_case() is not first
    assert list(collect_export(store).reads["pom"]) == [10]
    assert not broken.exists()
    assert [path.name for path in window._submitter.outbox.set_aside()] == [
        broken.name + ".corrupt"
    ]
    store.close()


def test_a_resume_the_store_missed_is_recorded_before_the_next_answer(
    qtbot, seat_reader, study_database: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    reading = open_session(qtbot, window)
    first = reading.current_case()
    press(window, Qt.Key.Key_Space)  # paused, and the store records it
    qtbot.waitUntil(lambda: reading.is_paused() and not reading.engine_busy())
    away = tmp_path / "elsewhere.db"
    shutil.move(study_database, away)
    press(window, Qt.Key.Key_Space)  # resumed on screen; the store cannot record it
    qtbot.waitUntil(lambda: not reading.is_paused() and not reading.engine_busy())
    shutil.move(away, study_database)
    press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert not reading.message.isVisible(), reading.message.text()
    assert reading.current_case() is not first
    assert list(collect_export(store).reads["pom"]) == [10]
    store.close()


def test_a_held_enter_does_not_submit_the_aided_stage_it_opens(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R2", {"design": "sequential"})
    reading = open_session(qtbot, window)
    press(window, "b", "3", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reading.current_case().stage == "aided" and not reading.engine_busy())
    aided = reading.current_case()
    assert reading.decision_panel.pom() == 30  # starts from the locked unaided answer
    # the key still held: the keyboard repeats Enter on the aided stage's prefilled panel
    repeat = QKeyEvent(
        QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r", True
    )
    QApplication.sendEvent(QApplication.focusWidget() or window, repeat)
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert reading.current_case() is aided and reading.state() == "reading"
    with store.session(read_only=True) as session:
        assert [row.mode for row in session.scalars(select(DecisionRow))] == ["unaided"]
    store.close()


def test_a_session_finished_with_the_store_away_is_not_left_before_its_answers_are_sent(
    qtbot, seat_reader, study_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading_window, "OUTBOX_RETRY_MS", 100)
    store, window = seat_reader("R2")
    reading = open_session(qtbot, window)
    away = tmp_path / "elsewhere.db"
    shutil.move(study_database, away)
    for _ in range(CASES):
        qtbot.waitUntil(
            lambda: reading.state() == "reading" and reading.viewer.current_case() is not None
        )
        case = reading.current_case()
        press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: reading.current_case() is not case)  # noqa: B023 (waited on now)
    qtbot.waitUntil(lambda: reading.state() == "done" and not reading.engine_busy())
    assert "not yet in the study database" in reading.done_label.text()
    press(window, Qt.Key.Key_Return)  # leaving would stop the delivery: it waits for it
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert window.reading is reading
    shutil.move(away, study_database)
    qtbot.waitUntil(lambda: not reading.store_banner.isVisible())
    assert "is complete" in reading.done_label.text()
    assert list(collect_export(store).reads["pom"]) == [10] * CASES
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reading is None)
    store.close()


@pytest.mark.parametrize("store_away", [False, True])
def test_closing_with_a_submission_in_flight_keeps_its_answer(
    qtbot, seat_reader, study_database: Path, tmp_path: Path, store_away: bool
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    reading = open_session(qtbot, window)
    outbox = window._submitter.outbox
    if store_away:
        shutil.move(study_database, tmp_path / "elsewhere.db")
    press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
    assert reading.engine_busy()  # on its way to the store when the reader closes
    closed = window.close()  # the window waits for it: committed, or in the outbox
    assert not reading.engine_busy()
    if store_away:  # the reader is told the answer is on this computer only, once
        assert not closed and window.reading is reading
        assert "Close the window again to quit" in reading.store_banner.text()
        assert window.close()
    own_timers = reading.findChildren(QTimer, "", Qt.FindChildOption.FindDirectChildrenOnly)
    assert own_timers and not [timer for timer in own_timers if timer.isActive()]  # the retry
    if store_away:
        assert [pending.answer.pom for pending in outbox.pending()] == [10]
    else:
        assert outbox.waiting() == 0 and list(collect_export(store).reads["pom"]) == [10]
    store.close()


class _Hold(QRunnable):
    """Keeps the image-preparation thread busy until released (the images come late)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def run(self) -> None:
        self.release.wait(60)


def test_no_answer_is_taken_before_the_case_s_images_are_on_screen(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    wait_for_sessions(qtbot, window)
    press(window, Qt.Key.Key_Return)
    reading = window.reading
    hold = _Hold()
    reading._prefetcher._pool.start(hold)  # before the first case is asked for
    try:
        qtbot.waitUntil(lambda: reading.state() == "reading" and not reading.engine_busy())
        assert reading.viewer.current_case() is None  # "Preparing the images…"
        press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not reading.engine_busy())
        assert reading.state() == "reading" and collect_export(store).reads.empty
    finally:
        hold.release.set()
    qtbot.waitUntil(lambda: reading.viewer.current_case() is not None)
    first = reading.current_case()
    press(window, Qt.Key.Key_Return)  # the answer typed is kept; now it is taken
    qtbot.waitUntil(lambda: reading.current_case() is not first and not reading.engine_busy())
    assert list(collect_export(store).reads["pom"]) == [10]
    store.close()
