"""Never lose a decision, never store one twice: idempotent submissions and the outbox.

On SQLite and PostgreSQL (``store_url``). The PostgreSQL server stopped and restarted under a
session is in ``test_store_outage_postgresql.py``; here an SQLite file moved away stands for
the store going away.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from outbox_study import N_CASES, PIN, small_study
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from store_fixtures import store_url  # noqa: F401 (a fixture)

from studies.engine.clock import SimulatedClock
from studies.engine.outbox import (
    DecisionOutbox,
    OutboxError,
    OutboxInUseError,
    PendingSubmission,
    default_outbox_folder,
    submit_pending,
)
from studies.engine.reader_api import (
    AiExposure,
    Answer,
    CaseRef,
    ReaderError,
    ReaderSession,
    RefusedSubmissionError,
    StoreUnavailable,
)
from studies.engine.store_access import StoreRefusedError
from studies.store.audit import DECISION_EVENT_KINDS
from studies.store.database import Store
from studies.store.schema import AuditEventRow, DecisionRow, OrderItemRow, ReadingSessionRow
from studies.store.verify import verify_store

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def study(tmp_path: Path, store_url: str) -> Iterator[Store]:  # noqa: F811
    store = small_study(tmp_path / "study", store_url)
    try:
        yield store
    finally:
        store.close()


def _login(store: Store, clock: SimulatedClock, reader: str = "R1") -> ReaderSession:
    return ReaderSession.login(store, reader, PIN, clock=clock)


def _decisions(store: Store, reader: str = "R1") -> list[DecisionRow]:
    with store.session(read_only=True) as session:
        return list(
            session.scalars(
                select(DecisionRow)
                .join(ReadingSessionRow, ReadingSessionRow.id == DecisionRow.session_id)
                .where(ReadingSessionRow.reader_id == reader)
                .order_by(DecisionRow.id)
            )
        )


def _order(store: Store, reader: str = "R1", index: int = 1) -> list[CaseRef]:
    """The reader's stored order (crossover: one stage per position)."""
    with store.session(read_only=True) as session:
        items = session.scalars(
            select(OrderItemRow)
            .join(ReadingSessionRow, ReadingSessionRow.id == OrderItemRow.session_id)
            .where(ReadingSessionRow.reader_id == reader, ReadingSessionRow.index == index)
            .order_by(OrderItemRow.position)
        ).all()
        return [CaseRef(index, i.position, i.case_id, i.mode) for i in items]  # type: ignore[arg-type]


def _pending(ref: CaseRef, pom: int, *, reader: str = "R1", n: int = 0) -> PendingSubmission:
    at = START + timedelta(minutes=n)
    return PendingSubmission(
        study_id="study-1",
        reader_id=reader,
        session_index=ref.session_index,
        position=ref.position,
        case_id=ref.case_id,
        stage=ref.stage,
        answer=Answer(int(pom >= 50), pom, "3", f"answer {n}"),
        exposure=AiExposure(at, ((at + timedelta(seconds=2), True),))
        if ref.stage == "aided"
        else None,
        submission_id=f"{n:032x}",
        created_at=at + timedelta(seconds=40),
        started_at=at,
        reading_time_s=40.0,
    )


# ------------------------------------------------------------------------ idempotent submit


def test_a_retried_submission_is_stored_once(study: Store) -> None:
    """Two workstation objects of one reader: the second did not hear of the first's commit and
    submits the same submission again; it gets the stored decision's receipt."""
    clock = SimulatedClock(START)
    first, second = _login(study, clock), _login(study, clock)
    case = first.open(1)
    assert case is not None and second.open(1) == case
    clock.advance(timedelta(seconds=30))
    answer = Answer(1, 80, "4B")
    stored = first.submit(answer, submission_id="a" * 32, expected=case.ref)
    again = second.submit(answer, submission_id="a" * 32, expected=case.ref)
    assert again.decision_id == stored.decision_id
    assert again.practice_truth == stored.practice_truth
    assert again.next_case == stored.next_case and again.next_case is not None
    assert second.current() == stored.next_case  # the retry moved the second object on too
    decisions = _decisions(study)
    assert [d.submission_id for d in decisions] == ["a" * 32]
    with study.session(read_only=True) as session:
        payloads = [
            json.loads(e.payload)
            for e in session.scalars(
                select(AuditEventRow).where(AuditEventRow.kind.in_(DECISION_EVENT_KINDS))
            )
        ]
    assert [p["submission_id"] for p in payloads] == ["a" * 32]
    report = verify_store(study)
    assert report.ok, report.summary()


