"""The CBAM layer: shapes, attention ranges, argument checks, serialisation and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from model_core.classifier.cbam import cbam_layer_class, check_cbam_arguments, make_cbam

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")


def _features(shape: tuple[int, ...] = (2, 5, 6, 32), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def test_output_has_the_input_shape_and_attention_maps_theirs() -> None:
    layer = make_cbam(reduction_ratio=8)
    features = _features()
    output = layer(features)
    assert tuple(output.shape) == features.shape
    channel = layer.channel_attention(features)
    assert tuple(channel.shape) == (2, 1, 1, 32)
    spatial = layer.spatial_attention(features)
    assert tuple(spatial.shape) == (2, 5, 6, 1)


def test_attention_maps_lie_strictly_between_0_and_1() -> None:
    # Seeded weights and unit-scale features: large logits would round a sigmoid to exactly 1.0
    # in float32, which says nothing about the layer.
    keras.utils.set_random_seed(1)
    layer = make_cbam()
    features = _features(seed=1)
    layer(features)
    for attention in (layer.channel_attention(features), layer.spatial_attention(features)):
        values = np.asarray(attention)
        assert values.min() > 0 and values.max() < 1


def test_the_output_is_the_input_times_both_attentions() -> None:
    layer = make_cbam(reduction_ratio=4)
    features = _features(seed=2)
    output = np.asarray(layer(features))
    refined = features * np.asarray(layer.channel_attention(features))
    expected = refined * np.asarray(layer.spatial_attention(refined))
    np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-6)


def test_the_mlp_is_shared_and_c_over_r_wide() -> None:
    layer = make_cbam(reduction_ratio=16)
    layer(_features(shape=(1, 3, 3, 64)))
    assert tuple(layer.mlp_hidden.kernel.shape) == (64, 4)
    assert tuple(layer.mlp_output.kernel.shape) == (4, 64)
    assert tuple(layer.spatial_conv.kernel.shape) == (7, 7, 2, 1)
    # one MLP for both descriptors: 2 dense layers + 1 conv, with biases
    assert len(layer.weights) == 6


@pytest.mark.parametrize(
    ("ratio", "kernel", "message"),
    [
        (0, 7, "reduction_ratio: must be at least 1"),
        (1.5, 7, "reduction_ratio: expected an integer"),
        (16, 6, "kernel_size: must be odd"),
        (16, True, "kernel_size: expected an integer"),
    ],
)
def test_invalid_arguments_are_refused_by_name(ratio: object, kernel: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_cbam_arguments(ratio, kernel)
    with pytest.raises(ValueError, match=message):
        cbam_layer_class()(reduction_ratio=ratio, kernel_size=kernel)


def test_a_non_4d_input_is_refused() -> None:
    with pytest.raises(ValueError, match="batch, height, width, channels"):
        make_cbam()(np.zeros((2, 8), "float32"))


def test_config_is_complete_and_round_trips() -> None:
    layer = make_cbam(reduction_ratio=4, kernel_size=3, name="attention")
    config = layer.get_config()
    assert config["reduction_ratio"] == 4 and config["kernel_size"] == 3
    assert config["name"] == "attention"
    clone = cbam_layer_class().from_config(config)
    assert clone.get_config() == config


def test_a_saved_model_loads_back_with_identical_outputs(tmp_path) -> None:
    inputs = keras.Input((6, 6, 16))
    model = keras.Model(inputs, make_cbam(reduction_ratio=4)(inputs))
    features = _features(shape=(3, 6, 6, 16), seed=3)
    expected = np.asarray(model(features))
    path = tmp_path / "cbam.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects: the layer is registered
    np.testing.assert_array_equal(np.asarray(loaded(features)), expected)


def test_gradients_flow_to_the_input_and_every_weight() -> None:
    layer = make_cbam(reduction_ratio=4)
    features = tf.constant(_features(shape=(2, 4, 4, 16), seed=4))
    layer(features)
    with tf.GradientTape() as tape:
        tape.watch(features)
        loss = tf.reduce_sum(layer(features) ** 2)
    gradients = tape.gradient(loss, [features, *layer.trainable_weights])
    assert all(g is not None for g in gradients)
    assert all(float(tf.reduce_sum(tf.abs(g))) > 0 for g in gradients)
