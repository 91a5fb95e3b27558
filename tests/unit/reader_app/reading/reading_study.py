"""A small study for the reading workstation's tests: a real synthetic cohort (small images),
model scores and heat maps on disk, a ``study.toml`` from :mod:`study_files`, and the store made
by ``study init``'s own functions — the workstation sees what it would see in a real study.

The cohort is made once per test session (a few seconds) and shared; each test writes its own
``study.toml`` beside it and creates its own store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from study_files import write_study_toml

from model_core.formats.scores import write_scores
from model_core.manifest import load_manifest
from studies.engine.clock import Clock, SimulatedClock
from studies.engine.definition import load_study_definition
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.study_init import create_study, plan_study
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort
from studies.store.database import Store

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PINS = {"R1": "1111", "R2": "2222"}
CASES = 4


def make_cohort(
    folder: Path,
    cases: int = CASES,
    *,
    size: str = "small",
    heatmap_shape: tuple[int, int] = (16, 12),
) -> Path:
    """A synthetic cohort (small images unless ``size="full"``) with model scores and random
    whole-image heat maps of ``heatmap_shape`` (the store keeps up to 512 pixels a side)."""
    synthesize_cohort(
        CohortSettings(cases=cases, seed=4, size=size, malignant_fraction=0.5),
        folder / "cohort",
    )
    ids = list(load_manifest(folder / "cohort" / "manifest.csv").case_ids)
    model = folder / "model"
    (model / "heatmaps").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    write_scores(
        pd.DataFrame({"case_id": ids, "probability": np.round(rng.uniform(size=len(ids)), 4)}),
        model / "scores.csv",
    )
    for case_id in ids:
        np.save(
            model / "heatmaps" / f"{case_id}.npy", rng.uniform(size=(16, 12)).astype(np.float32)
        )
    return folder


def make_study(
    cohort: Path, url: str, overrides: dict | None = None, *, clock: Clock | None = None
) -> Store:
    """A store at ``url`` for a study over ``cohort`` (no practice case, no washout unless
    ``overrides`` say otherwise), readers R1/1111 and R2/2222."""
    base = {"practice_cases": [], "washout_days": 0, "clinical_fields": ["age"]}
    path = write_study_toml(cohort, {**base, **(overrides or {})})
    plan = plan_study(load_study_definition(path), pins=dict(PINS))
    return create_study(plan, url, clock=clock or SimulatedClock(START))


def read_session_through_the_api(
    store: Store, reader_id: str, index: int, *, clock: Clock | None = None
) -> int:
    """Answer every case of a session with the engine (no GUI); returns the answers given."""
    reader = ReaderSession.login(store, reader_id, PINS[reader_id], clock=clock)
    case = reader.open(index)
    given = 0
    while case is not None:
        if isinstance(clock, SimulatedClock):
            clock.advance(timedelta(seconds=10))
        case = reader.submit(Answer(0, 20, "3")).next_case
        given += 1
    return given
