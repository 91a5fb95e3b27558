"""Checks of the arrays and spacing handed to the preprocessing, with errors that name the field.

Every check runs before any computation, so that a bad case fails with one clear message
(:class:`~model_core.errors.PreprocessingError`) instead of a NumPy error deep in the pipeline.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from model_core.errors import PreprocessingError


def check_image(pixels: object, field: str) -> np.ndarray:
    """``pixels`` as a 2-D real-valued array with at least one pixel; ``field`` names it in errors.

    Finiteness is not checked here: only the pixels inside the crop reach the model, and they
    are checked by :func:`model_core.preprocessing.intensity.normalise_to_uint8`.
    """
    if pixels is None:
        raise PreprocessingError(f"{field}: missing (None)")
    array = np.asarray(pixels)
    if array.ndim != 2:
        raise PreprocessingError(
            f"{field}: expected a 2-D image (rows, columns), got shape {array.shape}"
        )
    if array.size == 0:
        raise PreprocessingError(f"{field}: image is empty, shape {array.shape}")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise PreprocessingError(f"{field}: expected numeric pixels, got dtype {array.dtype}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise PreprocessingError(f"{field}: complex pixels are not supported")
    return array


def check_mask(mask: object, image_shape: tuple[int, ...], field: str = "mask") -> np.ndarray:
    """``mask`` as a boolean array of ``image_shape`` with at least one lesion pixel.

    Any non-zero value is lesion (masks come as bool, 0/1 or 0/255 labels). NaN or infinite
    values are refused: they are not a label, they are a broken file.
    """
    array = check_image(mask, field)
    if array.shape != tuple(image_shape):
        raise PreprocessingError(
            f"{field}: shape {array.shape} differs from the image shape {tuple(image_shape)}"
        )
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.isfinite(array)):
        raise PreprocessingError(f"{field}: contains NaN or infinite values")
    lesion = array if array.dtype == np.bool_ else array != 0
    if not lesion.any():
        raise PreprocessingError(f"{field}: is empty (no lesion pixel); the crop needs a lesion")
    return lesion


def check_spacing(spacing_mm: object, field: str = "spacing_mm") -> tuple[float, float]:
    """``spacing_mm`` as a (row, column) pair of finite millimetre values > 0."""
    if spacing_mm is None:
        raise PreprocessingError(
            f"{field}: pixel spacing is unknown (None); the {field} (row, column) in mm is "
            "needed to turn the crop margin into pixels"
        )
    if isinstance(spacing_mm, str | bytes) or not isinstance(spacing_mm, Sequence | np.ndarray):
        raise PreprocessingError(f"{field}: expected (row, column) in mm, got {spacing_mm!r}")
    values = list(spacing_mm)
    if len(values) != 2:
        raise PreprocessingError(
            f"{field}: expected two values (row, column) in mm, got {len(values)}: {spacing_mm!r}"
        )
    checked = []
    for axis, value in zip(("row", "column"), values, strict=True):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise PreprocessingError(f"{field}: {axis} spacing {value!r} is not a number")
        if not math.isfinite(value) or value <= 0:
            raise PreprocessingError(f"{field}: {axis} spacing must be finite and > 0, got {value}")
        checked.append(float(value))
    return (checked[0], checked[1])


def check_input_size(input_size: object, field: str = "input_size") -> int:
    """``input_size`` as a positive integer number of pixels."""
    if isinstance(input_size, bool) or not isinstance(input_size, numbers.Integral):
        raise PreprocessingError(f"{field}: expected a whole number of pixels, got {input_size!r}")
    if input_size < 1:
        raise PreprocessingError(f"{field}: must be >= 1 pixel, got {input_size}")
    return int(input_size)


def check_margin(margin_mm: object, field: str = "margin_mm") -> float:
    """``margin_mm`` as a finite number of millimetres >= 0."""
    if isinstance(margin_mm, bool) or not isinstance(margin_mm, numbers.Real):
        raise PreprocessingError(f"{field}: expected a number of millimetres, got {margin_mm!r}")
    if not math.isfinite(margin_mm) or margin_mm < 0:
        raise PreprocessingError(f"{field}: must be finite and >= 0, got {margin_mm!r}")
    return float(margin_mm)
