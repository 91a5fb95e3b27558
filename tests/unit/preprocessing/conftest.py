"""Small synthetic arrays for the preprocessing tests (no files, milliseconds each)."""

from __future__ import annotations

import numpy as np
import pytest
from cesm_files import ellipse_mask


@pytest.fixture
def ramps() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low_energy, recombined, mask) with patterns that tell the channels apart.

    Low energy grows along columns only, recombined along rows only (in modality-like units,
    float32), and the mask is an ellipse: each output channel can be recognised by its pattern.
    """
    shape = (240, 300)
    rows, cols = np.mgrid[: shape[0], : shape[1]].astype(np.float32)
    low_energy = 1000.0 + 3.0 * cols
    recombined = -50.0 + 0.5 * rows
    mask = ellipse_mask(shape, centre=(120, 150), radii=(30, 45))
    return low_energy, recombined, mask


@pytest.fixture
def make_ellipse():
    """The :func:`ellipse_mask` factory, for tests that need lesions of other shapes."""
    return ellipse_mask
