"""Grad-CAM on a named layer: maps in [0, 1], the logit's gradient (not the sigmoid's), images
independent of their batch, clear errors, and a map that finds the lesion once a small model
has learnt to."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from model_core.classifier.gradcam import GradCam, GradCamError

SIZE = 32


def _tiny_model(seed: int = 0, logit_scale: float = 1.0) -> Any:
    """Conv -> conv "features" (16 x 16) -> pooled -> "logit" -> sigmoid, as the builder's
    head is (the logit named, the sigmoid last)."""
    keras.utils.set_random_seed(seed)
    image = keras.Input((SIZE, SIZE, 3), name="image")
    x = keras.layers.Rescaling(1 / 255.0)(image)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="features")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logit = keras.layers.Dense(1, name="logit")(x)
    if logit_scale != 1.0:
        logit = keras.layers.Rescaling(logit_scale, name="scaled_logit")(logit)
    probability = keras.layers.Activation("sigmoid", name="probability")(logit)
    return keras.Model(image, probability)


def _images(n: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, (n, SIZE, SIZE, 3)).astype(np.float32)


def test_maps_lie_in_0_1_at_the_layer_resolution_with_the_models_probabilities() -> None:
    model = _tiny_model()
    images = _images(5)
    result = GradCam(model, "features")(images)
    assert result.maps.shape == (5, SIZE // 2, SIZE // 2)
    assert result.maps.dtype == np.float32
    assert result.maps.min() >= 0.0 and result.maps.max() <= 1.0
    for single in result.maps:  # each map normalised to its own peak, or all zero
        assert single.max() == pytest.approx(1.0) or single.max() == 0.0
    expected = model.predict_on_batch(images).ravel()
    np.testing.assert_allclose(result.probabilities, expected, atol=1e-6)


def test_each_image_gets_its_own_map_whatever_the_batch() -> None:
    explainer = GradCam(_tiny_model(), "features")
    images = _images(4)
    together = explainer(images)
    for index in range(4):
        alone = explainer(images[index : index + 1])
        np.testing.assert_allclose(alone.maps[0], together.maps[index], atol=1e-5)
        np.testing.assert_allclose(alone.logits[0], together.logits[index], atol=1e-5)


def test_the_map_differentiates_the_logit_not_the_saturated_sigmoid() -> None:
    """A logit far from 0 flattens the sigmoid's gradient to exactly 0 in float32; Grad-CAM of
    the logit still explains the prediction."""
    model = _tiny_model(logit_scale=1e4)
    images = _images(3)
    probabilities = model.predict_on_batch(images).ravel()
    assert np.all((probabilities == 0.0) | (probabilities == 1.0))  # saturated
    result = GradCam(model, "features", logit_layer="scaled_logit")(images)
    assert result.maps.max() == pytest.approx(1.0)


def test_repeated_calls_give_identical_maps() -> None:
    explainer = GradCam(_tiny_model(), "features")
    images = _images(3)
    first, second = explainer(images), explainer(images)
    np.testing.assert_array_equal(first.maps, second.maps)
    np.testing.assert_array_equal(first.logits, second.logits)


def test_logits_alone_match_the_maps_pass() -> None:
    explainer = GradCam(_tiny_model(), "features")
    images = _images(3)
    np.testing.assert_allclose(explainer.logits(images), explainer(images).logits, atol=1e-6)


@pytest.mark.parametrize(
    ("target", "logit", "message"),
    [
        ("no_such_layer", "logit", "target layer 'no_such_layer' not found"),
        ("features", "missing_logit", "logit layer 'missing_logit' not found"),
        ("logit", "logit", "outputs shape (None, 1)"),
    ],
)
def test_unusable_layers_are_refused_by_name(target: str, logit: str, message: str) -> None:
    with pytest.raises(GradCamError, match=message.replace("(", r"\(").replace(")", r"\)")):
        GradCam(_tiny_model(), target, logit_layer=logit)


def test_a_batch_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match=r"expected shape \(batch, 32, 32, 3\)"):
        GradCam(_tiny_model(), "features")(np.zeros((2, 16, 16, 3)))


# ------------------------------------------------------------- the map finds the lesion


def _lesion_cases(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Easy cases at the model's input: textured background; every case has a disc (its mask
    in the blue channel, as the preprocessing stacks it); malignant discs are bright in the
    low-energy and recombined channels, benign ones barely visible. Returns images, labels and
    the lesion masks."""
    rng = np.random.default_rng(seed)
    rows, cols = np.ogrid[:SIZE, :SIZE]
    images = rng.normal(90, 20, (n, SIZE, SIZE, 3)).clip(0, 255).astype(np.float32)
    labels = np.arange(n) % 2
    masks = np.zeros((n, SIZE, SIZE), dtype=bool)
    for index in range(n):
        radius = rng.uniform(3, 5)
        centre = rng.uniform(radius + 1, SIZE - radius - 1, size=2)
        disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius**2
        masks[index] = disc
        contrast = 140.0 if labels[index] else 15.0
        images[index, disc, 0] += contrast
        images[index, disc, 1] += contrast
        images[index, :, :, 2] = 255.0 * disc
    return images.clip(0, 255), labels, masks


def test_a_trained_models_map_peaks_inside_the_lesion() -> None:
    model = _tiny_model(seed=3)
    train_images, train_labels, _ = _lesion_cases(256, seed=4)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    model.fit(train_images, train_labels, epochs=12, batch_size=32, verbose=0, shuffle=False)

    images, labels, masks = _lesion_cases(40, seed=5)
    result = GradCam(model, "features")(images)
    assert np.mean((result.probabilities > 0.5) == labels) >= 0.9  # it learnt the task
    hits = []
    for image_map, mask, label in zip(result.maps, masks, labels, strict=True):
        if not label:
            continue
        on_pixels = np.kron(image_map, np.ones((2, 2)))  # the 16 x 16 map on the 32 x 32 input
        peak = np.unravel_index(np.argmax(on_pixels), on_pixels.shape)
        grown = mask | np.roll(mask, 1, 0) | np.roll(mask, -1, 0) | np.roll(mask, 1, 1)
        hits.append(bool((grown | np.roll(mask, -1, 1))[peak]))
    assert np.mean(hits) >= 0.9, f"peak inside the lesion in {np.mean(hits):.0%} of cases"
