"""Grad-CAM (Selvaraju et al., ICCV 2017) of the classifier's logit, on a named layer.

For a feature map ``A`` of shape (h, w, C) at the target layer and the model's logit ``z``
(before the sigmoid, so that a confident prediction does not flatten the gradient to zero):

1. ``g = dz / dA``, by automatic differentiation;
2. channel weights ``alpha_c = mean over (h, w) of g[..., c]``;
3. map ``relu(sum_c alpha_c * A[..., c])``: only evidence *for* malignancy;
4. divided by its maximum, so that it lies in [0, 1] (an all-zero map stays zero).

The raw map has the target layer's resolution (Xception at 299 px: 10 × 10). Placing it on the
image is a separate step (:meth:`model_core.preprocessing.PreprocessedInput.heatmap_to_source`),
as in MONAI's ``class_activation_maps``. The same forward pass yields the logit, so the
probability comes with the map at no extra cost.

The target layer is named (``architectures.target_layer_name``: ``"cbam"``, or the backbone's
last activation), never found by position; a missing name fails at construction, listing the
model's layers. TensorFlow is imported here, inside the constructor, never at module import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from model_core.classifier.architectures import LOGIT_LAYER
from model_core.classifier.probability import sigmoid
from model_core.errors import CesmError


class GradCamError(CesmError):
    """Grad-CAM cannot be set up on this model: a named layer is missing or unsuitable."""


@dataclass(frozen=True)
class GradCamResult:
    """Grad-CAM of one batch.

    Attributes:
        maps: float32 array (batch, h, w) in [0, 1], at the target layer's resolution.
        logits: float32 array (batch,), the model's logit for each image.
    """

    maps: np.ndarray
    logits: np.ndarray

    @property
    def probabilities(self) -> np.ndarray:
        """The probabilities of the logits (``probability.sigmoid``), float64 (batch,)."""
        return sigmoid(self.logits)


class GradCam:
    """Grad-CAM of a binary classifier's logit with respect to ``target_layer``.

    Args:
        model: a functional Keras model whose layers ``target_layer`` and ``logit_layer`` are
            reachable from its input (one flat graph).
        target_layer: name of the layer whose 4-D output (batch, h, w, channels) is explained.
        logit_layer: name of the layer whose output is the logit, shape (batch, 1).

    Raises:
        GradCamError: a layer is missing (the message lists the model's last layers) or its
            output is not of the expected rank.
    """

    def __init__(self, model: Any, target_layer: str, *, logit_layer: str = LOGIT_LAYER) -> None:
        import keras
        import tensorflow as tf

        target = _layer(model, target_layer, "target")
        logit = _layer(model, logit_layer, "logit")
        if len(target.output.shape) != 4:
            raise GradCamError(
                f"target layer {target_layer!r} of model {model.name!r} outputs shape "
                f"{tuple(target.output.shape)}; Grad-CAM needs a (batch, h, w, channels) map"
            )
        self.model = model
        self.target_layer = target_layer
        self.input_shape: tuple[int, ...] = tuple(int(n) for n in model.inputs[0].shape[1:])
        self._explainer = keras.Model(model.inputs, [target.output, logit.output])
        spec = tf.TensorSpec((None, *self.input_shape), tf.float32)
        self._maps = tf.function(self._maps_and_logits, input_signature=[spec])
        self._forward = tf.function(self._logits_only, input_signature=[spec])

    def __call__(self, images: np.ndarray) -> GradCamResult:
        """Grad-CAM maps and logits of a batch of model inputs (any real dtype, 0–255)."""
        maps, logits = self._maps(self._batch(images))
        return GradCamResult(maps=maps.numpy(), logits=logits.numpy())

    def logits(self, images: np.ndarray) -> np.ndarray:
        """The logits alone (no gradient): float32 (batch,)."""
        return np.asarray(self._forward(self._batch(images)).numpy())

    def _batch(self, images: np.ndarray) -> np.ndarray:
        batch = np.asarray(images, dtype=np.float32)
        if batch.ndim != 4 or tuple(batch.shape[1:]) != self.input_shape:
            raise ValueError(
                f"images: expected shape (batch, {', '.join(map(str, self.input_shape))}), "
                f"got {batch.shape}"
            )
        return batch

    def _maps_and_logits(self, images: Any) -> tuple[Any, Any]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            features, logits = self._explainer(images, training=False)
            # Each image's logit depends on its own features only (inference mode), so the
            # gradient of the sum gives every image's own gradient in one backward pass.
            total = tf.reduce_sum(tf.cast(logits, tf.float32))
        gradients = tf.cast(tape.gradient(total, features), tf.float32)
        features = tf.cast(features, tf.float32)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1))
        peak = tf.reduce_max(cam, axis=(1, 2), keepdims=True)
        return tf.math.divide_no_nan(cam, peak), tf.reshape(tf.cast(logits, tf.float32), [-1])

    def _logits_only(self, images: Any) -> Any:
        import tensorflow as tf

        _, logits = self._explainer(images, training=False)
        return tf.reshape(tf.cast(logits, tf.float32), [-1])


def _layer(model: Any, name: str, role: str) -> Any:
    try:
        return model.get_layer(name)
    except ValueError:
        names = [layer.name for layer in model.layers]
        shown = ", ".join(names[-8:])
        raise GradCamError(
            f"{role} layer {name!r} not found in model {model.name!r} "
            f"({len(names)} layers; the last ones: {shown})"
        ) from None
