"""A reader in a process of its own, for the crash and concurrency tests.

    python reader_process.py URL READER PIN [KILL_POINT KILL_AT]

Logs in, opens session 1 and answers every case in order, printing ``answered <position>`` after
each submission has returned (= committed). With ``KILL_POINT`` the process kills itself with
SIGKILL — no clean-up of any kind, as a power cut — at submission ``KILL_AT`` (1-based):

* ``before``: before the answer is sent;
* ``during``: inside the write transaction, after the decision and its audit event were flushed
  to the database but before the commit;
* ``after``: right after the commit, before the submission returns.
"""

from __future__ import annotations

import os
import signal
import sys

from sqlalchemy.orm import Session

from studies.engine.reader_api import Answer, ReaderSession
from studies.store.database import open_store


def main(url: str, reader_id: str, pin: str, kill_point: str = "", kill_at: str = "0") -> None:
    submissions = 0
    submitting = False  # inside ReaderSession.submit (login and open also write and commit)
    target = int(kill_at)

    def die() -> None:
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if kill_point == "during":
        original_flush = Session.flush

        def flush_then_maybe_die(self: Session, *args: object, **kwargs: object) -> None:
            original_flush(self, *args, **kwargs)
            if (
                submitting
                and submissions + 1 == target
                and any(type(obj).__name__ == "AuditEventRow" for obj in self.identity_map.values())
            ):
                die()

        Session.flush = flush_then_maybe_die  # type: ignore[method-assign]
    if kill_point == "after":
        original_commit = Session.commit

        def commit_then_maybe_die(self: Session) -> None:
            original_commit(self)
            if submitting and submissions + 1 == target:
                die()

        Session.commit = commit_then_maybe_die  # type: ignore[method-assign]

    store = open_store(url)
    reader = ReaderSession.login(store, reader_id, pin)
    case = reader.open(1)
    while case is not None:
        if kill_point == "before" and submissions + 1 == target:
            die()
        submitting = True
        receipt = reader.submit(Answer(case.position % 2, 10 + case.position % 80, None))
        submitting = False
        submissions += 1
        print(f"answered {case.position}", flush=True)
        case = receipt.next_case
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
