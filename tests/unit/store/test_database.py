"""Creating, opening and upgrading stores; SQLite's pragmas and transactions; errors that name
the database without its password."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from store_fixtures import (
    NO_POSTGRESQL,
    drop_postgresql_database,
    new_postgresql_database,
    postgresql_url,
)

from studies.errors import StoreError
from studies.store.database import (
    SQLITE_PRAGMAS,
    _alembic_config,
    create_store,
    open_store,
    schema_head,
    upgrade_store,
)
from studies.store.schema import Base


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_create_then_open_a_store(store_url: str) -> None:
    with create_store(store_url) as created:
        assert created.schema_version() == schema_head()
        with created.session(read_only=True) as session:
            head = session.execute(text("SELECT last_seq, last_hash FROM audit_chain_head")).one()
        assert tuple(head) == (0, "0" * 64)
    with open_store(store_url) as opened:
        assert opened.schema_version() == schema_head()
        with opened.session(read_only=True) as session:
            tables = session.connection().dialect.get_table_names(session.connection())
        assert set(Base.metadata.tables) <= set(tables)


def test_create_refuses_a_database_that_holds_anything(store_url: str) -> None:
    with create_store(store_url):
        pass
    with pytest.raises(StoreError, match=r"is not empty .*audit_chain_head") as caught:
        create_store(store_url)
    assert "a new study store needs an empty database" in str(caught.value)
    with open_store(store_url) as store:  # untouched: still a working store of this version
        assert store.schema_version() == schema_head()


def test_create_refuses_a_foreign_sqlite_database_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patients (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"other\.db is not empty \(tables: patients\)"):
        create_store(_sqlite_url(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_create_in_a_missing_folder_names_it_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"folder .*missing_folder missing"):
        create_store(_sqlite_url(tmp_path / "missing_folder" / "study.sqlite"))
    assert list(tmp_path.iterdir()) == []


def test_open_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    with pytest.raises(StoreError, match=r"no study store at .*absent\.sqlite \(the file does"):
        open_store(_sqlite_url(path))
    assert not path.exists()


def test_open_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are not the tables you are looking for\n" * 20)
    with pytest.raises(StoreError, match=r"notes\.sqlite: file is not a database"):
        open_store(_sqlite_url(path))


def test_open_a_database_of_something_else(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patients (name TEXT)")
    with pytest.raises(StoreError, match=r"is not a study store \(a database of something else"):
        open_store(_sqlite_url(path))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://user:secret@host/db", r"mysql://user:\*\*\*@host/db: unsupported database"),
        ("sqlite://", "must be a file"),
        ("sqlite:///:memory:", "must be a file"),
        ("postgresql+psycopg://user:secret@host", "names no database"),
    ],
)
def test_urls_that_name_no_store(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as caught:
        open_store(url)
    assert "secret" not in str(caught.value)


def test_relative_sqlite_paths_are_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with create_store("sqlite:///relative.sqlite") as store:
        assert store.display_url == f"sqlite:///{tmp_path / 'relative.sqlite'}"
    monkeypatch.chdir("/")
    with open_store(f"sqlite:///{tmp_path / 'relative.sqlite'}"):
        pass


# ------------------------------------------------------------------------- schema versions


def _set_schema_version(url: str, version: str) -> None:
    with open_store(url) as store, store.session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})


def test_a_store_of_a_newer_version_is_refused(store_url: str) -> None:
    with create_store(store_url):
        pass
    _set_schema_version(store_url, "0999")
    with pytest.raises(StoreError, match="store schema 0999 was made by a newer cesm-reader"):
        open_store(store_url)
    with pytest.raises(StoreError, match="store schema 0999 was made by a newer cesm-reader"):
        upgrade_store(store_url)


def test_an_older_store_is_refused_until_upgraded(store_url: str) -> None:
    """The oldest schema there is, Alembic's base (an empty versioned database), stands for any
    older version: open refuses it and says what to do; upgrade brings it to the current one."""
    with (
        create_store(store_url) as store,
        store.engine.connect() as connection,
        connection.begin(),
    ):
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    expected = (
        f"store schema (none), this version of cesm-reader needs {schema_head()}; "
        "run `cesm-reader study upgrade`"
    )
    with pytest.raises(StoreError) as caught:
        open_store(store_url)
    assert expected in str(caught.value)
    assert upgrade_store(store_url) == (None, schema_head())
    with open_store(store_url) as store:
        assert store.schema_version() == schema_head()
    assert upgrade_store(store_url) == (schema_head(), schema_head())  # current: a no-op


# ------------------------------------------------------------------------------- SQLite


def test_sqlite_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    expected = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": 10000}
    assert [name for name, _ in SQLITE_PRAGMAS] == list(expected)
    with create_store(_sqlite_url(tmp_path / "s.sqlite")) as store:
        connections = [store.engine.raw_connection() for _ in range(2)]  # two at once
        seen = [
            {name: connection.execute(f"PRAGMA {name}").fetchone()[0] for name in expected}
            for connection in connections
        ]
        for connection in connections:
            connection.close()
    assert seen == [expected, expected]


def test_sqlite_write_sessions_take_the_write_lock_at_once(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE: a write session holds the lock before its first write, so a second
    writer waits for it rather than deadlocking later."""
    path = tmp_path / "s.sqlite"
    with create_store(_sqlite_url(path)) as store, store.session() as session:
        session.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_sqlite_read_only_sessions_do_not_block_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with create_store(_sqlite_url(path)) as store, store.session(read_only=True) as reading:
        assert reading.execute(text("SELECT last_seq FROM audit_chain_head")).scalar() == 0
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE audit_chain_head SET last_seq = 0")
        other.execute("COMMIT")
        other.close()


