"""A small study for the outbox and store-outage tests: six cases with tiny placeholder images
(the first a practice case), two readers, crossover design, no washout, PIN ``1234``.

Imported by bare name (``from outbox_study import small_study``) by the tests beside it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from study_files import DROP, write_study_toml

from model_core.formats.scores import write_scores
from model_core.manifest import write_manifest
from studies.engine.definition import load_study_definition
from studies.engine.study_init import create_study, plan_study
from studies.store.database import Store

READERS = ("R1", "R2")
PIN = "1234"
N_CASES = 6


def small_study(folder: Path, url: str) -> Store:
    """Create the study's files in ``folder`` and its store at ``url``; returns the store."""
    cohort = folder / "cohort"
    (cohort / "img").mkdir(parents=True)
    pixels = (np.arange(32 * 24, dtype=np.uint16).reshape(32, 24) % 4096).astype(np.uint16)
    rows = []
    for i in range(1, N_CASES + 1):
        case_id = f"C{i:02d}"
        row = {
            "case_id": case_id,
            "low_energy": f"img/{case_id}_le.png",
            "recombined": f"img/{case_id}_rc.png",
            "label": "malignant" if i % 2 else "benign",
            "pixel_spacing_mm": "0.1",
        }
        for column in ("low_energy", "recombined"):
            Image.fromarray(pixels).save(cohort / row[column])
        rows.append(row)
    write_manifest(cohort / "manifest.csv", rows)
    (folder / "model").mkdir()
    write_scores(
        pd.DataFrame({"case_id": [r["case_id"] for r in rows], "probability": 0.5}),
        folder / "model" / "scores.csv",
    )
    path = write_study_toml(
        folder,
        {
            "practice_cases": ["C01"],
            "washout_days": 0,
            "readers": [{"id": r, "name": r, "years_experience": 1} for r in READERS],
            "model": {"scores": "model/scores.csv", "heatmaps": DROP, "thresholds_shown": []},
        },
    )
    plan = plan_study(load_study_definition(path), pins=dict.fromkeys(READERS, PIN))
    return create_study(plan, url)
