"""Small synthetic cohorts shared by the tests of this folder (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth_files import SEED

from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort


@pytest.fixture(scope="session")
def internal_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four small internal cases."""
    out = tmp_path_factory.mktemp("synth") / "internal"
    synthesize_cohort(CohortSettings(cases=4, seed=SEED, size="small"), out)
    return out


@pytest.fixture(scope="session")
def external_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two small external cases."""
    out = tmp_path_factory.mktemp("synth") / "external"
    synthesize_cohort(CohortSettings(cases=2, seed=SEED, size="small", center="external"), out)
    return out
