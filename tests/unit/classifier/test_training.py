"""Training: settings refused by option name, grouped stratified splits, and (slow) real training
end to end: a valid bundle, resuming after an interrupted fold, the same models for a seed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cesm_cli.main import main
from model_core.classifier.bundle import MODEL_JSON, load_bundle
from model_core.classifier.inputs import load_inputs, training_rows
from model_core.classifier.training import (
    TrainingError,
    TrainingSettings,
    make_splits,
    predict_probabilities,
    train,
)
from model_core.manifest import load_manifest

#: The fastest real configuration: ResNet50 (accepts 32 px) with CBAM, one epoch.
FAST = {"backbone": "resnet50", "input_size": 32, "folds": 2, "epochs": 1, "batch_size": 4}
FAST_OPTIONS = [
    "--backbone", "resnet50", "--input-size", "32", "--folds", "2", "--epochs", "1",
    "--batch-size", "4",
]  # fmt: skip


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"folds": 1}, r"--folds: must be a whole number >= 2, got 1 \(for a single model use"),
        ({"input_size": 64}, "--input-size: .*xception needs an input of at least 71 pixels"),
        ({"holdout": 0.7}, r"--holdout: expected a fraction in \(0, 0.5\]"),
        ({"epochs": 0}, "--epochs: must be a whole number >= 1"),
        ({"learning_rate": -1.0}, "--learning-rate: must be > 0"),
        ({"optimizer": "adagrad"}, "--optimizer: expected one of rmsprop, adam, sgd"),
        ({"batchnorm_momentum": 1.0}, r"--batchnorm-momentum: must be in \(0, 1\)"),
        ({"backbone": "vgg"}, "--backbone: .*unknown backbone"),
        ({"augment_noise": -1.0}, r"--augment-noise: expected a standard deviation in \[0, 64\]"),
        ({"augment_noise": float("nan")}, "--augment-noise: expected a standard deviation"),
        ({"augment_noise": 4.0, "augment": False}, "--augment-noise: cannot add noise with --no"),
    ],
)
def test_impossible_settings_are_refused_naming_the_option(settings: dict, message: str) -> None:
    with pytest.raises(TrainingError, match=message):
        TrainingSettings(**settings)


def test_defaults_are_the_papers_recipe_and_deviations_are_listed() -> None:
    paper = TrainingSettings(weights="imagenet")
    assert (paper.optimizer, paper.learning_rate, paper.batch_size) == ("rmsprop", 1e-4, 12)
    assert (paper.plateau_patience, paper.plateau_factor, paper.folds) == (10, 0.1, 5)
    assert paper.input_size == 299 and paper.deviations_from_paper() == []
    demo = TrainingSettings(
        input_size=128,
        holdout=0.2,
        optimizer="adam",
        learning_rate=1e-3,
        batchnorm_momentum=0.9,
        augment_noise=8.0,
    )
    notes = " | ".join(demo.deviations_from_paper())
    for expected in ("input 128 px instead of 299", "0.2 hold-out", "Adam learning rate 0.001",
                     "BatchNorm momentum 0.9", "backbone weights 'none'",
                     "Gaussian noise (standard deviation up to 8 grey levels)"):  # fmt: skip
        assert expected in notes
    unaugmented = TrainingSettings(weights="imagenet", augment=False).deviations_from_paper()
    assert unaugmented == ["no augmentation of the training batches"]


def test_splits_are_stratified_and_never_split_a_patient() -> None:
    labels = np.array([0, 1] * 20)
    groups = tuple(f"P{i // 2}" for i in range(40))  # each patient: one benign, one malignant
    splits = make_splits(labels, groups, TrainingSettings(folds=5, seed=1))
    assert len(splits) == 5
    validated = np.concatenate([validation for _, validation in splits])
    assert sorted(validated) == list(range(40))  # every case validated exactly once
    for train_index, validation_index in splits:
        assert not {groups[i] for i in train_index} & {groups[i] for i in validation_index}
        assert labels[validation_index].mean() == 0.5
    assert len(make_splits(labels, groups, TrainingSettings(holdout=0.25))) == 1


def test_too_few_patients_for_the_folds_is_refused() -> None:
    labels = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(TrainingError, match="--folds 5: only 3 benign patient"):
        make_splits(labels, tuple("abcdef"), TrainingSettings(folds=5))


def _snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--folds", "1"], "--folds: must be a whole number >= 2"),
        (["--backbone", "xception", "--input-size", "64"], "at least 71 pixels, got 64"),
        (["--weights", "imagenet"], "put xception_weights_tf_dim_ordering_tf_kernels_notop.h5"),
        (["--margin-mm", "-2"], "--margin-mm: "),
    ],
)
def test_bad_options_fail_before_any_work_and_write_nothing(
    easy_cohort, tmp_path, capsys, monkeypatch, options, message
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    before = _snapshot(easy_cohort.parent)
    status = main(["train", "--manifest", str(easy_cohort), "--out", str(tmp_path / "b"),
                   "--cache", str(tmp_path / "cache"), *options])  # fmt: skip
    assert status == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / "cache").exists()
    assert _snapshot(easy_cohort.parent) == before


def test_a_malformed_manifest_is_refused_and_nothing_written(tmp_path, capsys) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("case_id,low_energy\nA,a.dcm\n", encoding="utf-8")
    status = main(["train", "--manifest", str(manifest), "--out", str(tmp_path / "b"),
                   "--cache", str(tmp_path / "cache")])  # fmt: skip
    assert status == 2
    assert str(manifest) in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


@pytest.fixture(scope="module")
def trained(easy_cohort, tmp_path_factory) -> Path:
    """A bundle from `cesm-reader train` on the easy cohort (2 folds, 1 epoch)."""
    out = tmp_path_factory.mktemp("trained") / "bundle"
    status = main(["train", "--manifest", str(easy_cohort), "--out", str(out), "--quiet",
                   "--cache", str(out.parent / "cache"), "--seed", "4", *FAST_OPTIONS,
                   "--evaluate", f"self={easy_cohort}"])  # fmt: skip
    assert status == 0
    return out


@pytest.mark.slow
def test_one_epoch_end_to_end_gives_a_valid_bundle(trained, easy_cohort) -> None:
    bundle = load_bundle(trained)
    assert (bundle.backbone, bundle.cbam, bundle.input_size, bundle.fold_count) == (
        "resnet50", True, 32, 2,
    )  # fmt: skip
    metadata = bundle.metadata
    assert set(bundle.thresholds) == {"youden", "high_sensitivity", "high_specificity"}
    oof = metadata["out_of_fold_predictions"]
    assert sorted(oof["case_id"]) == [f"E{i:03d}" for i in range(16)]  # each case once
    assert all(0 <= p <= 1 for p in oof["probability"])
    for fold in metadata["folds"]:
        assert fold["epochs_run"] == 1 and len(fold["history"]["val_loss"]) == 1
        assert {"loss", "auc", "val_auc", "val_accuracy", "learning_rate"} <= set(fold["history"])
    assert metadata["seed"] == 4 and len(metadata["training_data"]["fingerprint"]) == 64
    assert {"tensorflow", "keras", "python", "cesm-reader"} <= set(metadata["software"])
    evaluation = metadata["evaluation"]["self"]
    assert evaluation["cases"] == 16 and 0 <= evaluation["auc"]["estimate"] <= 1
    assert evaluation["auc"]["method"] == "DeLong"
    assert evaluation["cases_also_in_training"] == 16  # evaluated on its own training data
    images = np.zeros((2, 32, 32, 3), "float32")
    assert all(model(images).shape == (2, 1) for model in bundle.fold_models())
    # the recorded figures are the shipped weights' (float16 on disk), not training's float32
    manifest = load_manifest(easy_cohort)
    cases = load_inputs(manifest, training_rows(manifest), input_size=32,
                        settings=bundle.preprocessing, cache_dir=None)  # fmt: skip
    shipped, _ = predict_probabilities(bundle.fold_models(), cases.images)
    recorded = dict(zip(evaluation["probabilities"]["case_id"],
                        evaluation["probabilities"]["probability"], strict=True))  # fmt: skip
    np.testing.assert_allclose(
        shipped, [recorded[case_id] for case_id in cases.case_ids], rtol=0, atol=6e-7
    )
    assert not (trained.parent / "cache" / "training").exists() or not any(
        (trained.parent / "cache" / "training").iterdir()
    )  # the resume state is gone once the bundle is written


@pytest.mark.slow
def test_an_interrupted_run_resumes_after_its_last_completed_fold_and_a_seed_repeats(
    trained, easy_cohort, tmp_path
) -> None:
    settings = TrainingSettings(seed=4, **FAST)
    manifest = load_manifest(easy_cohort)
    cache = trained.parent / "cache"  # inputs already preprocessed by the CLI run
    inputs = load_inputs(manifest, training_rows(manifest), input_size=32,
                         settings=settings.preprocessing, cache_dir=cache)  # fmt: skip

    class StopError(Exception):
        pass

    def stop_in_fold_2(line: str) -> None:
        if line.startswith("fold 2/2 epoch"):
            raise StopError

    with pytest.raises(StopError):
        train(inputs, settings, state_dir=tmp_path / "state", report=stop_in_fold_2)
    assert len(list((tmp_path / "state").glob("*/fold_1.json"))) == 1
    assert not list((tmp_path / "state").glob("*/fold_2.json"))

    lines: list[str] = []
    resumed = train(inputs, settings, state_dir=tmp_path / "state", report=lines.append)
    assert resumed.resumed_folds == [1]
    assert any(line.startswith("fold 1/2: already trained") for line in lines)
    assert not any(line.startswith("fold 1/2 epoch") for line in lines)

    # Same seed, same data: the same out-of-fold predictions as the CLI's uninterrupted run.
    recorded = json.loads((trained / MODEL_JSON).read_text())["out_of_fold_predictions"]
    assert resumed.oof_case_ids == recorded["case_id"]
    np.testing.assert_array_equal(
        np.round(resumed.oof_probabilities, 6), np.asarray(recorded["probability"])
    )
