"""Classifier inputs: the preprocessing cache, training rows, and the tf.data pipelines."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from conftest import write_easy_cohort

from model_core.classifier.inputs import (
    InputError,
    evaluation_dataset,
    load_inputs,
    training_dataset,
    training_rows,
)
from model_core.manifest import load_case, load_manifest
from model_core.preprocessing import PreprocessingSettings, preprocess_case

SETTINGS = PreprocessingSettings()


def _load(manifest_path: Path, cache: Path | None, size: int = 40, settings=SETTINGS):
    manifest = load_manifest(manifest_path)
    return load_inputs(
        manifest, training_rows(manifest), input_size=size, settings=settings, cache_dir=cache
    )


def test_inputs_are_the_preprocessed_cases_and_are_cached_by_content(tmp_path) -> None:
    manifest_path = write_easy_cohort(tmp_path / "c", cases=4)
    cache = tmp_path / "cache"
    inputs = _load(manifest_path, cache)
    manifest = load_manifest(manifest_path)
    expected = preprocess_case(load_case(manifest, "E001"), input_size=40).image
    np.testing.assert_array_equal(inputs.images[1], expected)
    assert inputs.labels.tolist() == [1, 0, 1, 0]
    assert inputs.groups == ("P00",) * 4
    cached = sorted((cache / "inputs").glob("*.npy"))
    assert len(cached) == 4

    again = _load(manifest_path, cache)  # from the cache: same arrays, no new files
    np.testing.assert_array_equal(again.images, inputs.images)
    assert sorted((cache / "inputs").glob("*.npy")) == cached
    assert again.fingerprint() == inputs.fingerprint()

    _load(manifest_path, cache, settings=PreprocessingSettings(margin_mm=2.0))
    _load(manifest_path, cache, size=48)
    assert len(list((cache / "inputs").glob("*.npy"))) == 12  # settings and size are in the key


def test_a_changed_image_is_preprocessed_again(tmp_path) -> None:
    manifest_path = write_easy_cohort(tmp_path / "c", cases=2)
    cache = tmp_path / "cache"
    before = _load(manifest_path, cache)
    write_easy_cohort(tmp_path / "c", cases=2, seed=5)  # same paths, other pixels
    after = _load(manifest_path, cache)
    assert not np.array_equal(before.images[0], after.images[0])
    assert before.fingerprint() != after.fingerprint()
    assert len(list((cache / "inputs").glob("*.npy"))) == 4


def test_training_rows_are_the_train_split_and_need_labels_and_masks(tmp_path) -> None:
    manifest_path = write_easy_cohort(tmp_path / "c", cases=4)
    rows = list(csv.reader(manifest_path.open(encoding="utf-8")))
    rows[4][6] = "internal_test"
    _write(manifest_path, rows)
    assert [row.case_id for row in training_rows(load_manifest(manifest_path))] == [
        "E000",
        "E001",
        "E002",
    ]
    assert len(training_rows(load_manifest(manifest_path), None)) == 4
    rows[2][5] = ""
    _write(manifest_path, rows)
    with pytest.raises(InputError, match=r"line 3, case E001: label: empty"):
        training_rows(load_manifest(manifest_path))
    rows[2][5], rows[3][4] = "benign", ""
    _write(manifest_path, rows)
    with pytest.raises(InputError, match=r"line 4, case E002: mask: empty"):
        training_rows(load_manifest(manifest_path))
    with pytest.raises(InputError, match="no case has split 'validation'"):
        training_rows(load_manifest(manifest_path), "validation")


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)


def _batches(dataset) -> tuple[np.ndarray, np.ndarray]:
    images, labels = zip(*[(np.asarray(x), np.asarray(y)) for x, y in dataset], strict=True)
    return np.concatenate(images), np.concatenate(labels)


def test_training_batches_are_augmented_reproducibly_and_evaluation_batches_are_not() -> None:
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 32, 32, 3)).astype(np.uint8)
    labels = np.array([0, 1, 0, 1, 1, 0], np.int8)

    evaluated, evaluated_labels = _batches(evaluation_dataset(images, labels, batch_size=4))
    np.testing.assert_array_equal(evaluated, images.astype(np.float32))
    assert evaluated_labels[:, 0].tolist() == labels.tolist()

    first = training_dataset(images, labels, batch_size=4, seed=3)
    augmented, shuffled_labels = _batches(first)
    assert augmented.shape == (6, 32, 32, 3) and augmented.dtype == np.float32
    assert sorted(shuffled_labels[:, 0]) == sorted(labels)
    assert augmented.min() >= 0 and augmented.max() <= 255
    originals = {image.astype(np.float32).tobytes() for image in images}
    assert sum(image.tobytes() in originals for image in augmented) < 6  # not the raw images
    same_seed, _ = _batches(training_dataset(images, labels, batch_size=4, seed=3))
    np.testing.assert_array_equal(same_seed, augmented)
    next_epoch, _ = _batches(first)  # a new shuffle and new transforms every epoch
    assert not np.array_equal(next_epoch, augmented)


def test_without_augmentation_training_batches_are_the_shuffled_images() -> None:
    pytest.importorskip("tensorflow")
    images = np.arange(4 * 8 * 8 * 3, dtype=np.uint8).reshape(4, 8, 8, 3)
    batches, _ = _batches(
        training_dataset(images, np.array([0, 1, 0, 1]), batch_size=2, seed=0, augment=False)
    )
    assert {b.tobytes() for b in batches} == {i.astype(np.float32).tobytes() for i in images}


def test_noise_augmentation_adds_noise_to_the_image_channels_only() -> None:
    pytest.importorskip("tensorflow")
    flat = np.full((64, 32, 32, 3), 128, np.uint8)
    flat[:, 8:24, 8:24, 2] = 255  # a mask square, as a reader would draw it
    labels = np.zeros(64, np.int8)

    plain, _ = _batches(training_dataset(flat, labels, batch_size=16, seed=5))
    noisy, _ = _batches(training_dataset(flat, labels, batch_size=16, seed=5, noise_sd=8.0))
    # Same seed, same flips and warps: the noise is all that differs, and never in the mask.
    np.testing.assert_array_equal(noisy[..., 2], plain[..., 2])
    added = noisy[..., :2] - plain[..., :2]
    per_case_sd = added.reshape(64, -1).std(axis=1)
    assert per_case_sd.max() <= 8.0 * 1.1  # each case's deviation is drawn from [0, 8]
    assert per_case_sd.min() < 3.0 < per_case_sd.max()  # ... and differs between cases
    assert abs(float(added.mean())) < 0.2  # zero-mean
    assert noisy.min() >= 0 and noisy.max() <= 255
