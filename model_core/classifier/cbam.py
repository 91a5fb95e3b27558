"""The Convolutional Block Attention Module (Woo et al., ECCV 2018) as a Keras 3 layer.

Mao et al. put one CBAM block on the last feature map of each backbone. The block refines a
feature map ``F`` of shape (batch, height, width, C) in two steps, each a multiplication by an
attention map in (0, 1):

1. **Channel attention** ``M_c`` (batch, 1, 1, C): the global average- and max-pooled
   descriptors (batch, C) go through one *shared* MLP C → C/r → C with a ReLU in between; the
   two outputs are summed and passed through a sigmoid. ``F' = M_c ⊗ F``.
2. **Spatial attention** ``M_s`` (batch, height, width, 1): the channel-wise mean and max of
   ``F'`` are concatenated into (batch, height, width, 2), convolved with one 7 × 7 filter
   ('same' padding) and passed through a sigmoid. ``F'' = M_s ⊗ F'``.

The output has the input's shape. TensorFlow/Keras is imported only when the layer class is
first asked for (:func:`cbam_layer_class`), so that importing this module costs nothing; the
class is registered for serialisation as ``cesm_reader>CBAM`` so that a saved model loads back
without ``custom_objects``.
"""

from __future__ import annotations

import functools
from typing import Any

#: Registration package of the layer (``keras.saving.register_keras_serializable``).
REGISTERED_PACKAGE = "cesm_reader"

#: The paper's (and Woo et al.'s) defaults.
DEFAULT_REDUCTION_RATIO = 16
DEFAULT_KERNEL_SIZE = 7


def check_cbam_arguments(reduction_ratio: Any, kernel_size: Any) -> tuple[int, int]:
    """``(reduction_ratio, kernel_size)`` as ints, or :class:`ValueError` naming the argument.

    The reduction ratio must be an integer ≥ 1; the kernel size an odd integer ≥ 1 (so that
    'same' padding keeps the attention map centred on its pixel).
    """
    for name, value in (("reduction_ratio", reduction_ratio), ("kernel_size", kernel_size)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"CBAM {name}: expected an integer, got {value!r}")
        if value < 1:
            raise ValueError(f"CBAM {name}: must be at least 1, got {value}")
    if kernel_size % 2 == 0:
        raise ValueError(f"CBAM kernel_size: must be odd, got {kernel_size}")
    return int(reduction_ratio), int(kernel_size)


@functools.cache
def cbam_layer_class() -> type:
    """The registered Keras ``CBAM`` layer class (built, and TensorFlow imported, on first call)."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable(package=REGISTERED_PACKAGE, name="CBAM")
    class CBAM(layers.Layer):
        """Channel then spatial attention on a (batch, height, width, C) feature map.

        Args:
            reduction_ratio: r of the shared MLP's hidden width C/r (at least 1 unit).
            kernel_size: side of the spatial attention's convolution, odd.
        """

        def __init__(
            self,
            reduction_ratio: int = DEFAULT_REDUCTION_RATIO,
            kernel_size: int = DEFAULT_KERNEL_SIZE,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.reduction_ratio, self.kernel_size = check_cbam_arguments(
                reduction_ratio, kernel_size
            )

        def build(self, input_shape: tuple[int | None, ...]) -> None:
            if len(input_shape) != 4 or input_shape[-1] is None:
                raise ValueError(
                    "CBAM: expected a (batch, height, width, channels) input with a known "
                    f"channel count, got shape {tuple(input_shape)}"
                )
            channels = int(input_shape[-1])
            hidden = max(1, channels // self.reduction_ratio)
            self.mlp_hidden = layers.Dense(hidden, activation="relu", name="mlp_hidden")
            self.mlp_output = layers.Dense(channels, name="mlp_output")
            self.mlp_hidden.build((None, channels))
            self.mlp_output.build((None, hidden))
            self.spatial_conv = layers.Conv2D(
                1, self.kernel_size, padding="same", name="spatial_conv"
            )
            self.spatial_conv.build((None, None, None, 2))
            super().build(input_shape)

        def channel_attention(self, features: Any) -> Any:
            """M_c, shape (batch, 1, 1, C), values in (0, 1)."""
            average = ops.mean(features, axis=(1, 2))
            maximum = ops.max(features, axis=(1, 2))
            summed = self.mlp_output(self.mlp_hidden(average)) + self.mlp_output(
                self.mlp_hidden(maximum)
            )
            return ops.sigmoid(summed)[:, None, None, :]

        def spatial_attention(self, features: Any) -> Any:
            """M_s, shape (batch, height, width, 1), values in (0, 1)."""
            pooled = ops.concatenate(
                [
                    ops.mean(features, axis=-1, keepdims=True),
                    ops.max(features, axis=-1, keepdims=True),
                ],
                axis=-1,
            )
            return ops.sigmoid(self.spatial_conv(pooled))

        def call(self, inputs: Any) -> Any:
            refined = inputs * ops.cast(self.channel_attention(inputs), inputs.dtype)
            return refined * ops.cast(self.spatial_attention(refined), refined.dtype)

        def compute_output_shape(
            self, input_shape: tuple[int | None, ...]
        ) -> tuple[int | None, ...]:
            return tuple(input_shape)

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config.update(reduction_ratio=self.reduction_ratio, kernel_size=self.kernel_size)
            return dict(config)

    return CBAM


def make_cbam(
    reduction_ratio: int = DEFAULT_REDUCTION_RATIO,
    kernel_size: int = DEFAULT_KERNEL_SIZE,
    name: str = "cbam",
) -> Any:
    """A new CBAM layer (arguments checked before TensorFlow is imported)."""
    check_cbam_arguments(reduction_ratio, kernel_size)
    return cbam_layer_class()(reduction_ratio=reduction_ratio, kernel_size=kernel_size, name=name)
