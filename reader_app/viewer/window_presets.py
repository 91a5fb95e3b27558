"""Window/level: the image's default window and the presets a reader switches between.

A window is a centre and a width in the image's modality units, as DICOM states it (PS3.3
C.11.2.1.2, linear function): values up to ``centre - 0.5 - (width - 1) / 2`` are black, values
from ``centre - 0.5 + (width - 1) / 2`` are white. The default is the first window of the file
(:attr:`model_core.case.CesmImage.windows`), which the acquisition chose for this image; a file
without one gets a window from the breast's own percentiles instead of the full range, which
would be dominated by the background.

Presets are computed from each image, so they mean the same on every case and every vendor:

* ``Default`` — the file's window (or the percentile window);
* ``Dense`` — the bright half of the breast spread over the grey scale: dense glandular tissue
  on the low-energy image, the strongest enhancement on the recombined image;
* ``Soft`` — wide and gentle, from the background to the brightest tissue: skin line,
  subcutaneous fat and the whole enhancement range at once;
* ``Full`` — the whole value range of the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model_core.case import DisplayWindow

#: The preset names, in the order the workstation lists them.
PRESET_NAMES = ("Default", "Dense", "Soft", "Full")


@dataclass(frozen=True)
class Window:
    """A linear window in modality units."""

    center: float
    width: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.center) and np.isfinite(self.width) and self.width > 0):
            raise ValueError(f"a window needs a finite centre and a positive width: {self}")

    @property
    def levels(self) -> tuple[float, float]:
        """(black, white) values, as pyqtgraph's ``ImageItem.setLevels`` takes them."""
        half = (self.width - 1) / 2 if self.width > 1 else self.width / 2
        return (self.center - 0.5 - half, self.center - 0.5 + half)

    @classmethod
    def from_levels(cls, black: float, white: float) -> Window:
        """The window whose :attr:`levels` are (``black``, ``white``); ``white`` > ``black``."""
        width = white - black + 1 if white - black >= 1 else max(white - black, 1e-6)
        return cls(center=(black + white) / 2 + 0.5, width=width)

    def dragged(self, d_center: float, d_width: float) -> Window:
        """This window moved by ``d_center`` and widened by ``d_width`` (kept positive)."""
        return Window(self.center + d_center, max(self.width + d_width, 1e-6 * abs(self.width) + 1))


def window_presets(
    pixels: np.ndarray, tissue: np.ndarray | None, windows: tuple[DisplayWindow, ...] = ()
) -> dict[str, Window]:
    """The presets of one image (see the module docstring), by name in :data:`PRESET_NAMES`.

    Args:
        pixels: the image, or a reduced level of it (percentiles need no more).
        tissue: bool array of the same shape, True on the breast; ``None`` or empty uses every
            pixel.
        windows: the file's display windows; the first is the default.
    """
    values = np.asarray(pixels, dtype=np.float32)
    breast = values[tissue] if tissue is not None and tissue.any() else values.ravel()
    lowest, highest = float(values.min()), float(values.max())
    p1, p40, p99_5, p99_9 = (float(v) for v in np.percentile(breast, [1, 40, 99.5, 99.9]))
    background = float(np.percentile(values, 0.5))
    default = _file_window(windows) or _from_levels(p1, p99_5, lowest, highest)
    return {
        "Default": default,
        "Dense": _from_levels(p40, p99_9, lowest, highest),
        "Soft": _from_levels(background, p99_9 + 0.1 * (p99_9 - background), lowest, highest),
        "Full": _from_levels(lowest, highest, lowest, highest),
    }


def _file_window(windows: tuple[DisplayWindow, ...]) -> Window | None:
    """The file's first window; only linear functions are used as they are (a sigmoid window's
    centre and width mean nearly the same and look close enough for a starting point)."""
    for window in windows:
        try:
            return Window(float(window.center), float(window.width))
        except ValueError:
            continue  # a malformed window in the file: try the next one
    return None


def _from_levels(black: float, white: float, lowest: float, highest: float) -> Window:
    """A window from (black, white), widened to one unit when the image is flat there."""
    if not white > black:
        white = black + max(1.0, (highest - lowest) * 1e-3)
    return Window.from_levels(black, white)
