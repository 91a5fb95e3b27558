"""Alembic migrations of the study store (run programmatically by :mod:`studies.store.database`)."""
