"""Ensemble inference over a manifest: the mean of the folds, Grad-CAM on the source pixel grid,
batches that change nothing, deterministic files, progress and cancelling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cesm_files import Cohort
from model_bundles import tiny_bundle

from model_core.classifier.bundle import load_bundle
from model_core.classifier.inference import (
    EnsemblePredictor,
    InferenceCancelled,
    ManifestPredictions,
    predict_manifest,
    prepare_input,
)
from model_core.classifier.training import predict_probabilities
from model_core.errors import CesmError
from model_core.formats.heatmaps import full_extent_heatmap, read_heatmaps
from model_core.manifest import load_manifest


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bundle(tmp_path_factory, folds=2)


@pytest.fixture(scope="module")
def predictor(bundle: Path) -> EnsemblePredictor:
    """One predictor for the module: its compiled functions are traced once."""
    return EnsemblePredictor(load_bundle(bundle))


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Cohort.of_three_valid_cases(tmp_path_factory.mktemp("cohort")).write()


@pytest.fixture(scope="module")
def predictions(predictor: EnsemblePredictor, manifest: Path) -> ManifestPredictions:
    return predict_manifest(predictor, manifest, batch_size=2)


def test_probability_is_the_mean_of_the_folds(
    predictor: EnsemblePredictor, manifest: Path, predictions: ManifestPredictions
) -> None:
    assert [case.case_id for case in predictions.cases] == ["C001", "C002", "C003"]
    models = predictor.bundle.fold_models()
    table = load_manifest(manifest)
    images = np.stack(
        [prepare_input(table, c.case_id, predictor.bundle).image for c in predictions.cases]
    ).astype(np.float32)
    direct = np.stack([model.predict_on_batch(images).ravel() for model in models])
    for index, case in enumerate(predictions.cases):
        assert len(case.fold_probabilities) == 2
        np.testing.assert_allclose(case.fold_probabilities, direct[:, index], atol=1e-6)
        assert case.probability == pytest.approx(np.mean(case.fold_probabilities), abs=1e-12)
    frame = predictions.scores_frame()
    assert list(frame.columns) == ["case_id", "probability", "fold_1", "fold_2"]
    # training computes the same probabilities (its thresholds then mean the same here)
    _, per_fold = predict_probabilities(models, images, batch_size=2)
    shown = np.array([case.fold_probabilities for case in predictions.cases]).T
    np.testing.assert_allclose(shown, per_fold, rtol=1e-6, atol=0)


def test_heat_maps_are_fold_averaged_grad_cam_on_the_source_pixel_grid(
    predictor: EnsemblePredictor, manifest: Path, predictions: ManifestPredictions
) -> None:
    table = load_manifest(manifest)
    explainers = predictor.explainers
    assert {e.target_layer for e in explainers} == {"cbam"}
    for case in predictions.cases:
        item = prepare_input(table, case.case_id, predictor.bundle)
        entry = case.heatmap
        assert entry is not None
        assert entry.source_shape == (48, 64)  # the case's own image
        box = item.crop_box
        assert entry.placement == (box.row_start, box.col_start, box.row_stop, box.col_stop)
        # the naive way: each fold's map, averaged, placed on the source image
        maps = [e(item.image[np.newaxis].astype(np.float32)).maps[0] for e in explainers]
        expected = item.heatmap_to_source(np.mean(maps, axis=0))
        on_source = full_extent_heatmap(entry, max_side=64)  # 48 x 64 fits: source grid
        assert on_source.shape == (48, 64)
        np.testing.assert_allclose(on_source, expected, atol=1e-3)  # float16 in the file
        assert on_source.min() >= 0.0 and on_source.max() <= 1.0
        outside = np.ones((48, 64), dtype=bool)
        outside[box.slices] = False
        assert not on_source[outside].any()


def test_batches_change_nothing_and_runs_are_identical(
    predictor: EnsemblePredictor,
    manifest: Path,
    predictions: ManifestPredictions,
    tmp_path: Path,
) -> None:
    one = predict_manifest(predictor, manifest, batch_size=1)
    two = predictions
    again = predict_manifest(predictor, manifest, batch_size=2)  # (fresh models: the CLI test)
    for first, second in zip(one.cases, two.cases, strict=True):
        np.testing.assert_allclose(first.fold_probabilities, second.fold_probabilities, atol=1e-6)
        assert first.heatmap is not None and second.heatmap is not None
        np.testing.assert_allclose(
            first.heatmap.crop_map.astype(np.float32),
            second.heatmap.crop_map.astype(np.float32),
            atol=2e-3,
        )
    paths = [two.write(_folder(tmp_path / "a")), again.write(_folder(tmp_path / "b"))]
    for name in range(2):
        first_file, second_file = paths[0][name], paths[1][name]
        assert first_file is not None and second_file is not None
        assert first_file.read_bytes() == second_file.read_bytes()  # byte for byte
    assert list(read_heatmaps(paths[0][1], case_ids=["C001", "C002", "C003"])) == [  # type: ignore[arg-type]
        "C001",
        "C002",
        "C003",
    ]


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def test_without_heat_maps_the_probabilities_are_the_same(
    predictor: EnsemblePredictor, manifest: Path, predictions: ManifestPredictions
) -> None:
    with_maps = predictions
    without = predict_manifest(predictor, manifest, heatmaps=False)
    assert all(case.heatmap is None for case in without.cases)
    for a, b in zip(with_maps.cases, without.cases, strict=True):
        np.testing.assert_allclose(a.fold_probabilities, b.fold_probabilities, atol=1e-6)


def test_progress_is_reported_per_batch_and_stopping_cancels(
    predictor: EnsemblePredictor, manifest: Path
) -> None:
    calls: list[tuple[int, int]] = []
    predict_manifest(predictor, manifest, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 3), (2, 3), (3, 3)]
    asked: list[int] = []

    def stop_after_first_batch() -> bool:
        asked.append(1)
        return len(asked) > 2

    with pytest.raises(InferenceCancelled):
        predict_manifest(predictor, manifest, batch_size=2, should_stop=stop_after_first_batch)
    assert len(asked) == 3  # asked before the run and before each batch, stopped at the second


def test_a_case_that_cannot_be_preprocessed_is_named(
    predictor: EnsemblePredictor, tmp_path: Path
) -> None:
    cohort = Cohort.of_three_valid_cases(tmp_path)
    cohort.rows[1]["mask"] = ""
    with pytest.raises(CesmError, match="C002"):
        predict_manifest(predictor, cohort.write())


def test_a_bad_batch_size_is_refused(predictor: EnsemblePredictor, manifest: Path) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        predict_manifest(predictor, manifest, batch_size=0)