def test_a_commit_whose_reply_was_lost_is_found_on_retry(study: Store) -> None:
    """The connection drops after COMMIT: submit raises StoreUnavailable although the decision
    is stored; the same object, retrying with the same id, gets it back instead of a second."""
    clock = SimulatedClock(START)
    reader = _login(study, clock)
    case = reader.open(1)
    assert case is not None

    def lose_the_reply(session: Session) -> None:
        raise OperationalError("COMMIT", None, ConnectionResetError("server closed the connection"))

    event.listen(Session, "after_commit", lose_the_reply, once=True)
    try:
        with pytest.raises(StoreUnavailable, match="cannot be reached: server closed"):
            reader.submit(Answer(0, 10), submission_id="b" * 32, expected=case.ref)
    finally:
        if event.contains(Session, "after_commit", lose_the_reply):
            event.remove(Session, "after_commit", lose_the_reply)
    assert len(_decisions(study)) == 1  # committed, unknown to the reader session
    assert reader.current() == case
    receipt = reader.submit(Answer(0, 10), submission_id="b" * 32, expected=case.ref)
    assert receipt.decision_id == _decisions(study)[0].id
    assert receipt.next_case is not None and receipt.next_case.position == case.position + 1
    assert len(_decisions(study)) == 1


def test_a_store_lost_just_after_the_commit_does_not_hide_the_commit(tmp_path: Path) -> None:
    """The next case is aided and its model output not read yet: it is read before the answer
    is written, so a store lost right after the commit cannot make submit raise
    StoreUnavailable for an answer that this session already counts as given (the workstation
    would then count it twice and skip a case)."""
    database = tmp_path / "study.db"
    store = small_study(tmp_path / "study", f"sqlite:///{database}")
    clock = SimulatedClock(START)
    first = _login(store, clock)
    answered = first.open(1)
    while answered is not None:  # session 1 (unaided); session 2 is the aided one
        answered = first.submit(Answer(0, 10)).next_case
    reader = _login(store, clock)  # a fresh session object: no model output read yet
    case = reader.open(2)
    assert case is not None and case.stage == "aided"

    def lose_the_store(session: Session) -> None:
        os.replace(database, database.with_suffix(".away"))

    event.listen(Session, "after_commit", lose_the_store, once=True)
    try:
        receipt = reader.submit(Answer(0, 10), submission_id="e" * 32, expected=case.ref)
    finally:
        if event.contains(Session, "after_commit", lose_the_store):
            event.remove(Session, "after_commit", lose_the_store)
        os.replace(database.with_suffix(".away"), database)
    assert receipt.next_case is not None and receipt.next_case.stage == "aided"
    assert receipt.next_case.model is not None
    assert reader.current() == receipt.next_case
    assert len(_decisions(store)) == N_CASES + 1
    store.close()


def test_a_late_retry_leaves_the_next_case_s_reading_time_alone(study: Store) -> None:
    clock = SimulatedClock(START)
    reader = _login(study, clock)
    first = reader.open(1)
    assert first is not None
    second = reader.submit(Answer(1, 70), submission_id="d" * 32).next_case
    assert second is not None
    clock.advance(timedelta(seconds=20))
    assert reader.submit(Answer(1, 70), submission_id="d" * 32).next_case == second
    clock.advance(timedelta(seconds=10))
    reader.submit(Answer(0, 30), expected=second.ref)
    assert [d.reading_time_s for d in _decisions(study)] == [0.0, 30.0]


def test_an_id_used_for_another_answer_is_refused(study: Store) -> None:
    clock = SimulatedClock(START)
    reader = _login(study, clock)
    case = reader.open(1)
    assert case is not None
    reader.submit(Answer(1, 70), submission_id="c" * 32)
    with pytest.raises(RefusedSubmissionError, match="already stored with another answer"):
        reader.submit(Answer(0, 10), submission_id="c" * 32)
    assert len(_decisions(study)) == 1


