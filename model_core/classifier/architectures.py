"""The paper's six classifiers: DenseNet121, Xception or ResNet50, each with or without CBAM.

:func:`build_model` returns one flat Keras functional graph::

    input (size, size, 3) uint8-valued floats, R = low energy, G = recombined, B = mask × 255
      → input_scaling   the backbone's own ImageNet scaling (inside the model, so a bundle is fed
                        exactly what preprocessing writes)
      → backbone        built on that tensor (its layers keep their Keras names)
      → cbam            (when on) on the backbone's last feature map, found by name
      → global_pool → dropout → logit (Dense(1), the value Grad-CAM differentiates)
      → probability     sigmoid, float32 even under mixed precision

The backbone is built on the model's input tensor rather than nested as a sub-model, so every
inner layer (e.g. ``block14_sepconv2_act``) is reachable with ``model.get_layer``.

ImageNet weights are never downloaded: ``weights="imagenet"`` reads the Keras applications'
"no top" file from the Keras cache (``$KERAS_HOME/models`` or ``~/.keras/models``) and fails,
naming the file and where to put it, when it is not there.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_core.classifier.cbam import make_cbam
from model_core.errors import CesmError
from model_core.preprocessing.backbones import BACKBONE_INPUT_SIZE, canonical_backbone

#: Name of the one-unit logit layer (before the sigmoid).
LOGIT_LAYER = "logit"
#: Name of the CBAM block.
CBAM_LAYER = "cbam"
#: Name of the final sigmoid layer (the model's output).
OUTPUT_LAYER = "probability"
#: Name of the layer that applies the backbone's input scaling.
SCALING_LAYER = "input_scaling"


class ModelBuildError(CesmError):
    """A classifier cannot be built as asked (unknown backbone, input too small, no weights)."""


@dataclass(frozen=True)
class BackboneSpec:
    """What the builder needs to know about one Keras application.

    Attributes:
        name: canonical backbone name (``model_core.preprocessing.backbones``).
        application: attribute of ``keras.applications`` that builds it.
        last_feature_layer: name of the backbone's last feature map (its final activation),
            where CBAM goes and, without CBAM, Grad-CAM's target.
        scaling: the backbone's ImageNet input scaling: ``"tf"`` (to [-1, 1]), ``"caffe"``
            (RGB → BGR, ImageNet means subtracted) or ``"torch"`` (to [0, 1], ImageNet
            mean and standard deviation).
        min_input_size: smallest square input the backbone accepts.
        imagenet_file: file name of the ImageNet "no top" weights in the Keras cache.
        imagenet_url: where that file can be downloaded (on another machine).
    """

    name: str
    application: str
    last_feature_layer: str
    scaling: str
    min_input_size: int
    imagenet_file: str
    imagenet_url: str


_KERAS_APPLICATIONS = "https://storage.googleapis.com/tensorflow/keras-applications"

#: The supported backbones, by canonical name.
BACKBONES: dict[str, BackboneSpec] = {
    "xception": BackboneSpec(
        "xception",
        "Xception",
        "block14_sepconv2_act",
        "tf",
        71,
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        f"{_KERAS_APPLICATIONS}/xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
    ),
    "densenet121": BackboneSpec(
        "densenet121",
        "DenseNet121",
        "relu",
        "torch",
        32,
        "densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
        f"{_KERAS_APPLICATIONS}/densenet/densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5",
    ),
    "resnet50": BackboneSpec(
        "resnet50",
        "ResNet50",
        "conv5_block3_out",
        "caffe",
        32,
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        f"{_KERAS_APPLICATIONS}/resnet/resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    ),
}
assert set(BACKBONES) == set(BACKBONE_INPUT_SIZE)


def backbone_spec(backbone: str) -> BackboneSpec:
    """The spec of ``backbone`` (any letter case); :class:`ModelBuildError` when unknown."""
    try:
        return BACKBONES[canonical_backbone(backbone)]
    except CesmError as error:
        raise ModelBuildError(str(error)) from error


def check_input_size(backbone: str, input_size: Any) -> int:
    """``input_size`` as an int, or :class:`ModelBuildError` when the backbone cannot take it."""
    spec = backbone_spec(backbone)
    if isinstance(input_size, bool) or not isinstance(input_size, int):
        raise ModelBuildError(f"input_size: expected an integer, got {input_size!r}")
    if input_size < spec.min_input_size:
        raise ModelBuildError(
            f"input_size: {spec.name} needs an input of at least {spec.min_input_size} pixels, "
            f"got {input_size}"
        )
    return input_size


def target_layer_name(backbone: str, cbam: bool) -> str:
    """The layer Grad-CAM differentiates against: ``"cbam"`` when on, else the backbone's last
    feature map (its final activation, by name)."""
    return CBAM_LAYER if cbam else backbone_spec(backbone).last_feature_layer


def keras_cache_models_dir() -> Path:
    """Where Keras keeps downloaded application weights: ``$KERAS_HOME/models`` or
    ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or str(Path.home() / ".keras")
    return Path(home) / "models"


