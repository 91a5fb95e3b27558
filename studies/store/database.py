"""Creating, opening and upgrading a study store, on SQLite or PostgreSQL.

A store is named by a SQLAlchemy URL:

* ``sqlite:///path/to/study.sqlite`` (relative to the current folder; ``sqlite:////abs/path``):
  the default, one file. Every connection sets ``journal_mode=WAL`` (readers never block the
  writer), ``foreign_keys=ON``, ``synchronous=FULL`` (a committed decision survives a power
  cut, not only a crash) and ``busy_timeout=10000`` (a writer waits up to 10 s for another
  instead of failing). Python's ``sqlite3`` module would open transactions lazily, on the first
  write, which lets two read-then-write transactions deadlock; the store turns that off and
  starts every transaction itself with ``BEGIN IMMEDIATE`` (``BEGIN`` for read-only sessions),
  so writers queue for the lock up front and the audit chain is appended to one writer at a
  time (:mod:`studies.store.audit`).
* ``postgresql+psycopg://user:password@host:port/database`` (psycopg 3; ``postgresql://`` is
  taken to mean the same): the multi-site set-up where readers at several hospitals share one
  study. :func:`create_store` creates the database when it does not exist and the user may.

The schema is versioned with Alembic; the migrations ship inside the package
(``studies/store/migrations``) and run programmatically. :func:`open_store` refuses a store of
another schema version and says what to do; :func:`upgrade_store` migrates one.

Every failure a user can cause — a missing file, an unreachable server, wrong credentials, a
non-empty or foreign database — is a :class:`studies.errors.StoreError` naming the URL without
its password.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from studies.errors import StoreError

#: Set on every SQLite connection, in this order (module docstring says why).
SQLITE_PRAGMAS: tuple[tuple[str, str], ...] = (
    ("journal_mode", "WAL"),
    ("foreign_keys", "ON"),
    ("synchronous", "FULL"),
    ("busy_timeout", "10000"),
)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: How long a PostgreSQL connection attempt may take, unless the URL says otherwise
#: (``?connect_timeout=N``).
CONNECT_TIMEOUT_S = 10
_READ_ONLY = "cesm_read_only"
_UNDEFINED_DATABASE = "3D000"  # PostgreSQL's SQLSTATE for "database does not exist"


class Store:
    """An open study store: an engine and the transactions made with it.

    Use :meth:`session` for every read and write; :meth:`close` (or ``with store:``) releases
    the connections.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: The URL without its password, for messages.
        self.display_url = display_url(engine.url)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back on any error.

        ``read_only`` sessions see one consistent snapshot and never commit (closing the
        session rolls its connection back; the rows read stay usable afterwards). On SQLite they
        start with a deferred ``BEGIN`` and so do not queue behind writers (WAL lets them read
        the last committed state); on PostgreSQL they are ``REPEATABLE READ, READ ONLY``
        transactions, where a write is an error.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            if read_only:
                session.connection(execution_options=_read_only_options(self.engine))
            try:
                yield session
            except BaseException:
                session.rollback()
                raise
            if not read_only:
                session.commit()

    def schema_version(self) -> str | None:
        """The store's Alembic revision (``None`` for a database without one)."""
        with _connected(self.engine, read_only=True) as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        """Close every pooled connection (the store can no longer be used)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"


# ------------------------------------------------------------------------------- public API


def create_store(url: str) -> Store:
    """Create a new, empty study store at ``url`` with the current schema.

    Raises:
        StoreError: the URL is malformed or of an unsupported database; the SQLite file's folder
            does not exist; the server cannot be reached or refuses the credentials; or the
            database already holds tables (a new study needs an empty database: nothing is
            changed in it).
    """
    parsed = parse_store_url(url)
    created_file: Path | None = None
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if not path.parent.is_dir():
            raise StoreError(f"cannot create the study store {path}: folder {path.parent} missing")
        if path.exists() and not path.is_file():
            raise StoreError(f"cannot create the study store {path}: not a regular file")
        if not path.exists():
            created_file = path
        elif tables := _sqlite_tables_unchanged(path):
            raise StoreError(_not_empty_message(parsed, tables))
    else:
        _create_postgresql_database_if_missing(parsed)
    engine = _engine(parsed)
    try:
        with _connected(engine, read_only=True) as connection:
            tables = inspect(connection).get_table_names()
        if tables:
            raise StoreError(_not_empty_message(parsed, tables))
        with _connected(engine) as connection, connection.begin():
            _alembic_command(connection, "upgrade", "head")
    except BaseException:
        engine.dispose()
        if created_file is not None:
            _remove_sqlite_files(created_file)
        raise
    return Store(engine)


def open_store(url: str) -> Store:
    """Open an existing study store of the schema version this code needs.

    Raises:
        StoreError: as :func:`create_store`, and when the SQLite file does not exist, the
            database is not a study store, or its schema version differs (then the message says
            to run ``cesm-reader study upgrade``, or to use a newer cesm-reader).
    """
    store = _open_existing(url)
    try:
        found = store.schema_version()
        needed = schema_head()
        if found != needed:
            if _is_newer(found):
                raise StoreError(_newer_schema_message(store.display_url, found, needed))
            raise StoreError(
                f"{store.display_url}: store schema {found or '(none)'}, this version of "
                f"cesm-reader needs {needed}; run `cesm-reader study upgrade`"
            )
    except BaseException:
        store.close()
        raise
    return store


def upgrade_store(url: str) -> tuple[str | None, str]:
    """Migrate the store at ``url`` to the current schema; returns (version before, after),
    the version before being ``None`` for a versioned database without tables.

    A store already current is left as it is.

    Raises:
        StoreError: as :func:`open_store` for a missing or foreign database, and for a store
            made by a newer cesm-reader (its schema is unknown here: downgrading is not offered).
    """
    store = _open_existing(url)
    try:
        found = store.schema_version()
        needed = schema_head()
        if found == needed:
            return found, needed
        if _is_newer(found):
            raise StoreError(_newer_schema_message(store.display_url, found, needed))
        with _connected(store.engine) as connection, connection.begin():
            _alembic_command(connection, "upgrade", "head")
        return found, needed
    finally:
        store.close()


def schema_head() -> str:
    """The schema version (Alembic revision) this code reads and writes."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the store's migrations have no head revision"
    return head


