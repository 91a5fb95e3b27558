"""The PostgreSQL server stopped and started again under a reader's running session.

A real server of the test's own (``pg_cluster.py``): stopped while the reader session holds
pooled connections, the next submission raises StoreUnavailable naming the database without
its password; the answer waits in the outbox; delivery while the server is down leaves it
there; the server back, the same session delivers it once and reads on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from outbox_study import PIN, small_study
from pg_cluster import ThrowawayCluster, why_not_available
from sqlalchemy import select

from studies.engine.clock import SimulatedClock
from studies.engine.outbox import DecisionOutbox, PendingSubmission, submit_pending
from studies.engine.reader_api import Answer, ReaderSession, StoreUnavailable
from studies.store.schema import DecisionRow
from studies.store.verify import verify_store

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "pw-never-shown"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(why_not_available() is not None, reason=str(why_not_available())),
]


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    made = ThrowawayCluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


def test_server_stopped_and_restarted_mid_session(
    cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    url = cluster.url("cesm_outage", password=PASSWORD)
    store = small_study(tmp_path / "study", url)
    clock = SimulatedClock(START)
    reader = ReaderSession.login(store, "R1", PIN, clock=clock)
    first = reader.open(1)
    assert first is not None
    case = reader.submit(Answer(1, 90), expected=first.ref).next_case
    assert case is not None
    clock.advance(timedelta(seconds=33))
    pending = PendingSubmission.capture(reader, case, Answer(0, 15, "2"))

    cluster.stop()
    with pytest.raises(StoreUnavailable) as caught:
        submit_pending(reader, pending)
    message = str(caught.value)
    assert message.startswith(
        "the study database at postgresql+psycopg://postgres:***@/cesm_outage"
    )
    assert "cannot be reached" in message and PASSWORD not in message
    outbox = DecisionOutbox(tmp_path / "outbox", study_id=reader.study_id, reader_id="R1")
    outbox.put(pending)
    with pytest.raises(StoreUnavailable):
        reader.sessions()
    with pytest.raises(StoreUnavailable):
        outbox.deliver(reader)
    assert outbox.pending() == [pending]
    clock.advance(timedelta(minutes=10))

    cluster.start()
    assert outbox.deliver(reader) == 1
    assert outbox.pending() == []
    following = reader.current()
    assert following is not None and following.position == case.position + 1
    reader.submit(Answer(1, 75), expected=following.ref)  # the same session reads on
    with store.session(read_only=True) as session:
        stored = session.scalars(select(DecisionRow).order_by(DecisionRow.id)).all()
    assert [(d.case_id, d.pom) for d in stored] == [
        (first.case_id, 90),
        (case.case_id, 15),
        (following.case_id, 75),
    ]
    assert stored[1].submission_id == pending.submission_id
    assert stored[1].reading_time_s == 33.0  # not the ten minutes the server was down
    report = verify_store(store)
    assert report.ok, report.summary()
    store.close()
