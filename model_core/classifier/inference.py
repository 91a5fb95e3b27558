"""Ensemble inference over a manifest: probabilities, per-fold scores and Grad-CAM heat maps.

For every case of the manifest, in the manifest's order and in batches:

1. the case is loaded and preprocessed exactly as in training
   (:func:`~model_core.preprocessing.preprocess_case` with the bundle's input size and
   preprocessing settings); a background thread prepares the next batch while the models work
   on this one;
2. each fold model gives its logit and, unless heat maps are off, its Grad-CAM map on the
   bundle's target layer (:class:`~model_core.classifier.gradcam.GradCam`, one compiled forward
   and backward pass per fold and batch);
3. the case's probability is the **mean of the fold models' probabilities** (each the sigmoid
   of its logit); the per-fold probabilities are kept (``fold_1`` … ``fold_k``);
4. the fold maps (each in [0, 1]) are averaged, placed on the source image's pixel grid with
   :meth:`~model_core.preprocessing.PreprocessedInput.heatmap_to_source`, and the crop box of
   that grid is kept (:class:`~model_core.formats.heatmaps.HeatmapEntry`): it overlays the
   low-energy and recombined images pixel for pixel.

Nothing here is random: the same bundle and manifest give the same numbers, run after run.
TensorFlow is imported only when the fold models are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model_core.classifier.bundle import ModelBundle, load_bundle
from model_core.classifier.gradcam import GradCam
from model_core.classifier.probability import sigmoid
from model_core.formats.heatmaps import HeatmapEntry, write_heatmaps
from model_core.formats.scores import fold_column, write_scores
from model_core.manifest import Manifest, load_case, load_manifest
from model_core.preprocessing import PreprocessedInput, preprocess_case

#: File names of the outputs, in the folder :meth:`ManifestPredictions.write` is given.
SCORES_FILE = "scores.csv"
HEATMAPS_FILE = "heatmaps.npz"
#: Cases per batch: small enough for a CPU's memory at 299 px, large enough to amortise calls.
DEFAULT_BATCH_SIZE = 8

Progress = Callable[[int, int], None]
ShouldStop = Callable[[], bool]


class InferenceCancelled(Exception):  # noqa: N818 (a request, not an error)
    """``should_stop()`` became true: inference stopped between two batches, nothing returned."""


@dataclass(frozen=True)
class CasePrediction:
    """The ensemble's output for one case.

    Attributes:
        case_id: the manifest's case id.
        probability: mean of ``fold_probabilities``, in [0, 1].
        fold_probabilities: each fold model's probability of malignancy, in fold order.
        heatmap: the fold-averaged Grad-CAM over the crop box, or ``None`` without heat maps.
    """

    case_id: str
    probability: float
    fold_probabilities: tuple[float, ...]
    heatmap: HeatmapEntry | None = None


@dataclass(frozen=True)
class ManifestPredictions:
    """Every case's prediction, in manifest order, and what made them."""

    bundle: Path
    manifest: Path
    cases: tuple[CasePrediction, ...]

    def scores_frame(self) -> pd.DataFrame:
        """The model-scores table: ``case_id, probability, fold_1 … fold_k``."""
        folds = len(self.cases[0].fold_probabilities) if self.cases else 0
        rows = [
            {
                "case_id": case.case_id,
                "probability": case.probability,
                **{fold_column(k + 1): p for k, p in enumerate(case.fold_probabilities)},
            }
            for case in self.cases
        ]
        columns = ["case_id", "probability", *(fold_column(k + 1) for k in range(folds))]
        return pd.DataFrame(rows, columns=columns)

    def heatmaps(self) -> list[HeatmapEntry]:
        """The heat maps of the cases that have one."""
        return [case.heatmap for case in self.cases if case.heatmap is not None]

    def write(self, folder: Path) -> tuple[Path, Path | None]:
        """Write ``folder/scores.csv`` and, when there are heat maps, ``folder/heatmaps.npz``."""
        scores = write_scores(self.scores_frame(), folder / SCORES_FILE)
        if not any(case.heatmap is not None for case in self.cases):
            return scores, None
        return scores, write_heatmaps(self.heatmaps(), folder / HEATMAPS_FILE)