def test_a_session_rolls_back_on_error(store_url: str) -> None:
    with create_store(store_url) as store:
        with pytest.raises(RuntimeError, match="boom"), store.session() as session:
            session.execute(text("UPDATE audit_chain_head SET last_seq = 5"))
            raise RuntimeError("boom")
        with store.session(read_only=True) as session:
            assert session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar() == 0


def test_a_read_only_session_never_commits(store_url: str) -> None:
    """SQLite rolls the write back; PostgreSQL refuses it in a READ ONLY transaction."""
    with create_store(store_url) as store:
        try:
            with store.session(read_only=True) as session:
                session.execute(text("UPDATE audit_chain_head SET last_seq = 5"))
        except DBAPIError as error:
            assert store.dialect == "postgresql"
            assert "read-only transaction" in str(error)
        with store.session(read_only=True) as session:
            assert session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar() == 0


def test_read_then_write_transactions_in_threads_queue_instead_of_failing(
    tmp_path: Path,
) -> None:
    """The second of two read-then-write transactions waits for the first and reads its result
    (with deferred transactions it would read the old value and then fail to write)."""
    with create_store(_sqlite_url(tmp_path / "s.sqlite")) as store:
        errors: list[BaseException] = []
        first_has_read = threading.Event()
        second_begins = threading.Event()
        second = threading.local()

        @event.listens_for(store.engine, "checkout")
        def _trace(dbapi_connection: Any, record: object, proxy: object) -> None:
            # SQLite calls the trace as a statement starts, before BEGIN IMMEDIATE waits
            is_second = getattr(second, "is_second", False)

            def note(statement: str) -> None:
                if is_second and statement.startswith("BEGIN IMMEDIATE"):
                    second_begins.set()

            dbapi_connection.set_trace_callback(note)

        def increment(is_first: bool) -> None:
            try:
                if not is_first:
                    second.is_second = True
                    first_has_read.wait(timeout=10)
                with store.session() as session:
                    value = session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar()
                    if is_first:
                        first_has_read.set()
                        second_begins.wait(timeout=10)  # the second now queues on the lock
                    session.execute(
                        text("UPDATE audit_chain_head SET last_seq = :v"), {"v": value + 1}
                    )
            except BaseException as error:  # reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=increment, args=(first,)) for first in (True, False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with store.session(read_only=True) as session:
            assert session.execute(text("SELECT last_seq FROM audit_chain_head")).scalar() == 2


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgresql_server() -> None:
    if not os.environ.get("PGHOST"):
        pytest.skip(NO_POSTGRESQL)


@pytest.mark.usefixtures("postgresql_server")
def test_wrong_credentials_are_named_without_the_password() -> None:
    name = new_postgresql_database()
    try:
        url = postgresql_url(name)
        password = os.environ.get("PGPASSWORD") or "none-set"
        wrong = url.replace(f":{password}@", ":Wr0ng-Secret@") if password in url else url
        if wrong == url:
            pytest.skip("the server's PG* settings use no password")
        with pytest.raises(StoreError, match="password authentication failed") as caught:
            open_store(wrong)
        assert "Wr0ng-Secret" not in str(caught.value)
        assert ":***@" in str(caught.value)
    finally:
        drop_postgresql_database(name)


@pytest.mark.usefixtures("postgresql_server")
def test_an_unreachable_server_is_named() -> None:
    url = "postgresql+psycopg://someone:Secret-1@127.0.0.1:9/study"
    with pytest.raises(StoreError, match=r"someone:\*\*\*@127\.0\.0\.1:9/study") as caught:
        open_store(url)
    assert "Secret-1" not in str(caught.value)


@pytest.mark.usefixtures("postgresql_server")
def test_create_makes_a_missing_postgresql_database() -> None:
    name = f"test_new_{os.getpid()}"
    drop_postgresql_database(name)
    try:
        with create_store(postgresql_url(name)) as store:
            assert store.schema_version() == schema_head()
    finally:
        drop_postgresql_database(name)


@pytest.mark.usefixtures("postgresql_server")
def test_open_a_missing_postgresql_database_creates_nothing() -> None:
    name = f"test_absent_{os.getpid()}"
    with pytest.raises(StoreError, match=f'database "{name}" does not exist'):
        open_store(postgresql_url(name))
    with pytest.raises(StoreError, match=f'database "{name}" does not exist'):
        open_store(postgresql_url(name))  # still absent
