"""The dashboard tests' fixtures (defined in ``dashboard_fixtures.py``)."""

from dashboard_fixtures import demo_cohort, demo_study
from store_fixtures import store_url

__all__ = ["demo_cohort", "demo_study", "store_url"]
