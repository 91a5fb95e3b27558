"""Never lost, never doubled: the workstation killed mid-session (SIGKILL, a real process) and
the study database going away and coming back while a reader reads."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from keys import log_in, open_session, press
from PySide6.QtCore import Qt
from reading_study import CASES, PINS, make_study

import reader_app.reading.window as reading_window
from studies.engine.export import collect_export
from studies.engine.reader_api import Answer, ReaderSession
from studies.store.verify import verify_store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]


def _answer(qtbot, window, *keys):  # type: ignore[no-untyped-def]
    reading = window.reading
    qtbot.waitUntil(
        lambda: reading.state() == "reading" and reading.viewer.current_case() is not None
    )
    case = reading.current_case()
    press(window, *keys)
    qtbot.waitUntil(lambda: reading.current_case() is not case)
    return case


@pytest.mark.slow
def test_a_workstation_killed_mid_session_resumes_at_the_right_case(
    qtbot, cohort: Path, tmp_path: Path, study_url: str, open_workstation
) -> None:  # type: ignore[no-untyped-def]
    make_study(cohort, study_url).close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"), str(HERE)]),
    }
    child = subprocess.Popen(
        [sys.executable, str(HERE / "workstation_process.py"), study_url, "R1", PINS["R1"], "2",
         str(tmp_path / "outbox")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )  # fmt: skip
    try:
        lines = []
        for line in child.stdout:  # type: ignore[union-attr]
            lines.append(line.strip())
            if line.strip() == "waiting":
                break
        assert lines == ["answered 1", "answered 2", "waiting"], child.stderr.read()  # type: ignore[union-attr]
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    from studies.store.database import open_store

    store = open_store(study_url)
    assert len(collect_export(store).reads) == 2
    window = open_workstation(store, study_url)
    log_in(qtbot, window, "R1", PINS["R1"])
    # logging in again goes straight back into the session, at the first unread case
    qtbot.waitUntil(
        lambda: window.reading is not None and window.reading.current_case() is not None
    )
    assert window.reading.current_case().position == 3
    for _ in range(CASES - 2):
        _answer(qtbot, window, "b", "1", "5", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reading.state() == "done")
    reads = collect_export(store).reads
    assert len(reads) == CASES and reads["case_id"].is_unique
    assert list(reads.sort_values("order_index")["pom"]) == [64, 64] + [15] * (CASES - 2)
    assert verify_store(store).ok
    store.close()


def _frozen(database: Path, frozen: bool = True) -> None:
    """A trigger refusing every new decision: stands for a permission revoked on the server."""
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "CREATE TRIGGER frozen BEFORE INSERT ON decisions "
            "BEGIN SELECT RAISE(ABORT, 'decisions are frozen'); END"
            if frozen
            else "DROP TRIGGER frozen"
        )


def _reading_r2(qtbot, seat_reader, study_database: Path):  # type: ignore[no-untyped-def]
    """R2 at the workstation in session 1 of a study on an SQLite file: (store, file, window)."""
    store, window = seat_reader("R2")
    open_session(qtbot, window)
    return store, study_database, window


def test_the_store_going_away_and_back_loses_and_doubles_nothing(
    qtbot, seat_reader, study_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading_window, "OUTBOX_RETRY_MS", 100)
    store, database, window = _reading_r2(qtbot, seat_reader, study_database)
    reading = window.reading
    _answer(qtbot, window, "b", "1", "0", "]", Qt.Key.Key_Return)  # stored
    assert not reading.store_banner.isVisible()

    away = tmp_path / "elsewhere.db"
    shutil.move(database, away)  # the store's file is gone (an unmounted share)
    second = _answer(qtbot, window, "m", "9", "0", "]", Qt.Key.Key_Return)
    assert reading.store_banner.isVisible()
    assert "saved on this computer" in reading.store_banner.text()
    third = _answer(qtbot, window, "m", "8", "0", "]", Qt.Key.Key_Return)  # the reader goes on
    assert third.position == second.position + 1
    outbox = window._submitter.outbox
    assert [p.case_id for p in outbox.pending()] == [second.case_id, third.case_id]

    shutil.move(away, database)  # back: the retry timer delivers the outbox
    qtbot.waitUntil(lambda: not reading.store_banner.isVisible())
    assert outbox.pending() == []
    _answer(qtbot, window, "b", "2", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reading.state() == "done")
    reads = collect_export(store).reads.sort_values("order_index")
    assert list(reads["pom"]) == [10, 90, 80, 20] and reads["case_id"].is_unique
    assert (reads["reading_time_s"] > 0).all()  # each as measured when the reader submitted
    assert verify_store(store).ok
    store.close()


def test_a_case_answered_at_another_workstation_meanwhile_is_not_doubled(
    qtbot, seat_reader
) -> None:  # type: ignore[no-untyped-def]
    store, window = seat_reader("R1")
    reading = open_session(qtbot, window)
    first = reading.current_case()
    elsewhere = ReaderSession.login(store, "R1", PINS["R1"])
    elsewhere.open(1)
    elsewhere.submit(Answer(1, 99, "5"))
    press(window, "b", "1", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: reading.current_case() is not None and reading.current_case() != first)
    assert reading.current_case().position == 2
    assert "another workstation" in reading.message.text()
    reads = collect_export(store).reads
    assert list(reads["pom"]) == [99]  # the other workstation's answer, once
    store.close()


def test_answers_the_database_refuses_on_delivery_are_kept_and_the_banner_says_why(
    qtbot, seat_reader, study_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Not an outage: the database is back but refuses the held answer. The banner must say
    so, not "cannot be reached" — and say it again when the database goes away once more."""
    monkeypatch.setattr(reading_window, "OUTBOX_RETRY_MS", 100)
    store, database, window = _reading_r2(qtbot, seat_reader, study_database)
    reading = window.reading
    _frozen(database)  # in force once the database is back
    away = tmp_path / "elsewhere.db"
    shutil.move(database, away)
    held = _answer(qtbot, window, "m", "9", "0", "]", Qt.Key.Key_Return)
    assert "cannot be reached" in reading.store_banner.text()
    shutil.move(away, database)
    qtbot.waitUntil(lambda: "refused the request" in reading.store_banner.text())
    text = reading.store_banner.text()
    assert "decisions are frozen" in text and "tell the study coordinator" in text
    assert "INSERT" not in text and "sqlalche.me" not in text  # no SQL for the reader
    assert reading.store_banner.isVisible()
    assert [p.case_id for p in window._submitter.outbox.pending()] == [held.case_id]

    # Enter meanwhile: the answer on screen is refused in plain words and stays in the panel
    qtbot.waitUntil(
        lambda: reading.state() == "reading" and reading.viewer.current_case() is not None
    )
    on_screen = reading.current_case()
    press(window, "b", "2", "0", "]", Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not recorded" in reading.message.text())
    assert "decisions are frozen" in reading.message.text()
    assert "INSERT" not in reading.message.text()
    assert reading.current_case() == on_screen

    shutil.move(database, away)  # away again: the banner says so again
    qtbot.waitUntil(lambda: "cannot be reached" in reading.store_banner.text())
    shutil.move(away, database)
    _frozen(database, False)
    qtbot.waitUntil(lambda: not reading.store_banner.isVisible())
    assert window._submitter.outbox.pending() == []
    press(window, Qt.Key.Key_Return)  # the answer still in the panel goes now
    qtbot.waitUntil(lambda: reading.current_case() != on_screen)
    reads = collect_export(store).reads
    mine = reads[reads["reader_id"] == "R2"]
    assert list(mine["case_id"]) == [held.case_id, on_screen.case_id]
    assert list(mine["pom"]) == [90, 20]
    store.close()


def test_the_warning_about_closing_stays_while_deliveries_are_refused(
    qtbot, seat_reader, study_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading_window, "OUTBOX_RETRY_MS", 100)
    store, database, window = _reading_r2(qtbot, seat_reader, study_database)
    reading = window.reading
    _frozen(database)
    away = tmp_path / "elsewhere.db"
    shutil.move(database, away)
    _answer(qtbot, window, "m", "9", "0", "]", Qt.Key.Key_Return)
    window.close()  # refused once: the banner warns what closing means
    assert window.isVisible() and "Close the window again to quit" in reading.store_banner.text()
    shutil.move(away, database)
    deliveries = window._submitter.outbox.waiting
    qtbot.waitUntil(lambda: reading._retry.isActive())
    for _ in range(3):  # refused deliveries come and go: the warning stays
        reading._deliver_outbox()
        reading._engine.finish_queued()
    assert deliveries() == 1
    assert "Close the window again to quit" in reading.store_banner.text()
    store.close()
