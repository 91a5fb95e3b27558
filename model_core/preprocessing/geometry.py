"""From the model's input square back to the full image: coordinates and heat maps.

The preprocessing crops the box :class:`~model_core.preprocessing.crop.CropBox` and stretches it
to ``size`` × ``size``. Input pixel centres map back to the image with Pillow's convention (pixel
centres aligned, each axis scaled on its own)::

    source_row = row_start + (input_row + 0.5) * box_height / size - 0.5
    source_col = col_start + (input_col + 0.5) * box_width  / size - 0.5

A heat map (Grad-CAM) of any resolution that covers the input square covers the crop box
exactly, edge to edge; :func:`heatmap_to_source` resamples it onto the box and places it in an
image-sized array. Upsampling the raw map is kept separate from computing it, as MONAI does.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from model_core.errors import PreprocessingError
from model_core.preprocessing.crop import CropBox
from model_core.preprocessing.validation import check_input_size


def input_to_source(
    rows: np.ndarray | float,
    cols: np.ndarray | float,
    crop_box: CropBox,
    input_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Image (row, column) coordinates, as floats, of model-input coordinates (pixel centres)."""
    size = check_input_size(input_size)
    row_scale = crop_box.height / size
    col_scale = crop_box.width / size
    source_rows = crop_box.row_start + (np.asarray(rows, dtype=float) + 0.5) * row_scale - 0.5
    source_cols = crop_box.col_start + (np.asarray(cols, dtype=float) + 0.5) * col_scale - 0.5
    return source_rows, source_cols


def source_to_input(
    rows: np.ndarray | float,
    cols: np.ndarray | float,
    crop_box: CropBox,
    input_size: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Model-input (row, column) coordinates of image coordinates; inverse of
    :func:`input_to_source` (points outside the box fall outside ``0 .. size - 1``)."""
    size = check_input_size(input_size)
    input_rows = (np.asarray(rows, dtype=float) - crop_box.row_start + 0.5) * (
        size / crop_box.height
    ) - 0.5
    input_cols = (np.asarray(cols, dtype=float) - crop_box.col_start + 0.5) * (
        size / crop_box.width
    ) - 0.5
    return input_rows, input_cols


def heatmap_to_source(
    heatmap: np.ndarray,
    crop_box: CropBox,
    image_shape: tuple[int, int],
    fill: float = 0.0,
) -> np.ndarray:
    """A heat map over the model input, resampled bilinearly onto the crop box of the image.

    Args:
        heatmap: 2-D array of finite values (any resolution, e.g. a 10 × 10 Grad-CAM map or a
            299 × 299 upsampled one), covering the whole input square.
        crop_box: the box the input was cropped from (:attr:`PreprocessedInput.crop_box`).
        image_shape: (rows, columns) of the full image.
        fill: value outside the crop box (``0.0``, or ``np.nan`` for "not explained").

    Returns:
        float32 array of ``image_shape``: the resampled map inside the box, ``fill`` outside.
    """
    values = np.asarray(heatmap, dtype=np.float32)
    if values.ndim != 2 or values.size == 0:
        raise PreprocessingError(f"heatmap: expected a non-empty 2-D array, got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise PreprocessingError("heatmap: contains NaN or infinite values")
    rows, cols = (int(image_shape[0]), int(image_shape[1]))
    if not crop_box.fits((rows, cols)):
        raise PreprocessingError(
            f"crop box {crop_box.summary()} does not fit an image of shape {(rows, cols)}"
        )
    resized = Image.fromarray(np.ascontiguousarray(values)).resize(
        (crop_box.width, crop_box.height), Image.Resampling.BILINEAR
    )
    result = np.full((rows, cols), fill, dtype=np.float32)
    result[crop_box.slices] = np.asarray(resized, dtype=np.float32)
    return result
