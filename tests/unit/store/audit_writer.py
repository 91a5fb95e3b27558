"""A separate process appending audit events, for the concurrency tests (not a test module).

Usage: ``python audit_writer.py URL STUDY_ID WRITER COUNT``: opens the store, says it is ready
by printing ``ready``, waits for a line on its standard input (so that every writer starts at
once: a blocking read, no timer), then appends ``COUNT`` events, one transaction each, with
payload ``{"writer": WRITER, "i": i}``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from studies.store.audit import append_event
from studies.store.database import open_store
from studies.store.schema import AuditChainHeadRow


def main(url: str, study_id: str, writer: str, count: int) -> None:
    with open_store(url) as store:
        with store.session(read_only=True) as session:  # connected, imports done
            session.get(AuditChainHeadRow, 1)
        print("ready", flush=True)
        if sys.stdin.readline() != "go\n":
            raise SystemExit("no go: the test ended before starting the writers")
        for i in range(count):
            with store.session() as session:
                append_event(
                    session,
                    study_id,
                    writer,
                    "login",
                    {"writer": writer, "i": i},
                    datetime.now(UTC),
                )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