def imagenet_weights_path(backbone: str) -> Path:
    """The local ImageNet "no top" weights file of ``backbone``; never downloads.

    Raises:
        ModelBuildError: naming the file, the folder to put it in and where to get it.
    """
    spec = backbone_spec(backbone)
    path = keras_cache_models_dir() / spec.imagenet_file
    if not path.is_file():
        raise ModelBuildError(
            f"weights 'imagenet': the ImageNet weights of {spec.name} are not on this machine "
            f"and are never downloaded; put {spec.imagenet_file} into {path.parent} "
            f"(download it elsewhere from {spec.imagenet_url}), or give its path with "
            "--weights PATH, or train from scratch with --weights none"
        )
    return path


def resolve_weights(backbone: str, weights: str | Path | None) -> Path | None:
    """The backbone weights file to load, or ``None`` to start from random weights.

    Args:
        weights: ``"imagenet"`` (the Keras cache), ``None`` or ``"none"`` (random), or the path
            of a backbone weights file in the Keras applications' "no top" HDF5 layout.
    """
    if weights is None or (isinstance(weights, str) and weights.strip().lower() == "none"):
        return None
    if isinstance(weights, str) and weights.strip().lower() == "imagenet":
        return imagenet_weights_path(backbone)
    path = Path(weights)
    if not path.is_file():
        raise ModelBuildError(f"weights: no such file {path} (use 'imagenet', 'none' or a path)")
    return path


def build_model(
    backbone: str,
    *,
    cbam: bool,
    input_size: int,
    weights: str | Path | None,
    dropout: float = 0.5,
    batchnorm_momentum: float | None = None,
) -> Any:
    """A new classifier (see the module docstring for its layers).

    Args:
        backbone: ``"xception"``, ``"densenet121"`` or ``"resnet50"`` (any letter case).
        cbam: put a CBAM block on the backbone's last feature map.
        input_size: square input side in pixels (the paper: 299 Xception, 224 the others;
            Xception accepts ≥ 71, the others ≥ 32).
        weights: backbone weights, see :func:`resolve_weights`.
        dropout: dropout rate before the logit, in [0, 1).
        batchnorm_momentum: overrides the momentum of every BatchNormalization layer of the
            backbone (Keras' default 0.99 learns its statistics slowly when training from
            scratch); ``None`` keeps the backbone's own.

    Returns:
        An uncompiled ``keras.Model`` with input name ``"image"`` and output the probability of
        malignancy, shape (batch, 1).

    Raises:
        ModelBuildError: for any invalid argument, before TensorFlow is imported.
    """
    spec = backbone_spec(backbone)
    size = check_input_size(spec.name, input_size)
    if isinstance(cbam, bool) is False:
        raise ModelBuildError(f"cbam: expected true or false, got {cbam!r}")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ModelBuildError(f"dropout: expected a rate in [0, 1), got {dropout!r}")
    if batchnorm_momentum is not None and (
        isinstance(batchnorm_momentum, bool)
        or not isinstance(batchnorm_momentum, (int, float))
        or not 0 < batchnorm_momentum < 1
    ):
        raise ModelBuildError(
            f"batchnorm_momentum: expected a number in (0, 1), got {batchnorm_momentum!r}"
        )
    weights_file = resolve_weights(spec.name, weights)

    import keras
    from keras import layers

    image = keras.Input(shape=(size, size, 3), name="image")
    scaled = input_scaling_layer_class()(mode=spec.scaling, name=SCALING_LAYER)(image)
    application = getattr(keras.applications, spec.application)
    backbone_model = application(include_top=False, weights=None, input_tensor=scaled)
    if weights_file is not None:
        _load_backbone_weights(backbone_model, weights_file, spec)
    features = backbone_model.get_layer(spec.last_feature_layer).output
    if cbam:
        features = make_cbam(name=CBAM_LAYER)(features)
    pooled = layers.GlobalAveragePooling2D(name="global_pool")(features)
    dropped = layers.Dropout(float(dropout), name="dropout")(pooled)
    logit = layers.Dense(1, name=LOGIT_LAYER)(dropped)
    probability = layers.Activation("sigmoid", dtype="float32", name=OUTPUT_LAYER)(logit)
    suffix = "_cbam" if cbam else ""
    model = keras.Model(image, probability, name=f"{spec.name}{suffix}")
    if batchnorm_momentum is not None:
        for layer in model.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.momentum = float(batchnorm_momentum)
    return model


