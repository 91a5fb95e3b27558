"""Heat maps kept as float16 ``.npy`` bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest

from studies.store.heatmaps import decode_heatmap, encode_heatmap


def test_round_trip_keeps_shape_and_float16_precision() -> None:
    heatmap = np.random.default_rng(3).random((5, 7))
    data, shape = encode_heatmap(heatmap)
    back = decode_heatmap(data)
    assert shape == [5, 7] and back.shape == (5, 7) and back.dtype == np.float16
    assert np.max(np.abs(back.astype(np.float64) - heatmap)) <= 2.0**-11  # float16's step below 1


@pytest.mark.parametrize(
    ("heatmap", "message"),
    [
        (np.zeros(4), "2-D"),
        (np.full((2, 2), 1.5), "within"),
        (np.full((2, 2), np.nan), "finite"),
    ],
)
def test_bad_heatmaps_are_refused(heatmap: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode_heatmap(heatmap)


def test_a_stored_array_of_another_type_is_refused() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 2), dtype=np.float64))
    with pytest.raises(ValueError, match="float64, expected float16"):
        decode_heatmap(buffer.getvalue())
