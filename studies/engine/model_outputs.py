"""Precomputing a study's model outputs: the classifier's scores and heat maps, once, before init.

The reading workstation never runs the model (it never imports TensorFlow): a coordinator runs
the embedded or a trained classifier over the study's manifest first, and ``study init`` stores
what it wrote (``[model] scores`` and ``heatmaps``, docs/study_definition.md). This is that step,
for the command line (``cesm-reader predict``), the demo study and the coordinator's dashboard:
the same files in the same folder layout whoever runs it.

The output is written as every command's is (:mod:`model_core.staged_output`): the destination is
checked before any work, the files are staged and moved into place together, never over files
the tool did not write. A run that is cancelled (``should_stop`` becomes true, checked between
batches) or fails leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from model_core.classifier.bundle import ModelBundle
from model_core.classifier.inference import (
    DEFAULT_BATCH_SIZE,
    HEATMAPS_FILE,
    SCORES_FILE,
    EnsemblePredictor,
    InferenceCancelled,
    Progress,
    ShouldStop,
    predict_manifest,
)
from model_core.staged_output import StagedOutput

#: The command name recorded with the files (the same as ``cesm-reader predict``'s), so that a
#: later run, from either, replaces them.
COMMAND = "predict"


class PrecomputeCancelled(Exception):  # noqa: N818 (a request, not an error)
    """The run was cancelled; nothing was written and the destination is as it was."""


@dataclass(frozen=True)
class ModelOutputFiles:
    """What :func:`precompute_model_outputs` wrote.

    Attributes:
        scores: the model-scores CSV (``case_id, probability, fold_1 … fold_k``).
        heatmaps: ``heatmaps.npz`` (:mod:`model_core.formats.heatmaps`), ``None`` when heat
            maps were not asked for.
    """

    scores: Path
    heatmaps: Path | None


def precompute_model_outputs(
    bundle: Path | ModelBundle | EnsemblePredictor,
    manifest: Path,
    out: Path,
    *,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    heatmaps: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    data_root: str | Path | None = None,
) -> ModelOutputFiles:
    """Run the bundle's ensemble over ``manifest`` and write ``out/scores.csv`` and
    ``out/heatmaps.npz``.

    Args:
        bundle: the model bundle's folder (verified before any case is read), or a loaded
            bundle or predictor (whose compiled models are then reused).
        manifest: the case manifest (every case needs its mask).
        out: the destination folder (created when missing).
        progress: called with (cases done, cases in all) after every batch.
        should_stop: asked between batches; true cancels the run.
        heatmaps: compute Grad-CAM heat maps as well as the scores.
        batch_size: cases per batch.
        data_root: confine the manifest's files (``""``: to the manifest's folder).

    Raises:
        PrecomputeCancelled: ``should_stop()`` returned true; nothing was written.
        CesmError: the destination, the bundle (``BundleError``), the manifest or a case is
            unusable (the message names the file); nothing was written.
    """
    names = (SCORES_FILE, HEATMAPS_FILE) if heatmaps else (SCORES_FILE,)
    output = StagedOutput(out, COMMAND, names=names)  # checks the destination before any work
    try:
        predictions = predict_manifest(
            bundle,
            manifest,
            heatmaps=heatmaps,
            batch_size=batch_size,
            data_root=data_root,
            progress=progress,
            should_stop=should_stop,
        )
    except InferenceCancelled as cancelled:
        raise PrecomputeCancelled(f"model outputs for {manifest}: cancelled") from cancelled
    with output as staging:
        predictions.write(staging)
    folder = output.out
    return ModelOutputFiles(
        scores=folder / SCORES_FILE, heatmaps=folder / HEATMAPS_FILE if heatmaps else None
    )