def _load_backbone_weights(backbone_model: Any, path: Path, spec: BackboneSpec) -> None:
    try:
        backbone_model.load_weights(str(path))
    except Exception as error:  # h5py, Keras and shape errors all mean "not this file"
        raise ModelBuildError(
            f"weights {path}: not {spec.name} 'no top' weights in the Keras applications' "
            f"layout ({type(error).__name__}: {error})"
        ) from error


#: The input scalings of ``keras.applications``' ``preprocess_input`` functions.
_IMAGENET_MEAN_RGB = (123.68, 116.779, 103.939)
_IMAGENET_TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
_IMAGENET_TORCH_STD_RGB = (0.229, 0.224, 0.225)


@functools.cache
def input_scaling_layer_class() -> type:
    """The registered ``InputScaling`` layer: a backbone's ImageNet scaling of 0–255 inputs."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable(package="cesm_reader", name="InputScaling")
    class InputScaling(layers.Layer):
        """``keras.applications.<backbone>.preprocess_input`` as a layer of the model.

        Args:
            mode: ``"tf"`` (x / 127.5 − 1), ``"caffe"`` (RGB → BGR, minus the ImageNet BGR
                means) or ``"torch"`` (x / 255, minus mean, divided by standard deviation).
        """

        MODES = ("tf", "caffe", "torch")

        def __init__(self, mode: str = "tf", **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if mode not in self.MODES:
                raise ValueError(
                    f"InputScaling mode: expected one of {', '.join(self.MODES)}, got {mode!r}"
                )
            self.mode = mode

        def call(self, inputs: Any) -> Any:
            x = ops.cast(inputs, self.compute_dtype)
            if self.mode == "tf":
                return x / 127.5 - 1.0
            if self.mode == "caffe":
                bgr = x[..., ::-1]
                mean = ops.convert_to_tensor(_IMAGENET_MEAN_RGB[::-1], dtype=self.compute_dtype)
                return bgr - mean
            mean = ops.convert_to_tensor(_IMAGENET_TORCH_MEAN_RGB, dtype=self.compute_dtype)
            std = ops.convert_to_tensor(_IMAGENET_TORCH_STD_RGB, dtype=self.compute_dtype)
            return (x / 255.0 - mean) / std

        def compute_output_shape(
            self, input_shape: tuple[int | None, ...]
        ) -> tuple[int | None, ...]:
            return tuple(input_shape)

        def get_config(self) -> dict[str, Any]:
            config = super().get_config()
            config.update(mode=self.mode)
            return dict(config)

    return InputScaling