class EnsemblePredictor:
    """The fold models of a bundle, ready to predict preprocessed inputs.

    The compiled Grad-CAM and forward functions are traced on first use (seconds for a deep
    backbone) and reused: keep one predictor for several manifests.

    Args:
        bundle: a loaded bundle (:func:`~model_core.classifier.bundle.load_bundle`).
    """

    def __init__(self, bundle: ModelBundle) -> None:
        self.bundle = bundle
        self.explainers = [GradCam(model, bundle.target_layer) for model in bundle.fold_models()]

    def fold_outputs(
        self, images: np.ndarray, *, heatmaps: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Per-fold probabilities (folds, batch) and, with ``heatmaps``, the fold-averaged raw
        Grad-CAM maps (batch, h, w) in [0, 1] at the target layer's resolution (one backward
        pass per fold; without, a forward pass only)."""
        probabilities, maps = [], []
        for explainer in self.explainers:
            if heatmaps:
                result = explainer(images)
                probabilities.append(result.probabilities)
                maps.append(result.maps)
            else:
                probabilities.append(sigmoid(explainer.logits(images)))
        mean_map = np.stack(maps).mean(axis=0, dtype=np.float64) if maps else None
        return np.stack(probabilities), mean_map

    def predict(
        self, inputs: Sequence[PreprocessedInput], *, heatmaps: bool = True
    ) -> list[CasePrediction]:
        """The ensemble's prediction of each input (``case_id`` taken from the input)."""
        if not inputs:
            return []
        images = np.stack([item.image for item in inputs]).astype(np.float32)
        fold_probabilities, maps = self.fold_outputs(images, heatmaps=heatmaps)
        predictions = []
        for index, item in enumerate(inputs):
            per_fold = tuple(float(p) for p in fold_probabilities[:, index])
            heatmap = None if maps is None else _on_source(item, maps[index])
            predictions.append(
                CasePrediction(
                    case_id=str(item.case_id),
                    probability=float(np.mean(per_fold)),
                    fold_probabilities=per_fold,
                    heatmap=heatmap,
                )
            )
        return predictions


def predict_manifest(
    bundle: str | Path | ModelBundle | EnsemblePredictor,
    manifest: str | Path,
    *,
    heatmaps: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    data_root: str | Path | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> ManifestPredictions:
    """The ensemble's prediction for every case of ``manifest`` (see the module docstring).

    Args:
        bundle: a bundle folder, a loaded bundle, or a predictor made from one (reused: no
            new tracing); a folder is loaded and verified first
            (:class:`~model_core.classifier.bundle.BundleError` naming the file otherwise).
        manifest: the case manifest; every case needs a mask (the crop depends on it).
        heatmaps: compute Grad-CAM heat maps.
        batch_size: cases per batch, >= 1.
        data_root: confine the manifest's files to this folder (``""``: the manifest's own).
        progress: called with (cases done, cases in all), first with 0, after every batch.
        should_stop: asked before every batch; when it returns true, inference stops.

    Raises:
        BundleError: the bundle is incomplete, changed, or would not be reproduced.
        CesmError: a case cannot be loaded or preprocessed (naming the case and file).
        InferenceCancelled: ``should_stop()`` returned true.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: expected a whole number >= 1, got {batch_size!r}")
    if isinstance(bundle, EnsemblePredictor):
        loaded, predictor = bundle.bundle, bundle
    else:
        loaded = bundle if isinstance(bundle, ModelBundle) else load_bundle(bundle)
        predictor = None
    table = load_manifest(manifest, data_root=data_root)
    case_ids = list(table.case_ids)
    total = len(case_ids)
    if progress is not None:
        progress(0, total)
    _check_stop(should_stop)
    predictor = predictor or EnsemblePredictor(loaded)
    predictions: list[CasePrediction] = []
    for inputs in _prepared_batches(table, case_ids, loaded, batch_size, should_stop):
        predictions.extend(predictor.predict(inputs, heatmaps=heatmaps))
        if progress is not None:
            progress(len(predictions), total)
    return ManifestPredictions(loaded.folder, Path(manifest), tuple(predictions))


def prepare_input(manifest: Manifest, case_id: str, bundle: ModelBundle) -> PreprocessedInput:
    """What the bundle's models see for ``case_id``: its input size, its preprocessing."""
    return preprocess_case(
        load_case(manifest, case_id),
        input_size=bundle.input_size,
        settings=bundle.preprocessing,
    )


def _prepared_batches(
    manifest: Manifest,
    case_ids: list[str],
    bundle: ModelBundle,
    batch_size: int,
    should_stop: ShouldStop | None,
) -> Iterator[list[PreprocessedInput]]:
    """Batches of preprocessed inputs, the next one prepared in a thread meanwhile (reading
    and preprocessing release the GIL for most of their time, as TensorFlow does)."""
    batches = [
        case_ids[start : start + batch_size] for start in range(0, len(case_ids), batch_size)
    ]

    def prepare(ids: list[str]) -> list[PreprocessedInput]:
        return [prepare_input(manifest, case_id, bundle) for case_id in ids]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cesm-inputs") as pool:
        pending: Future[list[PreprocessedInput]] | None = None
        try:
            for index in range(len(batches)):
                _check_stop(should_stop)
                current = pending.result() if pending is not None else prepare(batches[index])
                pending = (
                    pool.submit(prepare, batches[index + 1]) if index + 1 < len(batches) else None
                )
                yield current
        finally:
            if pending is not None:
                pending.cancel()


def _check_stop(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise InferenceCancelled("inference cancelled")


def _on_source(item: PreprocessedInput, raw_map: np.ndarray) -> HeatmapEntry:
    """The raw map placed on the source pixel grid, kept over the crop box."""
    box = item.crop_box
    on_source = item.heatmap_to_source(np.clip(raw_map, 0.0, 1.0))
    return HeatmapEntry(
        case_id=str(item.case_id),
        crop_map=np.clip(on_source[box.slices], 0.0, 1.0).astype(np.float16),
        placement=(box.row_start, box.col_start, box.row_stop, box.col_stop),
        source_shape=item.source_shape,
    )
