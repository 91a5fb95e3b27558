"""Model bundles: what is written, and every way a bundle is refused with the file named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from model_core.classifier.architectures import build_model
from model_core.classifier.bundle import (
    MODEL_JSON,
    BundleError,
    fold_weights_name,
    load_bundle,
    sha256_of,
    update_metadata,
    write_bundle,
)

pytest.importorskip("keras")

SIZE = 32


def _metadata() -> dict:
    return {
        "backbone": "densenet121",
        "cbam": True,
        "input_size": SIZE,
        "dropout": 0.5,
        "preprocessing": {"margin_mm": 5.0, "equalise": True},
        "thresholds": {"youden": 0.41, "high_sensitivity": 0.12, "high_specificity": 0.83},
        "seed": 7,
        "folds": [{"metrics": {"val_auc": 0.8}}, {"metrics": {"val_auc": 0.7}}],
    }


@pytest.fixture(scope="module")
def models() -> list:
    return [build_model("densenet121", cbam=True, input_size=SIZE, weights=None) for _ in range(2)]


@pytest.fixture(scope="module")
def written(models, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bundle") / "model"
    write_bundle(folder, models, _metadata())
    return folder


@pytest.fixture
def bundle_copy(written, tmp_path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(written, copy)
    return copy


def _edit_json(folder: Path, change) -> None:
    path = folder / MODEL_JSON
    description = json.loads(path.read_text())
    change(description)
    path.write_text(json.dumps(description))


def test_the_bundle_holds_model_json_and_one_checksummed_file_per_fold(written) -> None:
    names = sorted(p.name for p in written.iterdir())
    assert names == [fold_weights_name(1), fold_weights_name(2), MODEL_JSON]
    description = json.loads((written / MODEL_JSON).read_text())
    assert description["format_version"] == 1
    assert description["class_order"] == ["benign", "malignant"]
    assert description["folds"][1] == {
        "metrics": {"val_auc": 0.7},
        "index": 2,
        "weights": "fold_2.weights.npz",
    }
    for name in (fold_weights_name(1), fold_weights_name(2)):
        assert description["files"][name] == sha256_of(written / name)
    with np.load(written / fold_weights_name(1)) as archive:
        assert archive["w0000"].dtype == np.float16  # inference-only, half precision


@pytest.mark.slow
def test_loading_gives_the_metadata_and_the_fold_models(written, models) -> None:
    bundle = load_bundle(written)
    assert (bundle.backbone, bundle.cbam, bundle.input_size) == ("densenet121", True, SIZE)
    assert bundle.thresholds == {"youden": 0.41, "high_sensitivity": 0.12, "high_specificity": 0.83}
    assert bundle.preprocessing.margin_mm == 5.0
    assert bundle.fold_count == 2 and bundle.target_layer == "cbam"
    loaded = bundle.fold_models()
    assert bundle.fold_models() is loaded  # built once
    images = np.random.default_rng(0).integers(0, 256, (2, SIZE, SIZE, 3)).astype("float32")
    for model, original in zip(loaded, models, strict=True):
        np.testing.assert_allclose(model(images), original(images), atol=0.05)
    first, second = (np.asarray(m(images)) for m in loaded)
    assert not np.array_equal(first, second)  # each fold its own weights


def test_a_changed_weights_file_is_refused_naming_it(bundle_copy) -> None:
    path = bundle_copy / fold_weights_name(2)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=rf"{path}: changed since the bundle was written"):
        load_bundle(bundle_copy)


def test_a_missing_fold_is_refused_naming_it(bundle_copy) -> None:
    (bundle_copy / fold_weights_name(1)).unlink()
    with pytest.raises(BundleError, match=r"fold_1.weights.npz: missing .* incomplete"):
        load_bundle(bundle_copy)


def test_a_missing_or_broken_model_json_is_refused(bundle_copy, tmp_path) -> None:
    with pytest.raises(BundleError, match="not a model bundle folder"):
        load_bundle(tmp_path / "nothing")
    (bundle_copy / MODEL_JSON).write_text("{not json")
    with pytest.raises(BundleError, match=r"model.json: not readable JSON"):
        load_bundle(bundle_copy)
    (bundle_copy / MODEL_JSON).unlink()
    with pytest.raises(BundleError, match=r"model.json: missing"):
        load_bundle(bundle_copy)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["preprocessing"].update(margin_mm=-1), "margin"),
        (lambda d: d["preprocessing"].update(clahe=True), "unknown preprocessing setting"),
        (lambda d: d.update(class_order=["malignant", "benign"]), "class_order"),
        (lambda d: d.update(backbone="vgg16"), "unknown backbone"),
        (lambda d: d.update(backbone="xception"), "at least 71 pixels, got 32"),
        (lambda d: d.update(format_version=2), "format_version 2 is not supported"),
        (lambda d: d["thresholds"].pop("youden"), "threshold 'youden' must be a probability"),
        (lambda d: d["files"].update({"../x": "0"}), "not a file name in the bundle"),
        (lambda d: d["folds"].pop(), "fold_2.weights.npz"),
    ],
)
def test_settings_this_code_would_not_reproduce_are_refused(bundle_copy, change, message) -> None:
    _edit_json(bundle_copy, change)
    with pytest.raises(BundleError, match=message) as caught:
        load_bundle(bundle_copy)
    assert str(bundle_copy) in str(caught.value)


@pytest.mark.slow
def test_weights_of_another_architecture_are_refused(bundle_copy) -> None:
    _edit_json(bundle_copy, lambda d: d.update(cbam=False))
    with pytest.raises(BundleError, match="its weights are not this model's"):
        load_bundle(bundle_copy).fold_models()


def test_incomplete_metadata_writes_nothing(models, tmp_path) -> None:
    metadata = _metadata()
    del metadata["thresholds"]
    with pytest.raises(BundleError, match="missing thresholds"):
        write_bundle(tmp_path / "out", models, metadata)
    assert not (tmp_path / "out").exists()
    with pytest.raises(BundleError, match="describes 2 folds for 1 models"):
        write_bundle(tmp_path / "out", models[:1], _metadata())
    assert not (tmp_path / "out").exists()


def test_update_metadata_adds_keys_and_keeps_the_bundle_valid(bundle_copy) -> None:
    update_metadata(bundle_copy, {"evaluation": {"internal_test": {"auc": np.float64(0.9)}}})
    assert load_bundle(bundle_copy).metadata["evaluation"]["internal_test"]["auc"] == 0.9
    with pytest.raises(BundleError, match="cannot update input_size"):
        update_metadata(bundle_copy, {"input_size": 64})
