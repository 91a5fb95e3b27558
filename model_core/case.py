"""In-memory representation of one CESM case (one lesion).

A CESM examination yields two images per view: the low-energy image (similar to a conventional
mammogram) and the recombined image (iodine contrast uptake). A case in this project is one
lesion: both images of one view, an optional lesion mask, the pixel spacing that turns the
paper's 5 mm crop margin into pixels, and clinical metadata from the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

VoiFunction = Literal["LINEAR", "LINEAR_EXACT", "SIGMOID"]


@dataclass(frozen=True)
class DisplayWindow:
    """A window centre/width pair with its VOI LUT function, kept as the viewer's default.

    The window is *not* applied to :attr:`CesmImage.pixels`; preprocessing works on the full
    modality values, and the reader's viewer starts from this window.
    """

    center: float
    width: float
    function: VoiFunction = "LINEAR"
    explanation: str = ""


@dataclass(frozen=True)
class CesmImage:
    """One 2-D image in modality units, with the geometry needed to measure on it.

    Attributes:
        pixels: float32 array of shape (rows, columns); larger values are brighter (denser
            tissue, more enhancement). MONOCHROME1 and inverse presentation LUTs are already
            undone on reading.
        spacing_mm: (row spacing, column spacing) in millimetres at the detector plane corrected
            for magnification when the file allows, or ``None`` when the file does not say.
        source: the file the image was read from (for error messages).
        laterality: ``"L"``, ``"R"`` or ``None``.
        view: e.g. ``"CC"``, ``"MLO"`` or ``None``.
        windows: display windows from the file, first is the default; may be empty.
        image_type: the DICOM ImageType values, when read from DICOM.
    """

    pixels: np.ndarray
    spacing_mm: tuple[float, float] | None
    source: str = ""
    laterality: str | None = None
    view: str | None = None
    windows: tuple[DisplayWindow, ...] = ()
    image_type: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the pixel array."""
        return (int(self.pixels.shape[0]), int(self.pixels.shape[1]))


@dataclass(frozen=True)
class CesmCase:
    """One lesion: the low-energy and recombined images of one view, its mask, and metadata.

    Attributes:
        case_id: the manifest's unique id.
        low_energy: the low-energy image.
        recombined: the recombined (iodine) image, same shape as ``low_energy``.
        mask: boolean array of the same shape, True inside the lesion, or ``None``.
        spacing_mm: (row, column) spacing used for millimetre measurements.
        label: ``"benign"``, ``"malignant"`` or ``None`` when the truth is unknown.
        metadata: the manifest's optional columns (age, bi_rads, diameter_cm, ...), as read.
    """

    case_id: str
    low_energy: CesmImage
    recombined: CesmImage
    mask: np.ndarray | None
    spacing_mm: tuple[float, float]
    label: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) shared by both images and the mask."""
        return self.low_energy.shape