def test_a_malformed_submission_id_is_refused(study: Store) -> None:
    reader = _login(study, SimulatedClock(START))
    reader.open(1)
    for bad in ("", "x" * 65, "has space", "ünï", "a/b"):
        with pytest.raises(ReaderError, match="submission id must be"):
            reader.submit(Answer(1, 70), submission_id=bad)
    assert _decisions(study) == []


def test_an_answer_for_another_case_is_refused(study: Store) -> None:
    clock = SimulatedClock(START)
    reader = _login(study, clock)
    first = reader.open(1)
    assert first is not None
    second = reader.submit(Answer(1, 70), expected=first.ref).next_case
    assert second is not None
    with pytest.raises(RefusedSubmissionError) as refused:
        reader.submit(Answer(0, 20), expected=first.ref)
    assert str(refused.value) == (
        f"this answer is for {first.ref.describe()}, but the case to read now is "
        f"{second.ref.describe()}; it was not stored"
    )
    assert len(_decisions(study)) == 1
    assert reader.current() == second
    with pytest.raises(RefusedSubmissionError, match="the case to read now is"):
        PendingSubmission.capture(reader, first, Answer(0, 20))


# --------------------------------------------------------------------------------- outbox


def test_put_keeps_each_submission_durably_in_order(tmp_path: Path) -> None:
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    refs = [CaseRef(1, p, f"C0{p}", "aided" if p % 2 else "unaided") for p in (1, 2, 3)]
    pendings = [_pending(ref, 10 * n, n=n) for n, ref in enumerate(refs, start=1)]
    paths = [outbox.put(pending) for pending in pendings]
    assert [p.name for p in paths] == [
        f"{n:08d}-{pending.submission_id}.json" for n, pending in enumerate(pendings, start=1)
    ]
    assert outbox.pending() == pendings  # read back whole, exposure times included
    assert outbox.put(pendings[1]) == paths[1]  # the same submission again: one file
    assert outbox.holds(pendings[1].submission_id) and not outbox.holds("0" * 32)
    assert sorted(os.listdir(outbox.folder)) == [p.name for p in paths]  # no temporary left
    with pytest.raises(OutboxError, match="reader R2"):
        outbox.put(_pending(refs[0], 10, reader="R2", n=9))
    assert len(outbox.pending()) == 3


def test_deliver_submits_in_order_keeping_the_reading_time(study: Store, tmp_path: Path) -> None:
    clock = SimulatedClock(START)
    reader = _login(study, clock)
    reader.open(1)
    refs = _order(study)
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    for n, ref in enumerate(refs[:3], start=1):
        outbox.put(_pending(ref, 30 + n, n=n))
    clock.advance(timedelta(hours=1))  # the store was away for an hour
    assert outbox.deliver(reader) == 3
    assert outbox.pending() == [] and outbox.set_aside() == []
    decisions = _decisions(study)
    assert [(d.case_id, d.pom, d.submission_id) for d in decisions] == [
        (ref.case_id, 30 + n, f"{n:032x}") for n, ref in enumerate(refs[:3], start=1)
    ]
    assert {d.reading_time_s for d in decisions} == {40.0}  # not the hour of waiting
    assert decisions[0].submitted_at == START + timedelta(minutes=1, seconds=40)
    current = reader.current()
    assert current is not None and current.ref == refs[3]
    assert outbox.deliver(reader) == 0
    report = verify_store(study)
    assert report.ok, report.summary()


def test_a_pending_answer_for_another_case_is_set_aside(study: Store, tmp_path: Path) -> None:
    """Answers found in the wrong order: the one that is not for the case to read now is
    refused, kept as *.refused and named; the other is delivered."""
    reader = _login(study, SimulatedClock(START))
    reader.open(1)
    refs = _order(study)
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    ahead = outbox.put(_pending(refs[1], 20, n=2))
    outbox.put(_pending(refs[0], 10, n=1))
    problems: list[str] = []
    assert outbox.deliver(reader, on_problem=problems.append) == 1
    assert outbox.set_aside() == [ahead.with_name(ahead.name + ".refused")]
    assert problems == [
        f"{ahead} was not delivered: this answer is for {refs[1].describe()}, but the case to "
        f"read now is {refs[0].describe()}; it was not stored; kept as {ahead.name}.refused"
    ]
    assert [d.case_id for d in _decisions(study)] == [refs[0].case_id]


