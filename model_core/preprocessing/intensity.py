"""Grey-value steps of Mao et al.: min–max normalisation to 0–255, then histogram equalisation.

Normalisation uses the minimum and maximum of the array it is given; the pipeline gives it the
*cropped* region, so the lesion's surroundings, not the whole breast, set the contrast.

Histogram equalisation is written here by hand, following OpenCV's ``cv2.equalizeHist`` (the
classic cumulative-histogram mapping that the paper's Python stack most likely used)::

    lut[v] = round((cdf[v] - cdf[v_min]) * 255 / (N - cdf[v_min]))

where ``cdf`` is the cumulative histogram, ``v_min`` the smallest grey value present and ``N`` the
number of pixels: the darkest value maps to 0 and the brightest to 255. A constant image is
returned unchanged, as OpenCV does. Pillow's ``ImageOps.equalize`` was considered and rejected
for this exact pipeline: it maps each grey value to the cumulative count *below* it, which
shifts values by a few grey levels against OpenCV and can merge the two brightest values, and it
silently returns the image unchanged when fewer than 255 pixels lie below the brightest value.
(OpenCV is not a dependency of this project; the tests compare with Pillow instead.)
"""

from __future__ import annotations

import numpy as np

from model_core.errors import PreprocessingError


def normalise_to_uint8(values: np.ndarray, field: str = "image") -> np.ndarray:
    """Map ``values`` linearly so that their minimum is 0 and maximum 255, rounded to uint8.

    ``round`` is NumPy's round-half-to-even (``np.rint``), applied to
    ``(v - min) * 255 / (max - min)`` computed in float64. A constant array (max == min) has no
    contrast to stretch and becomes all zeros, without division by zero.

    Args:
        values: a non-empty array of real numbers, all finite.
        field: names the array in error messages (e.g. ``"low_energy"``).

    Raises:
        PreprocessingError: when ``values`` is empty or holds NaN or infinite values.
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        raise PreprocessingError(f"{field}: nothing to normalise (empty array)")
    finite = np.isfinite(array)
    if not finite.all():
        raise PreprocessingError(
            f"{field}: {int(array.size - finite.sum())} NaN or infinite pixel value(s) "
            "inside the region to normalise"
        )
    low = array.min()
    high = array.max()
    if high == low:
        return np.zeros(array.shape, dtype=np.uint8)
    scaled = (array - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def equalisation_lut(image: np.ndarray) -> np.ndarray:
    """The 256-entry uint8 lookup table that equalises the histogram of ``image`` (uint8)."""
    array = _check_uint8(image)
    histogram = np.bincount(array.ravel(), minlength=256)
    cdf = np.cumsum(histogram)
    present = np.flatnonzero(histogram)
    below_min = cdf[present[0]]
    total = cdf[-1]
    if total == below_min:  # a single grey value: nothing to spread, keep it (as OpenCV)
        return np.arange(256, dtype=np.uint8)
    lut = (cdf - below_min) * (255.0 / (total - below_min))
    # Entries below the darkest value are never looked up; clip keeps them at 0.
    return np.clip(np.rint(lut), 0, 255).astype(np.uint8)


def equalise_histogram(image: np.ndarray) -> np.ndarray:
    """Histogram-equalise a 2-D uint8 image (see the module docstring for the exact mapping).

    The output is a new uint8 array; the mapping is monotonic (never reverses two grey values),
    sends the darkest value present to 0 and the brightest to 255.

    Raises:
        PreprocessingError: when ``image`` is not a non-empty uint8 array.
    """
    array = _check_uint8(image)
    return equalisation_lut(array)[array]


def _check_uint8(image: np.ndarray) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise PreprocessingError(
            f"image: histogram equalisation needs uint8 grey values, got {array.dtype} "
            "(normalise first)"
        )
    if array.size == 0:
        raise PreprocessingError("image: nothing to equalise (empty array)")
    return array
