"""The study store (to be built): SQLAlchemy models, Alembic migrations, audit chain, export.

Independent of :mod:`studies.analysis` and :mod:`studies.simulation` (an import-linter
contract); the engine joins them. Empty until the study-engine work lands; the package exists so
that the layering contracts in ``pyproject.toml`` already hold it in place.
"""
