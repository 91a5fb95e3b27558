"""The six classifiers: one flat graph, named layers, input scaling inside, nothing fetched."""

from __future__ import annotations

import numpy as np
import pytest

from model_core.classifier.architectures import (
    BACKBONES,
    LOGIT_LAYER,
    ModelBuildError,
    build_model,
    imagenet_weights_path,
    target_layer_name,
)
from model_core.classifier.bundle import load_bundle, write_bundle

keras = pytest.importorskip("keras")

SIZE = 71  # Xception's smallest input; the others accept it too


def _images(count: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, SIZE, SIZE, 3)).astype("float32")


@pytest.mark.slow
@pytest.mark.parametrize("cbam", [True, False], ids=["cbam", "plain"])
@pytest.mark.parametrize("backbone", sorted(BACKBONES))
def test_each_of_the_six_models_builds_and_round_trips_through_a_bundle(
    backbone: str, cbam: bool, tmp_path
) -> None:
    model = build_model(backbone, cbam=cbam, input_size=SIZE, weights=None)
    assert model.input_shape == (None, SIZE, SIZE, 3)
    assert model.output_shape == (None, 1)
    assert model.layers[-1].get_config()["activation"] == "sigmoid"
    assert model.get_layer(LOGIT_LAYER).units == 1
    target = model.get_layer(target_layer_name(backbone, cbam))  # reachable: one flat graph
    assert len(target.output.shape) == 4
    assert ("cbam" in [layer.name for layer in model.layers]) is cbam
    assert not any(isinstance(layer, keras.Model) for layer in model.layers)

    images = _images()
    write_bundle(tmp_path / "b", [model], _metadata(backbone, cbam))
    loaded = load_bundle(tmp_path / "b").fold_models()[0]
    for original, restored in zip(model.weights, loaded.weights, strict=True):
        rounded = np.asarray(original.numpy()).astype(np.float16).astype(np.float32)
        np.testing.assert_array_equal(np.asarray(restored.numpy()), rounded)
    np.testing.assert_allclose(loaded(images), model(images), atol=0.05)


def test_the_logit_feeds_the_sigmoid_output() -> None:
    model = build_model("xception", cbam=True, input_size=SIZE, weights=None)
    logit_model = keras.Model(model.input, model.get_layer(LOGIT_LAYER).output)
    images = _images(seed=1)
    logits = np.asarray(logit_model(images))
    np.testing.assert_allclose(np.asarray(model(images)), 1 / (1 + np.exp(-logits)), rtol=1e-5)
    assert model.get_layer("cbam").input is model.get_layer("block14_sepconv2_act").output


def test_the_backbone_input_scaling_is_inside_the_model() -> None:
    model = build_model("xception", cbam=False, input_size=SIZE, weights=None)
    scaling = model.get_layer("input_scaling")
    out = np.asarray(scaling(np.array([[[[0.0, 127.5, 255.0]]]], "float32")))
    np.testing.assert_allclose(out, [[[[-1.0, 0.0, 1.0]]]])
    assert scaling.input is model.input


def test_batchnorm_momentum_is_set_on_every_batchnorm_layer() -> None:
    model = build_model("resnet50", cbam=False, input_size=32, weights=None, batchnorm_momentum=0.9)
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.momentum == 0.9 for layer in norms)


def test_target_layers_are_named_layers() -> None:
    assert target_layer_name("xception", True) == "cbam"
    assert target_layer_name("Xception", False) == "block14_sepconv2_act"
    assert target_layer_name("resnet50", False) == "conv5_block3_out"
    assert target_layer_name("densenet121", False) == "relu"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backbone": "vgg16"}, "unknown backbone 'vgg16'"),
        ({"input_size": 64}, "xception needs an input of at least 71 pixels, got 64"),
        ({"input_size": 99.0}, "input_size: expected an integer"),
        ({"dropout": 1.0}, "dropout: expected a rate in"),
        ({"batchnorm_momentum": 1.5}, "batchnorm_momentum: expected a number in"),
        ({"weights": "/no/such/file.h5"}, "weights: no such file /no/such/file.h5"),
    ],
)
def test_bad_arguments_are_refused_with_the_argument_named(kwargs: dict, message: str) -> None:
    arguments = {"backbone": "xception", "cbam": True, "input_size": SIZE, "weights": None}
    arguments.update(kwargs)
    with pytest.raises(ModelBuildError, match=message):
        build_model(arguments.pop("backbone"), **arguments)


def test_imagenet_without_the_local_file_names_the_file_and_the_folder(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    expected = tmp_path / "keras" / "models"
    with pytest.raises(ModelBuildError) as caught:
        build_model("xception", cbam=True, input_size=SIZE, weights="imagenet")
    message = str(caught.value)
    assert "xception_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert str(expected) in message and "never downloaded" in message
    assert not expected.exists()  # nothing was fetched or created


def test_imagenet_is_read_from_the_keras_cache_when_there(tmp_path, monkeypatch) -> None:
    h5py = pytest.importorskip("h5py")
    from keras.src.legacy.saving import legacy_h5_format

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    path = tmp_path / "models" / BACKBONES["resnet50"].imagenet_file
    donor = build_model("resnet50", cbam=False, input_size=32, weights=None)
    backbone_part = keras.Model(donor.input, donor.get_layer("conv5_block3_out").output)
    with h5py.File(path, "w") as file:  # the legacy layout the Keras applications' files use
        legacy_h5_format.save_weights_to_hdf5_group(file, backbone_part)
    assert imagenet_weights_path("resnet50") == path
    model = build_model("resnet50", cbam=False, input_size=32, weights="imagenet")
    kernel = model.get_layer("conv1_conv").kernel
    np.testing.assert_array_equal(kernel.numpy(), donor.get_layer("conv1_conv").kernel.numpy())


def _metadata(backbone: str, cbam: bool) -> dict:
    return {
        "backbone": backbone,
        "cbam": cbam,
        "input_size": SIZE,
        "preprocessing": {"margin_mm": 5.0, "equalise": True},
        "thresholds": {"youden": 0.5, "high_sensitivity": 0.2, "high_specificity": 0.8},
    }
