"""A separate process appending audit events, for the concurrency tests (not a test module).

Usage: ``python audit_writer.py URL STUDY_ID WRITER COUNT GO_FILE``: opens the store, says it
is ready by creating ``GO_FILE.WRITER``, waits until ``GO_FILE`` exists (so that every writer
starts at once), then appends ``COUNT`` events, one transaction each, with payload
``{"writer": WRITER, "i": i}``.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from studies.store.audit import append_event
from studies.store.database import open_store
from studies.store.schema import AuditChainHeadRow


def main(url: str, study_id: str, writer: str, count: int, go_file: Path) -> None:
    with open_store(url) as store:
        with store.session(read_only=True) as session:  # connected, imports done
            session.get(AuditChainHeadRow, 1)
        Path(f"{go_file}.{writer}").touch()
        deadline = time.monotonic() + 60
        while not go_file.exists():
            if time.monotonic() > deadline:
                raise SystemExit("the go file never appeared")
            time.sleep(0.005)
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
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5]))
