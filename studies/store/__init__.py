"""The study store: SQLAlchemy tables, Alembic migrations, the audit chain and verification.

* :mod:`studies.store.database` — create, open and upgrade a store (SQLite or PostgreSQL);
  :class:`~studies.store.database.Store` hands out transactions.
* :mod:`studies.store.schema` — the tables (docs/study_store.md describes each).
* :mod:`studies.store.audit` — appending to the SHA-256-chained audit log.
* :mod:`studies.store.verify` — checking the chain, the decisions and the image files.
* :mod:`studies.store.heatmaps`, :mod:`studies.store.file_checksums` — how heat maps and image
  checksums are kept.
* ``migrations/`` — Alembic's environment and one file per schema version, loaded by path
  (they are data, not modules to import).

Independent of :mod:`studies.analysis` and :mod:`studies.simulation` (an import-linter
contract); the engine joins them.
"""
