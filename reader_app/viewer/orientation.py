"""Hanging orientation: where the chest wall is, and whether to mirror the image.

Every case is hung the same way, as radiologists read screening mammograms side by side: a
**right** breast is shown with its chest wall at the **right** edge of the view (nipple pointing
left), a **left** breast with its chest wall at the **left** edge. Files do not agree on how they
store the image (DICOM Patient Orientation says it, but exports drop or contradict it), so the
chest-wall side is found from the pixels: it is the side where the breast touches the image
border over most of its height, while on the nipple side air separates the skin line from the
border.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Side = Literal["left", "right"]

#: The fraction of the width, at each side, in which tissue is counted.
_EDGE_FRACTION = 0.03
#: Tissue cover at the two edges closer than this leaves the side undecided.
_MIN_DIFFERENCE = 0.1


def breast_region(pixels: np.ndarray) -> np.ndarray:
    """Where ``pixels`` (a low-energy image, or a reduced level of it) show the breast.

    Tissue is what lies above the midpoint between the image's 1st and 99th percentiles:
    background air is dark on a MONOCHROME2 low-energy image. All False on a flat image.
    """
    if pixels.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {pixels.shape}")
    low, high = np.percentile(pixels, [1.0, 99.0])
    if not high > low:
        return np.zeros(pixels.shape, dtype=bool)
    return np.asarray(pixels > (low + high) / 2)


def chest_wall_side(tissue: np.ndarray) -> Side | None:
    """The side of a :func:`breast_region` where the breast meets the border, or ``None``.

    The side whose edge strip holds clearly more tissue is the chest wall; ``None`` when
    neither does (a phantom, a crop, a flat image).
    """
    if tissue.ndim != 2 or tissue.shape[1] < 2:
        raise ValueError(f"expected a 2-D region, got shape {tissue.shape}")
    strip = max(1, round(tissue.shape[1] * _EDGE_FRACTION))
    left = float(tissue[:, :strip].mean())
    right = float(tissue[:, -strip:].mean())
    if abs(left - right) < _MIN_DIFFERENCE:
        return None
    return "left" if left > right else "right"


def wanted_chest_wall_side(laterality: str | None) -> Side | None:
    """Where the hanging puts the chest wall of a breast of ``laterality`` (``"L"``/``"R"``)."""
    sides: dict[str, Side] = {"L": "left", "R": "right"}
    return None if laterality is None else sides.get(laterality.strip().upper())


def needs_mirroring(tissue: np.ndarray, laterality: str | None) -> bool:
    """Whether an image whose :func:`breast_region` is ``tissue`` must be mirrored left-right
    to hang a breast of ``laterality``.

    False when the laterality is unknown or the chest wall cannot be found: the image is then
    shown as stored rather than guessed.
    """
    wanted = wanted_chest_wall_side(laterality)
    found = chest_wall_side(tissue)
    return wanted is not None and found is not None and wanted != found
