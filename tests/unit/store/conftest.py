"""The study-store fixtures (``tests/store_fixtures.py``): a fresh database per test on SQLite
and PostgreSQL."""

from store_fixtures import store, store_url

__all__ = ["store", "store_url"]
