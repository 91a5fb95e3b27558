"""The demo study's files: a synthetic cohort and its model outputs, made on first use.

``cesm-reader study init --demo`` needs a manifest and model outputs that nobody has to provide.
This module generates a synthetic cohort (:mod:`studies.simulation.cohort`) in ``FOLDER/cohort/``
and the model's outputs for it, then returns the demo's ``study.toml`` text, whose relative paths
point there. The model outputs come from:

* the **embedded demo model** (``resources/models/demo_cbam_xception/``, a CBAM-Xception trained
  on a synthetic training cohort) when its bundle is installed: its ensemble probabilities and
  Grad-CAM heat maps, precomputed into ``FOLDER/model/`` (:mod:`studies.engine.model_outputs`)
  and recomputed when the bundle is newer than them, with the bundle's Youden threshold shown;
* otherwise the **simulated** model of the simulated reader study (probabilities only), in
  ``FOLDER/cohort/model_scores.csv``.

Everything is synthetic or simulated, and the study's title says which: a synthetic cohort with
the demo model's outputs (a real model, trained on synthetic data), or with simulated outputs.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from model_core.classifier.bundle import MODEL_JSON, load_bundle
from model_core.classifier.inference import HEATMAPS_FILE, SCORES_FILE, Progress
from model_core.formats.scores import write_scores
from studies.engine.model_outputs import precompute_model_outputs
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort
from studies.simulation.reader_study import simulate_from_manifest


def shipped_resources() -> Path:
    """The folder of the files the application ships with (``resources/`` of the source tree).

    From a source tree (a checkout, an editable install) it is the ``resources/`` beside the
    packages; from an installed wheel, where pip put the wheel's data files
    (``<prefix>/share/cesm-reader``), found through the installed distribution's own file list
    so that ``--user`` and ``--prefix`` installs are found too.
    """
    source_tree = Path(__file__).resolve().parents[2] / "resources"
    if (source_tree / "demo_study" / "study.toml").is_file():
        return source_tree
    try:
        distribution = importlib.metadata.distribution("cesm-reader")
    except importlib.metadata.PackageNotFoundError:
        return source_tree  # neither: the callers name the file they miss
    for file in distribution.files or ():
        if file.as_posix().endswith("share/cesm-reader/demo_study/study.toml"):
            return Path(str(distribution.locate_file(file))).resolve().parents[1]
    return source_tree


_RESOURCES = shipped_resources()
#: The demo study's definition, kept with the project's resources (simulated model outputs).
DEMO_DEFINITION = _RESOURCES / "demo_study" / "study.toml"
#: The embedded demo model's bundle (present once the classifier's demo model is installed).
DEMO_MODEL = _RESOURCES / "models" / "demo_cbam_xception"
DEMO_CASES = 30
DEMO_SEED = 20260101
#: Where the demo model's outputs are precomputed, inside the demo folder.
MODEL_OUTPUTS = "model"
#: The title of the demo study when the demo model made its outputs.
DEMO_MODEL_TITLE = (
    "Demo study (synthetic CESM cohort; model outputs from the demo classifier, "
    "trained on synthetic data)"
)


def demo_model_available(bundle: Path = DEMO_MODEL) -> bool:
    """Whether the embedded demo model's bundle is installed."""
    return (bundle / MODEL_JSON).is_file()


#: The demo readers' PINs, as the README documents them.
DEMO_PINS = {"R1": "1111", "R2": "2222"}


def prepare_demo_files(
    folder: Path,
    *,
    cases: int = DEMO_CASES,
    size: str = "full",
    bundle: Path | None = DEMO_MODEL,
    progress: Progress | None = None,
) -> str:
    """Make ``folder/cohort`` (once) and the model outputs, and return the ``study.toml`` text.

    Args:
        folder: the demo's folder (the definition's paths are relative to it).
        cases: cases of the synthetic cohort.
        size: ``"full"`` or ``"small"`` images (:class:`CohortSettings`).
        bundle: the model bundle to precompute outputs with when it is installed; ``None``
            for the simulated outputs whatever is installed.
        progress: called with (done, total) while the cohort is generated, then while the
            model runs; an exception it raises (a cancellation) stops the work and leaves
            no cohort or model outputs behind (both are staged).
    """
    cohort = folder / "cohort"
    manifest = cohort / "manifest.csv"
    if not manifest.is_file():
        synthesize_cohort(
            CohortSettings(cases=cases, seed=DEMO_SEED, size=size), cohort, progress=progress
        )
    text = DEMO_DEFINITION.read_text(encoding="utf-8")
    if bundle is not None and demo_model_available(bundle):
        outputs = folder / MODEL_OUTPUTS
        if _stale(outputs, bundle):
            precompute_model_outputs(bundle, manifest, outputs, progress=progress)
        youden = load_bundle(bundle).thresholds["youden"]
        return with_model_outputs(text, youden)
    scores = cohort / "model_scores.csv"
    if not scores.is_file():
        simulated = simulate_from_manifest(manifest, n_readers=1, seed=DEMO_SEED)
        write_scores(simulated.model_scores, scores)
    return text


def with_model_outputs(text: str, youden: float) -> str:
    """The demo definition ``text`` with the demo model's title and ``[model]`` section: its
    scores and heat maps in ``model/``, its Youden threshold shown.

    Raises:
        ValueError: ``text`` has no ``title`` line or no ``[model]`` section (the resource
            file was edited out of shape).
    """
    head, marker, _ = text.partition("\n[model]")
    head, titles = re.subn(r"(?m)^title = .*$", f'title = "{DEMO_MODEL_TITLE}"', head, count=1)
    if not marker or not titles:
        raise ValueError(f"{DEMO_DEFINITION}: expected a title line and a final [model] section")
    return (
        f"{head}\n[model]\n"
        "# The demo classifier's outputs, precomputed by `study init --demo` "
        "(cesm-reader predict).\n"
        f'scores = "{MODEL_OUTPUTS}/{SCORES_FILE}"\n'
        f'heatmaps = "{MODEL_OUTPUTS}/{HEATMAPS_FILE}"\n'
        'thresholds_shown = ["youden"]\n\n'
        "[model.thresholds]\n"
        f"youden = {float(youden)!r}\n"
    )


def _stale(outputs: Path, bundle: Path) -> bool:
    """Whether the precomputed outputs are missing or older than the bundle."""
    made = [outputs / SCORES_FILE, outputs / HEATMAPS_FILE]
    if not all(path.is_file() for path in made):
        return True
    newest_input = (bundle / MODEL_JSON).stat().st_mtime
    return min(path.stat().st_mtime for path in made) < newest_input
