"""A reader at the workstation: log in, read a session with the keyboard only, and what the
store then holds — on SQLite and PostgreSQL — plus the refusals that happen in place."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

from keys import log_in, open_session, press, wait_for_case, wait_for_sessions
from PySide6.QtCore import Qt
from reading_study import CASES, make_study

from studies.engine.coordinator_api import set_coordinator_password, study_status
from studies.engine.export import collect_export


def test_a_reader_reads_a_whole_session_with_the_keyboard(
    qtbot, cohort: Path, store_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store = make_study(cohort, store_url)
    window = open_workstation(store, store_url)
    log_in(qtbot, window, "R1", "1111")
    reading = open_session(qtbot, window)
    given = {}
    for number in range(1, CASES + 1):
        wait_for_case(qtbot, window)
        case = reading.current_case()
        assert case is not None and case.position == number
        assert reading.progress_label.text() == f"Case {number} of {CASES}"
        malignant = number % 2 == 0
        press(window, "m" if malignant else "b", "7", "5", "]", Qt.Key.Key_Return)
        given[case.case_id] = int(malignant)
        qtbot.waitUntil(lambda case=case: reading.current_case() != case)
    qtbot.waitUntil(lambda: reading.state() == "done")

    reads = collect_export(store).reads
    mine = reads[reads["reader_id"] == "R1"]
    assert dict(zip(mine["case_id"], mine["decision"], strict=True)) == given
    assert set(mine["pom"]) == {75} and set(mine["bi_rads"]) == {"3"}
    assert set(mine["session"]) == {"unaided"}
    status = study_status(store)
    r1 = next(reader for reader in status.readers if reader.reader_id == "R1")
    assert r1.sessions[0].state == "completed" and r1.sessions[0].read == CASES
    # Enter on the closing page goes back to the sessions, where session 2 may now open
    press(window, Qt.Key.Key_Return)
    wait_for_sessions(qtbot, window)
    assert "completed" in window.sessions.list.item(0).text()
    store.close()


def test_a_wrong_pin_is_answered_in_place(
    qtbot, cohort: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store = make_study(cohort, study_url)
    window = open_workstation(store, study_url)
    log_in(qtbot, window, "R1", "9999")
    assert window.login.isVisible() and not window.sessions.isVisible()
    assert "wrong PIN" in window.login.message.text()
    assert window.login.pin_field.text() == ""  # cleared, the cursor back in it
    assert window.login.reader_field.text() == "R1"
    press(window, "1111", Qt.Key.Key_Return)
    wait_for_sessions(qtbot, window)
    store.close()


def test_an_incomplete_answer_is_refused_in_place(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R2")
    reading = open_session(qtbot, window)
    first = reading.current_case()
    press(window, Qt.Key.Key_Return)
    panel = reading.decision_panel
    assert panel.missing_label.isVisible()
    for part in ("benign or malignant", "probability of malignancy", "BI-RADS"):
        assert part in panel.missing_label.text()
    press(window, "m", Qt.Key.Key_Return)
    assert "benign or malignant" not in panel.missing_label.text()
    assert "probability" in panel.missing_label.text()
    assert reading.current_case() == first and reading.state() == "reading"
    assert not reading.engine_busy()  # nothing was sent
    assert len(collect_export(store).reads) == 0
    press(window, "4", "]")  # the missing line clears as the answer completes
    assert not panel.missing_label.isVisible()
    store.close()


def test_a_practice_case_shows_its_truth_in_place_and_enter_goes_on(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    practice = "INT0002"
    store, window = seat_reader("R1", {"practice_cases": [practice]})
    reading = open_session(qtbot, window)
    case = reading.current_case()
    assert case is not None and case.case_id == practice and case.practice
    assert reading.practice_badge.isVisible()
    press(window, "b", "2", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reading.state() == "feedback")
    truth = "MALIGNANT" if store_truth(store, practice) else "BENIGN"
    assert f"the pathology is <b>{truth}</b>" in reading.feedback.text()
    assert "Benign · 20 % · BI-RADS 3" in reading.feedback.text()
    assert reading.current_case() is case  # still on the practice case, non-modal
    press(window, Qt.Key.Key_Return)
    wait_for_case(qtbot, window)
    assert reading.current_case().case_id != practice and not reading.feedback.isVisible()
    store.close()


def test_space_pauses_the_session_in_the_store_and_resumes_it(qtbot, seat_reader) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R2")
    reading = open_session(qtbot, window)

    def state() -> str:
        r2 = next(r for r in study_status(store).readers if r.reader_id == "R2")
        return r2.sessions[0].state

    press(window, Qt.Key.Key_Space)
    assert reading.pause_overlay.isVisible() and reading.is_paused()
    press(window, "m", Qt.Key.Key_Return)  # ignored while paused
    assert reading.decision_panel.decision() is None
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert state() == "paused"
    press(window, Qt.Key.Key_Space)
    assert not reading.pause_overlay.isVisible()
    qtbot.waitUntil(lambda: not reading.engine_busy())
    assert state() == "in_progress"
    store.close()


def store_truth(store, case_id: str) -> int:  # type: ignore[no-untyped-def]
    """The case's truth as the store keeps it (the test may look; the workstation may not)."""
    from studies.store.schema import CaseRow

    with store.session(read_only=True) as session:
        return next(row.truth for row in session.query(CaseRow) if row.case_id == case_id)


