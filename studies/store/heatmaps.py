"""How a model heat map is kept in the store: the bytes of a ``.npy`` file of a float16 array.

The store precomputes the heat map of every case so that the reader GUI never needs the model.
float16 halves the size of float32 and keeps about three significant digits, more than a colour
map can show for values in [0, 1]; ``.npy`` bytes are self-describing (shape and type) and are
read back without pickle.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import ArrayLike, NDArray


def encode_heatmap(heatmap: ArrayLike) -> tuple[bytes, list[int]]:
    """``.npy`` bytes of the heat map as float16, and its shape (for ``heatmap_shape``).

    Raises:
        ValueError: not a 2-D array of finite values in [0, 1].
    """
    array = np.asarray(heatmap, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"a heat map must be a 2-D array, not of shape {array.shape}")
    if not np.all(np.isfinite(array)) or array.min(initial=0.0) < 0 or array.max(initial=0.0) > 1:
        raise ValueError("a heat map's values must be finite and within [0, 1]")
    buffer = io.BytesIO()
    np.save(buffer, array.astype(np.float16), allow_pickle=False)
    return buffer.getvalue(), [int(n) for n in array.shape]


def decode_heatmap(data: bytes) -> NDArray[np.float16]:
    """The float16 array stored by :func:`encode_heatmap`.

    Raises:
        ValueError: the bytes are not a ``.npy`` float16 array (a damaged store).
    """
    array = np.load(io.BytesIO(data), allow_pickle=False)
    if array.dtype != np.float16:
        raise ValueError(f"stored heat map is {array.dtype}, expected float16")
    return array
