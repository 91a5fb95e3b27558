"""Alembic's environment for the study store: migrations run only programmatically.

:mod:`studies.store.database` opens the connection (with the store's SQLite pragmas and its
``BEGIN IMMEDIATE``), starts the transaction and passes the connection in
``config.attributes["connection"]``; a migration therefore commits or rolls back as a whole.
There is no ``alembic.ini``: nothing here reads a URL.

To write a new migration, change :mod:`studies.store.schema`, then generate a draft against a
store of the previous version with ``alembic.command.revision(config, message, autogenerate=True)``
(``config`` as in :func:`studies.store.database._alembic_config`, with that store's connection),
and review it by hand: the test ``test_migrations_build_the_schema`` fails until the migrations
build exactly the tables of :mod:`studies.store.schema`.
"""

from __future__ import annotations

from alembic import context

from studies.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "the study store's migrations run through studies.store.database "
        "(create_store, upgrade_store), not the alembic command line"
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite changes tables by copying them; Alembic's batch mode does that
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
