"""The ``cohort`` fixture: three valid cases on disk and a manifest writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from cesm_files import Cohort


@pytest.fixture
def cohort(tmp_path: Path) -> Cohort:
    return Cohort.of_three_valid_cases(tmp_path)