def test_a_corrupt_outbox_file_is_named_and_kept_aside(study: Store, tmp_path: Path) -> None:
    reader = _login(study, SimulatedClock(START))
    reader.open(1)
    refs = _order(study)
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    outbox.folder.mkdir(parents=True)
    broken = outbox.folder / "00000001-0123abcd.json"
    broken.write_text('{"format": "cesm-reader pending submission 1", "answ', encoding="utf-8")
    outbox.put(_pending(refs[0], 10, n=1))
    with pytest.raises(OutboxError, match=f"outbox file {broken} is not a pending submission"):
        outbox.pending()
    assert outbox.waiting() == 2  # counted without reading: delivery must not be stopped
    problems: list[str] = []
    assert outbox.deliver(reader, on_problem=problems.append) == 1
    assert len(problems) == 1 and str(broken) in problems[0]
    assert problems[0].endswith("kept as 00000001-0123abcd.json.corrupt")
    assert outbox.set_aside() == [broken.with_name(broken.name + ".corrupt")]
    assert broken.with_name(broken.name + ".corrupt").read_text(encoding="utf-8").endswith("answ")
    assert outbox.pending() == [] and outbox.waiting() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", {"decision": 2, "pom": 10}, "answer: decision must be 0"),
        ("stage", "both", "stage is 'both'"),
        (
            "created_at",
            "2026-03-02T09:00:00",
            "created_at is '2026-03-02T09:00:00', a time without",
        ),
        ("submission_id", "../x", "submission id must be"),
        ("position", "3", "position is '3', of the wrong type"),
        ("format", "something else", "format is 'something else'"),
    ],
)
def test_each_kind_of_bad_outbox_file_is_named(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    path = outbox.put(_pending(CaseRef(1, 1, "C01", "unaided"), 10, n=1))
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(OutboxError, match=f"outbox file {path} is not a pending submission: "):
        outbox.pending()
    with pytest.raises(OutboxError) as caught:
        outbox.pending()
    assert message in str(caught.value)


def test_the_sqlite_file_gone_then_back(tmp_path: Path) -> None:
    """The store's file moved away mid-session: every call that needs the store says so
    (and no empty database appears in its place); the answer waits in the outbox; the file
    is back: the same reader session delivers it once and reads on."""
    url = f"sqlite:///{tmp_path / 'study.sqlite'}"
    store = small_study(tmp_path / "study", url)
    path = tmp_path / "study.sqlite"
    clock = SimulatedClock(START)
    reader = _login(store, clock)
    case = reader.open(1)
    assert case is not None
    clock.advance(timedelta(seconds=25))
    pending = PendingSubmission.capture(reader, case, Answer(1, 60, "4A"))
    path.rename(tmp_path / "elsewhere.sqlite")
    expected = f"the study database at {path} cannot be reached: the file is missing"
    with pytest.raises(StoreUnavailable, match=expected):
        submit_pending(reader, pending)
    for call in (reader.sessions, reader.pause, lambda: reader.open(1)):
        with pytest.raises(StoreUnavailable, match=expected):
            call()
    with pytest.raises(StoreUnavailable, match=expected):
        ReaderSession.login(store, "R1", PIN, clock=clock)
    assert not path.exists()
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    outbox.put(pending)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(StoreUnavailable, match=expected):
        outbox.deliver(reader)
    assert outbox.pending() == [pending]

    (tmp_path / "elsewhere.sqlite").rename(path)
    assert outbox.deliver(reader) == 1
    assert outbox.pending() == []
    decisions = _decisions(store)
    assert [(d.case_id, d.pom, d.reading_time_s) for d in decisions] == [(case.case_id, 60, 25.0)]
    following = reader.current()
    assert following is not None and following.position == case.position + 1
    report = verify_store(store)
    assert report.ok, report.summary()
    store.close()


def test_after_a_crash_login_open_and_deliver_resume_at_the_right_case(
    study: Store, tmp_path: Path
) -> None:
    """The workstation died with an answer in its outbox (and possibly committed): a new
    process logs in, opens the session at the first unread case, delivers, and reads on."""
    clock = SimulatedClock(START)
    before = _login(study, clock)
    case = before.open(1)
    assert case is not None
    outbox = DecisionOutbox(tmp_path / "outbox", study_id="study-1", reader_id="R1")
    pending = PendingSubmission.capture(before, case, Answer(0, 5))
    outbox.put(pending)
    submit_pending(before, pending)  # committed, but the process died before removing the file
    del before

    after = _login(study, clock)
    resumed = after.open(1)
    assert resumed is not None and resumed.position == case.position + 1
    assert outbox.deliver(after) == 1  # recognised by its id, not stored again
    assert len(_decisions(study)) == 1
    assert after.current() == resumed


def test_the_default_outbox_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = "postgresql+psycopg://reader:s3cret@db.example.org/study"
    folder = default_outbox_folder(url, "study-1", "R/1")
    assert folder.parent.parent.parent == tmp_path / "data" / "cesm-reader" / "outbox"
    assert folder.parts[-2:] == ("study-1", "R%2F1")
    assert "s3cret" not in str(folder)
    other = default_outbox_folder("sqlite:///elsewhere.sqlite", "study-1", "R/1")
    assert other != folder and other.parts[-2:] == folder.parts[-2:]
    monkeypatch.delenv("XDG_DATA_HOME")
    home = default_outbox_folder(url, "study-1", "R1")
    assert home.is_relative_to(Path.home() / ".local" / "share" / "cesm-reader" / "outbox")


_HOLD_THE_OUTBOX = """
import sys
from pathlib import Path
from studies.engine.outbox import DecisionOutbox
outbox = DecisionOutbox(Path(sys.argv[1]), study_id="study-1", reader_id="R1")
outbox.claim()
print("claimed", flush=True)
sys.stdin.read()  # holds it until killed (or its input closes)
"""


def test_one_process_at_a_time_claims_an_outbox_and_a_killed_one_leaves_no_lock(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "outbox"
    other = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_OUTBOX, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == "claimed\n"
        here = DecisionOutbox(folder, study_id="study-1", reader_id="R1")
        with pytest.raises(
            OutboxInUseError, match="R1 is already logged in to study study-1 in another window"
        ):
            here.claim()
        assert not here.claimed
    finally:
        other.send_signal(signal.SIGKILL)  # a crash: the system drops its lock
        other.wait()
    here.claim()
    assert here.claimed
    here.claim()  # claiming again what this object holds does nothing
    second = DecisionOutbox(folder, study_id="study-1", reader_id="R1")
    with pytest.raises(OutboxInUseError):
        second.claim()  # also within one process: another object is another window
    here.release()
    second.claim()
    assert second.claimed and not here.claimed
    second.release()


def test_an_outbox_that_cannot_be_made_cannot_be_claimed(tmp_path: Path) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    outbox = DecisionOutbox(blocker / "outbox", study_id="study-1", reader_id="R1")
    with pytest.raises(OutboxError, match=r"cannot use the outbox .*a file/outbox"):
        outbox.claim()
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_statement_the_database_refuses_is_named_in_one_line_and_nothing_is_stored(
    tmp_path: Path,
) -> None:
    """Reached, but refused (a trigger stands for a revoked permission): not an outage, and
    the reader sees the database's reason without the SQL behind it."""
    database = tmp_path / "refusing.db"
    store = small_study(tmp_path / "study", f"sqlite:///{database}")
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute(
            "CREATE TRIGGER frozen BEFORE INSERT ON decisions "
            "BEGIN SELECT RAISE(ABORT, 'decisions are frozen'); END"
        )
    reader = _login(store, SimulatedClock(START))
    case = reader.open(1)
    assert case is not None
    with pytest.raises(StoreRefusedError) as refused:
        reader.submit(Answer(1, 80, "4B"), submission_id="b" * 32, expected=case.ref)
    assert str(refused.value) == (
        f"the study database at {database} refused the request: decisions are frozen"
    )
    assert not isinstance(refused.value, StoreUnavailable)
    assert _decisions(store) == []
    assert reader.current() == case  # the same case is still the one to read
    store.close()
