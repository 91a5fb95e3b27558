"""The demo study's files: a synthetic cohort and simulated model outputs, made on first use.

``cesm-reader study init --demo`` needs a manifest and model scores that nobody has to provide:
this module generates a synthetic cohort (:mod:`studies.simulation.cohort`) and the model's
probabilities from the simulated reader-study model (until the classifier ships a trained demo
model), both in ``FOLDER/cohort/``, and returns the demo's ``study.toml`` text, whose relative
paths point there. Everything it makes is synthetic or simulated, and the study's title says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from model_core.formats.scores import write_scores
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort
from studies.simulation.reader_study import simulate_from_manifest

#: The demo study's definition, kept with the project's resources.
DEMO_DEFINITION = Path(__file__).resolve().parents[2] / "resources" / "demo_study" / "study.toml"
DEMO_CASES = 30
DEMO_SEED = 20260101
#: The demo readers' PINs, as the README documents them.
DEMO_PINS = {"R1": "1111", "R2": "2222"}


def prepare_demo_files(
    folder: Path,
    *,
    cases: int = DEMO_CASES,
    size: str = "full",
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Make ``folder/cohort`` (once) and return the demo ``study.toml`` text.

    ``progress(done, total)`` follows the cases generated; an exception it raises (a
    cancellation) stops the generation and leaves no cohort behind (it is staged).
    """
    cohort = folder / "cohort"
    manifest = cohort / "manifest.csv"
    if not manifest.is_file():
        synthesize_cohort(
            CohortSettings(cases=cases, seed=DEMO_SEED, size=size), cohort, progress=progress
        )
    scores = cohort / "model_scores.csv"
    if not scores.is_file():
        simulated = simulate_from_manifest(manifest, n_readers=1, seed=DEMO_SEED)
        write_scores(simulated.model_scores, scores)
    return DEMO_DEFINITION.read_text(encoding="utf-8")