def parse_store_url(url: str) -> URL:
    """The URL as SQLAlchemy reads it, ``postgresql://`` meaning psycopg 3; SQLite paths are
    made absolute, so that a later change of folder cannot move the store.

    Raises:
        StoreError: not a URL, or not of SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"'{_hide_password_text(url)}' is not a database URL "
            "(expected sqlite:///path or postgresql+psycopg://user:password@host/database)"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError(
                f"{url}: a study store must be a file (sqlite:///path), not an in-memory database"
            )
        return parsed.set(database=os.path.abspath(parsed.database))
    if parsed.drivername == "postgresql+psycopg":
        if not parsed.database:
            raise StoreError(f"{display_url(parsed)}: the URL names no database")
        return parsed
    raise StoreError(
        f"{display_url(parsed)}: unsupported database "
        "(expected sqlite:///path or postgresql+psycopg://user:password@host/database)"
    )


def display_url(url: URL) -> str:
    """The URL for a message: the password replaced by ``***``."""
    return url.render_as_string(hide_password=True)


# ------------------------------------------------------------------------------ connecting


def _engine(url: URL) -> Engine:
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url)
            event.listen(engine, "connect", _on_sqlite_connect)
            event.listen(engine, "begin", _on_sqlite_begin)
            return engine
        # A server that vanished from the network would hold a connection attempt for the
        # operating system's TCP time-out (minutes); a reader must hear of it sooner.
        connect_args = (
            {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        )
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except NoSuchModuleError as error:  # pragma: no cover - psycopg is a dependency
        raise StoreError(f"{display_url(url)}: database driver missing ({error})") from None


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Let SQLAlchemy's begin event, not the sqlite3 module, start transactions (module doc).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for name, value in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {name}={value}")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    read_only = connection.get_execution_options().get(_READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _read_only_options(engine: Engine) -> dict[str, Any]:
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return {_READ_ONLY: True}


@contextmanager
def _connected(engine: Engine, *, read_only: bool = False) -> Iterator[Connection]:
    """A connection, with connection failures turned into :class:`StoreError`."""
    try:
        connection = engine.connect()
        if read_only:
            connection = connection.execution_options(**_read_only_options(engine))
    except DBAPIError as error:
        raise StoreError(
            f"cannot open the study store {display_url(engine.url)}: {_reason(error, engine.url)}"
        ) from None
    with connection:
        yield connection


def _reason(error: DBAPIError, url: URL) -> str:
    """The driver's first line of explanation, never with the password in it."""
    text = (
        str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error).__name__
    )
    if url.password:
        text = text.replace(str(url.password), "***")
    return text


