"""One probability for every caller: the float64 sigmoid of the model's logit, never 1.0, so
that training's thresholds mean the same at inference and the cut-off 1.0 calls nobody."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from model_core.classifier.probability import (
    MAX_PROBABILITY,
    LogitLayerError,
    logit_model,
    model_logits,
    sigmoid,
)
from model_core.classifier.thresholds import operating_points
from model_core.classifier.training import predict_probabilities

SIZE = 16


def _model(logit_bias: float, seed: int = 0) -> Any:
    """Conv -> pooled -> "logit" (its bias ``logit_bias``) -> sigmoid, as the builder's head."""
    keras.utils.set_random_seed(seed)
    image = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1 / 255.0)(image)
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logit = keras.layers.Dense(
        1, name="logit", bias_initializer=keras.initializers.Constant(logit_bias)
    )(x)
    probability = keras.layers.Activation("sigmoid", dtype="float32", name="probability")(logit)
    return keras.Model(image, probability)


def _images(n: int) -> np.ndarray:
    return np.random.default_rng(3).uniform(0, 255, (n, SIZE, SIZE, 3)).astype(np.float32)


def test_sigmoid_is_the_logistic_function_in_float64_and_stable_far_from_zero() -> None:
    logits = np.array([-800.0, -3.0, 0.0, 0.5, 3.0])
    probabilities = sigmoid(logits)
    assert probabilities.dtype == np.float64
    np.testing.assert_allclose(probabilities[1:], 1 / (1 + np.exp(-logits[1:])), rtol=1e-15)
    assert probabilities[0] == 0.0 and not np.isnan(probabilities).any()


def test_sigmoid_never_reaches_one_so_the_cutoff_one_calls_nobody() -> None:
    probabilities = sigmoid(np.array([20.0, 36.0, 40.0, 800.0, np.inf]))
    assert (probabilities < 1.0).all()
    assert probabilities[-1] == MAX_PROBABILITY == np.nextafter(1.0, 0.0)
    assert np.all(np.diff(probabilities) >= 0)  # still monotone
    assert not (probabilities >= 1.0).any()


def test_training_probabilities_come_from_the_logit_not_the_saturated_float32_sigmoid() -> None:
    """A logit of ~40: the model's own float32 output is exactly 1.0 (which the cut-off 1.0
    would call malignant); the probability training reports is below 1 and equals what
    inference reports for the same model."""
    model = _model(logit_bias=40.0)
    images = _images(5)
    assert (np.asarray(model.predict_on_batch(images)) == 1.0).all()
    mean, per_model = predict_probabilities([model], images, batch_size=2)
    assert per_model.shape == (1, 5) and per_model.dtype == np.float64
    assert (mean < 1.0).all()
    logits = model_logits([model], images, batch_size=2)[0]
    assert logits.min() > 36.8  # beyond every float64 probability below MAX_PROBABILITY
    np.testing.assert_array_equal(mean, sigmoid(logits))


def test_the_nobody_positive_cutoff_calls_nobody_even_at_saturated_logits() -> None:
    """The most confident case is benign (logit 40, where a float32 sigmoid gives exactly
    1.0): no observed cut-off reaches specificity 0.95, so high specificity falls back to 1.0,
    recorded as specificity 1 — and applying it must indeed call no case malignant."""
    probabilities = sigmoid(np.array([-2.0, -1.0, 0.5, 40.0, 1.0, 2.0, 3.0]))
    labels = np.array([0, 0, 0, 0, 1, 1, 1])
    point = operating_points(probabilities, labels)["high_specificity"]
    assert (point.threshold, point.specificity, point.sensitivity) == (1.0, 1.0, 0.0)
    assert not (probabilities >= point.threshold).any()


def test_a_model_without_a_logit_layer_is_refused_by_name() -> None:
    image = keras.Input((SIZE, SIZE, 3))
    output = keras.layers.Dense(1, activation="sigmoid", name="score")(
        keras.layers.Flatten()(image)
    )
    model = keras.Model(image, output, name="foreign")
    with pytest.raises(LogitLayerError, match="'foreign' has no layer named 'logit'"):
        logit_model(model)
