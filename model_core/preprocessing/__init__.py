"""The paper's preprocessing: a CESM case becomes the classifier's 3-channel input.

Mao et al., *Attention-based deep learning for breast lesions classification on CESM*, Br J
Cancer 2023;128:793–804: R = low-energy image, G = recombined image, B = lesion mask × 255,
cropped to the lesion bounding box plus 5 mm, normalised to 0–255, histogram-equalised and
resized to the backbone's input (Xception 299, DenseNet121 and ResNet50 224).

Pure NumPy + Pillow: no TensorFlow, so that inference inputs and heat-map overlays can be
built anywhere. Conventions and choices are documented in ``docs/preprocessing.md``.
"""

from __future__ import annotations

from model_core.preprocessing.backbones import (
    BACKBONE_INPUT_SIZE,
    canonical_backbone,
    input_size_for,
)
from model_core.preprocessing.compose import (
    CHANNELS,
    PreprocessedInput,
    preprocess_arrays,
    preprocess_case,
    resolve_input_size,
)
from model_core.preprocessing.crop import (
    CropBox,
    lesion_bounding_box,
    lesion_crop_box,
    margin_pixels,
)
from model_core.preprocessing.geometry import heatmap_to_source, input_to_source, source_to_input
from model_core.preprocessing.intensity import (
    equalisation_lut,
    equalise_histogram,
    normalise_to_uint8,
)
from model_core.preprocessing.resize import resize_grey, resize_mask
from model_core.preprocessing.settings import PreprocessingSettings

__all__ = [
    "BACKBONE_INPUT_SIZE",
    "CHANNELS",
    "CropBox",
    "PreprocessedInput",
    "PreprocessingSettings",
    "canonical_backbone",
    "equalisation_lut",
    "equalise_histogram",
    "heatmap_to_source",
    "input_size_for",
    "input_to_source",
    "lesion_bounding_box",
    "lesion_crop_box",
    "margin_pixels",
    "normalise_to_uint8",
    "preprocess_arrays",
    "preprocess_case",
    "resize_grey",
    "resize_mask",
    "resolve_input_size",
    "source_to_input",
]