def _open_existing(url: str) -> Store:
    parsed = parse_store_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(parsed)
        if not path.is_file():
            what = "not a regular file" if path.exists() else "the file does not exist"
            raise StoreError(
                f"no study store at {path} ({what}); create one with `cesm-reader study init`"
            )
        if "alembic_version" not in _sqlite_tables_unchanged(path):
            raise StoreError(_not_a_store_message(parsed, _sqlite_tables_unchanged(path)))
    engine = _engine(parsed)
    try:
        with _connected(engine, read_only=True) as connection:
            try:
                tables = inspect(connection).get_table_names()
            except DBAPIError as error:
                raise StoreError(
                    f"{display_url(parsed)} is not a study store: {_reason(error, parsed)}"
                ) from None
        if "alembic_version" not in tables:
            raise StoreError(_not_a_store_message(parsed, tables))
    except BaseException:
        engine.dispose()
        raise
    return Store(engine)


def _not_empty_message(url: URL, tables: list[str]) -> str:
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    return (
        f"the database {display_url(url)} is not empty (tables: {shown}); "
        "a new study store needs an empty database"
    )


def _not_a_store_message(url: URL, tables: list[str]) -> str:
    what = "an empty database" if not tables else "a database of something else"
    return (
        f"{display_url(url)} is not a study store ({what}); "
        "create one with `cesm-reader study init`"
    )


def _sqlite_tables_unchanged(path: Path) -> list[str]:
    """The tables of an existing SQLite file, read without changing it: the store's own
    connections would switch any file they open to WAL, and a file that is not ours must be
    left as it was.

    Raises:
        StoreError: the file is not an SQLite database (or cannot be read).
    """
    uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            rows = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            ).fetchall()
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the study store sqlite:///{path}: {error}") from None
    return [name for (name,) in rows]


def _sqlite_path(url: URL) -> Path:
    assert url.database is not None
    return Path(url.database)


def _remove_sqlite_files(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)


def _create_postgresql_database_if_missing(url: URL) -> None:
    """Create the URL's database through the server's ``postgres`` database, when missing.

    psycopg reports a missing database as a connection failure without an SQL state, so the
    maintenance database is asked whether it exists; any other failure is reported as is.
    """
    probe = create_engine(url)
    try:
        with probe.connect():
            return
    except DBAPIError as error:
        failure = error
    finally:
        probe.dispose()
    maintenance = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": url.database}
            ).first()
            if exists is not None:
                raise StoreError(
                    f"cannot open the study store {display_url(url)}: {_reason(failure, url)}"
                )
            name = maintenance.dialect.identifier_preparer.quote(str(url.database))
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except DBAPIError as error:
        raise StoreError(
            f"cannot open the study store {display_url(url)}: {_reason(failure, url)} "
            f"(and it could not be created: {_reason(error, url)})"
        ) from None
    finally:
        maintenance.dispose()


def _hide_password_text(url: str) -> str:
    """Best effort for text that is not a URL: drop what lies between ``:`` and ``@``."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


# ------------------------------------------------------------------------------- migrations


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _alembic_command(connection: Connection, name: str, revision: str) -> None:
    config = _alembic_config()
    config.attributes["connection"] = connection
    getattr(command, name)(config, revision)


def _is_newer(found: str | None) -> bool:
    """A revision this code does not know was made by a newer version (``None`` is the base,
    older than every revision)."""
    script = ScriptDirectory.from_config(_alembic_config())
    return found is not None and found not in {rev.revision for rev in script.walk_revisions()}


def _newer_schema_message(display: str, found: str | None, needed: str) -> str:
    return (
        f"{display}: store schema {found} was made by a newer cesm-reader "
        f"(this version knows schemas up to {needed}); use that newer version"
    )
