"""The study database going away under a running session: one error for it, and recovery.

A reading workstation keeps its store open for hours. A PostgreSQL server restarted for
maintenance, a network cut between two hospitals or an SQLite file on a shared folder that
vanished must not surface as a SQLAlchemy traceback, and must not leave the session unusable
once the database is back. :func:`store_call` wraps every store access of the reader API:

* a lost or refused connection (SQLAlchemy's ``OperationalError``, ``InterfaceError``,
  ``DisconnectionError`` or a pool time-out) becomes :class:`StoreUnavailable`, whose message
  names the database (never its password) in words a reader can act on;
* the engine's pooled connections are thrown away at that moment, so the next call connects
  afresh instead of reusing a dead socket (PostgreSQL engines also ping a pooled connection
  before using it, :mod:`studies.store.database`);
* a statement the database answered and refused (a revoked permission, a trigger, a
  constraint the engine did not expect) becomes :class:`StoreRefusedError`, whose message gives
  the database's reason in one line — never the SQL, its parameters or the password: the
  workstation shows it to a reader, who can only pass it on to the coordinator;
* an SQLite store's file is looked for before each access: a connection already open keeps the
  file's old inode, so a file moved or deleted behind it would otherwise go on taking answers
  that nobody will ever see, and a new connection would create an empty database at the path.

Whether the transaction that failed was committed cannot always be known (a connection may drop
just after ``COMMIT``): that is why submissions carry an id and a retry of one is idempotent
(:meth:`studies.engine.reader_api.ReaderSession.submit`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc

from studies.errors import StudyError
from studies.store.database import Store

#: The SQLAlchemy errors that mean "the database cannot be reached now", as opposed to a
#: refused statement (an integrity or programming error, which stays a bug to report).
UNREACHABLE_ERRORS: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.DisconnectionError,
    exc.TimeoutError,
)


class StoreUnavailable(StudyError):  # noqa: N818 (the name the workstation binds to)
    """The study database cannot be reached now (server down, network cut, file gone).

    Nothing was changed by the call that raised it, or — when the connection dropped during a
    commit — the change may have been stored: retry a submission with the same
    ``submission_id`` and it is stored once. The same :class:`ReaderSession` works again once
    the database is back.
    """


class StoreRefusedError(StudyError):
    """The study database was reached but refused the statement (module docstring). Nothing
    was changed by the transaction that raised it; retrying helps only once someone with
    access to the database has removed the cause."""


@contextmanager
def store_call(store: Store) -> Iterator[None]:
    """Run one access of ``store``; an unreachable database raises :class:`StoreUnavailable`
    and resets the engine's connection pool, a refused statement raises
    :class:`StoreRefusedError` (module docstring)."""
    _check_sqlite_file(store)
    try:
        yield
    except UNREACHABLE_ERRORS as error:
        store.engine.dispose()
        raise StoreUnavailable(_message(store, error, "cannot be reached")) from error
    except exc.DBAPIError as error:
        raise StoreRefusedError(_message(store, error, "refused the request")) from error


def _check_sqlite_file(store: Store) -> None:
    if store.dialect != "sqlite":
        return
    path = Path(str(store.engine.url.database))
    if not path.is_file():
        store.engine.dispose()  # close the connections still holding the old file
        raise StoreUnavailable(
            f"the study database at {path} cannot be reached: the file is missing "
            "(moved, deleted, or its folder is not mounted)"
        )


def _message(store: Store, error: Exception, what: str) -> str:
    orig = getattr(error, "orig", None) or error
    lines = str(orig).strip().splitlines()
    reason = lines[0] if lines else type(orig).__name__
    password = store.engine.url.password
    if password:
        reason = reason.replace(str(password), "***")
    where = str(store.engine.url.database) if store.dialect == "sqlite" else store.display_url
    return f"the study database at {where} {what}: {reason}"
