"""Resizing the crop to the backbone's square input, with Pillow.

The paper resizes the crop to the backbone's input size directly; it mentions no padding, so the
crop is **stretched** to a square and its aspect ratio is not kept (a 2:1 crop is squeezed 2×
along its long axis). The mapping back to the image
(:mod:`model_core.preprocessing.geometry`) undoes the stretch per axis.

* Grey images use Pillow's bilinear filter. Pillow aligns pixel centres (``src = (dst + 0.5) *
  scale - 0.5``) and, when shrinking, widens the filter to the scale factor, which averages
  over the source pixels (anti-aliasing) where OpenCV's ``INTER_LINEAR`` would sample only four
  neighbours. When enlarging, both are plain bilinear interpolation.
* The mask uses nearest neighbour, so that the mask channel stays strictly 0 or 255.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from model_core.errors import PreprocessingError


def resize_grey(image: np.ndarray, size: int) -> np.ndarray:
    """A 2-D uint8 image resized (stretched) to ``size`` × ``size`` with bilinear filtering."""
    array = np.ascontiguousarray(image)
    if array.dtype != np.uint8 or array.ndim != 2:
        raise PreprocessingError(
            f"image: bilinear resize needs a 2-D uint8 image, got {array.dtype} {array.shape}"
        )
    resized = Image.fromarray(array).resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)


def resize_mask(lesion: np.ndarray, size: int) -> np.ndarray:
    """A 2-D boolean mask resized to ``size`` × ``size`` by nearest neighbour, as 0/255 uint8."""
    array = np.asarray(lesion)
    if array.ndim != 2:
        raise PreprocessingError(f"mask: resize needs a 2-D mask, got shape {array.shape}")
    grey = np.where(array != 0, np.uint8(255), np.uint8(0))
    resized = Image.fromarray(grey).resize((size, size), Image.Resampling.NEAREST)
    return np.asarray(resized, dtype=np.uint8)