def test_the_coordinator_logs_in_with_the_password_to_the_dashboard(
    qtbot, cohort: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store = make_study(cohort, study_url)
    set_coordinator_password(store, "correct horse")
    window = open_workstation(store, study_url)
    window.login.switch_button.click()
    qtbot.waitUntil(lambda: window.login.password_field.hasFocus())
    press(window, "wrong password", Qt.Key.Key_Return)  # answered after the engine's pause
    assert "wrong coordinator password" in window.login.message.text().lower()
    press(window, "correct horse", Qt.Key.Key_Return)
    try:
        importlib.import_module("reader_app.dashboard.window")
    except ImportError:  # an installation without the dashboard says so, in place
        assert "not available" in window.login.message.text()
        assert window.login.isVisible()
    else:
        assert window.dashboard is not None and window.dashboard.isVisible()
    store.close()


def test_a_session_whose_images_changed_does_not_open_and_says_why(
    qtbot, cohort: Path, tmp_path: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    study_folder = tmp_path / "copy"
    shutil.copytree(cohort, study_folder, symlinks=True)
    store = make_study(study_folder, study_url)
    image = next((study_folder / "cohort" / "cases").glob("*/recombined.dcm"))
    image.write_bytes(image.read_bytes() + b"\0")
    window = open_workstation(store, study_url)
    log_in(qtbot, window, "R1", "1111")
    wait_for_sessions(qtbot, window)
    press(window, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reading is not None and window.reading.state() == "done")
    message = window.reading.message.text()
    assert "cannot start" in message and image.name in message
    assert window.reading.viewer.current_case() is None
    store.close()


def test_a_reader_already_reading_in_another_window_is_sent_there(
    qtbot, seat_reader, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store, first = seat_reader("R1")
    open_session(qtbot, first)
    second = open_workstation(store, study_url)  # a second window of the application
    log_in(qtbot, second, "R1", "1111")
    assert second.login.isVisible() and second.reading is None
    assert "already logged in to study" in second.login.message.text()
    assert "another window" in second.login.message.text()
    assert second.login.reader_field.selectedText() == "R1"  # typing another id replaces it
    log_in(qtbot, second, "R2", "2222")  # another reader may use the second window
    wait_for_sessions(qtbot, second)
    press(second, Qt.Key.Key_Escape)  # R2 logs out
    qtbot.waitUntil(second.login.isVisible)
    first.log_out()  # R1 leaves the first window: the second may now take R1
    second.login.reader_field.clear()
    log_in(qtbot, second, "R1", "1111")
    qtbot.waitUntil(lambda: second.reading is not None or second.sessions.isVisible())
    assert second.login.message.text() == ""
    store.close()


def test_quitting_without_closing_the_window_stops_its_threads_and_frees_the_reader(
    qtbot, seat_reader, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    open_session(qtbot, window)
    engine = window.reading._engine._thread
    assert engine.isRunning()
    window.shut_down()  # what QApplication.aboutToQuit calls
    assert window.reading is None and not engine.isRunning()
    other = open_workstation(store, study_url)  # the reader is free to log in elsewhere
    log_in(qtbot, other, "R1", "1111")
    qtbot.waitUntil(lambda: other.reading is not None or other.sessions.isVisible())
    store.close()
