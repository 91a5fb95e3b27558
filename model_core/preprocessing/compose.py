"""The whole preprocessing of Mao et al. (2023): from a case to the classifier's input.

Steps, in order (each documented in its own module):

1. :func:`~model_core.preprocessing.crop.lesion_crop_box` — lesion bounding box + 5 mm margin,
   clipped at the image border.
2. :func:`~model_core.preprocessing.intensity.normalise_to_uint8` — min–max of the *crop* to
   0–255, separately for the low-energy and the recombined image.
3. :func:`~model_core.preprocessing.intensity.equalise_histogram` — on those two channels only;
   the mask is never equalised.
4. :mod:`~model_core.preprocessing.resize` — stretched to the backbone's square input, bilinear
   for the images, nearest for the mask.
5. Stacked as R = low energy, G = recombined, B = mask × 255, uint8, shape (size, size, 3).

The same function serves training, inference and Grad-CAM, so it takes no shortcut that one of
them could not take, and it returns the crop box that maps a heat map back onto the image.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from model_core.case import CesmCase
from model_core.errors import PreprocessingError
from model_core.preprocessing.backbones import BACKBONE_INPUT_SIZE, canonical_backbone
from model_core.preprocessing.crop import CropBox, lesion_crop_box
from model_core.preprocessing.geometry import heatmap_to_source
from model_core.preprocessing.intensity import equalise_histogram, normalise_to_uint8
from model_core.preprocessing.resize import resize_grey, resize_mask
from model_core.preprocessing.settings import PreprocessingSettings
from model_core.preprocessing.validation import (
    check_image,
    check_input_size,
    check_mask,
    check_spacing,
)

#: What each channel of :attr:`PreprocessedInput.image` holds, in order R, G, B.
CHANNELS: tuple[str, str, str] = ("low_energy", "recombined", "mask")


@dataclass(frozen=True, eq=False)
class PreprocessedInput:
    """Exactly what the classifier sees for one lesion, with the geometry to map back.

    Compared by identity (``eq=False``): it holds an array, and ``==`` on arrays is elementwise;
    compare ``image`` with ``np.array_equal`` and the other fields directly.

    Attributes:
        image: read-only uint8 array of shape (input_size, input_size, 3); channel 0 (R) is
            the low-energy image, 1 (G) the recombined image, 2 (B) the mask, 0 or 255 only.
        crop_box: the rectangle of the source image that was cropped and stretched.
        source_shape: (rows, columns) of the source images.
        spacing_mm: (row, column) pixel spacing of the source images, in mm.
        input_size: side of the square input, in pixels.
        backbone: the backbone the size was taken from, or ``None`` for an explicit size.
        settings: the preprocessing parameters used.
        case_id: the case's id when built by :func:`preprocess_case`, else ``None``.
    """

    image: np.ndarray
    crop_box: CropBox
    source_shape: tuple[int, int]
    spacing_mm: tuple[float, float]
    input_size: int
    backbone: str | None
    settings: PreprocessingSettings
    case_id: str | None = None

    @property
    def low_energy(self) -> np.ndarray:
        """The R channel: the low-energy crop, normalised and equalised (view, read-only)."""
        return self.image[:, :, 0]

    @property
    def recombined(self) -> np.ndarray:
        """The G channel: the recombined crop, normalised and equalised (view, read-only)."""
        return self.image[:, :, 1]

    @property
    def mask(self) -> np.ndarray:
        """The B channel: the lesion mask, 0 or 255 (view, read-only)."""
        return self.image[:, :, 2]

    @property
    def input_spacing_mm(self) -> tuple[float, float]:
        """Millimetres per input pixel along rows and columns (they differ when stretched)."""
        return (
            self.spacing_mm[0] * self.crop_box.height / self.input_size,
            self.spacing_mm[1] * self.crop_box.width / self.input_size,
        )

    def heatmap_to_source(self, heatmap: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """A heat map over this input, resampled onto the source image (see
        :func:`~model_core.preprocessing.geometry.heatmap_to_source`)."""
        return heatmap_to_source(heatmap, self.crop_box, self.source_shape, fill=fill)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of the input, without the pixels."""
        return {
            "case_id": self.case_id,
            "backbone": self.backbone,
            "input_size": self.input_size,
            "channels": list(CHANNELS),
            "crop_box": self.crop_box.to_dict(),
            "source_shape": list(self.source_shape),
            "spacing_mm": list(self.spacing_mm),
            "input_spacing_mm": list(self.input_spacing_mm),
            "settings": self.settings.to_dict(),
        }

    def summary(self) -> str:
        """One line for logs and the command line."""
        who = f"case {self.case_id}: " if self.case_id is not None else ""
        model = self.backbone if self.backbone is not None else "input"
        return (
            f"{who}{model} {self.input_size}x{self.input_size}, crop {self.crop_box.summary()} "
            f"of {self.source_shape[0]}x{self.source_shape[1]} at "
            f"{self.spacing_mm[0]:g}x{self.spacing_mm[1]:g} mm; {self.settings.summary()}"
        )


def resolve_input_size(backbone: str | None, input_size: int | None) -> tuple[str | None, int]:
    """(canonical backbone or ``None``, input size) from either or both; they must agree."""
    if backbone is None and input_size is None:
        known = ", ".join(BACKBONE_INPUT_SIZE)
        raise PreprocessingError(f"backbone: give a backbone ({known}) or an input_size")
    if backbone is None:
        return None, check_input_size(input_size)
    name = canonical_backbone(backbone)
    size = BACKBONE_INPUT_SIZE[name]
    if input_size is not None and check_input_size(input_size) != size:
        raise PreprocessingError(
            f"input_size: {input_size} disagrees with backbone {name!r}, whose input is {size}"
        )
    return name, size


def preprocess_arrays(
    low_energy: np.ndarray,
    recombined: np.ndarray,
    mask: np.ndarray,
    spacing_mm: tuple[float, float],
    *,
    backbone: str | None = None,
    input_size: int | None = None,
    settings: PreprocessingSettings | None = None,
) -> PreprocessedInput:
    """The classifier's input from raw arrays (see the module docstring for the steps).

    Args:
        low_energy: 2-D low-energy image in modality units (any real dtype).
        recombined: 2-D recombined image, same shape.
        mask: 2-D lesion mask, same shape, non-zero inside the lesion, not empty.
        spacing_mm: (row, column) pixel spacing in millimetres, both > 0.
        backbone: ``"xception"``, ``"densenet121"`` or ``"resnet50"``; sets the input size.
        input_size: explicit square side in pixels, instead of (or agreeing with) ``backbone``.
        settings: margin and equalisation; the paper's defaults when ``None``.

    Raises:
        PreprocessingError: naming the field (``low_energy``, ``recombined``, ``mask``,
            ``spacing_mm``, ``backbone``, ``input_size``, ``settings``); all are checked before
            any computation, except NaN or infinite pixels inside the crop, found on
            normalising it.
    """
    settings = PreprocessingSettings() if settings is None else settings
    if not isinstance(settings, PreprocessingSettings):
        raise PreprocessingError(
            f"settings: expected PreprocessingSettings, got {type(settings).__name__}"
        )
    name, size = resolve_input_size(backbone, input_size)
    spacing = check_spacing(spacing_mm)
    low = check_image(low_energy, "low_energy")
    high = check_image(recombined, "recombined")
    if high.shape != low.shape:
        raise PreprocessingError(
            f"recombined: shape {high.shape} differs from the low_energy shape {low.shape}"
        )
    lesion = check_mask(mask, low.shape)

    box = lesion_crop_box(lesion, spacing, settings.margin_mm)
    channels = [
        _grey_channel(low[box.slices], size, settings, "low_energy"),
        _grey_channel(high[box.slices], size, settings, "recombined"),
        resize_mask(lesion[box.slices], size),
    ]
    image = np.stack(channels, axis=-1)
    image.flags.writeable = False
    return PreprocessedInput(
        image=image,
        crop_box=box,
        source_shape=(int(low.shape[0]), int(low.shape[1])),
        spacing_mm=spacing,
        input_size=size,
        backbone=name,
        settings=settings,
    )


def preprocess_case(
    case: CesmCase,
    backbone: str | None = None,
    *,
    input_size: int | None = None,
    settings: PreprocessingSettings | None = None,
) -> PreprocessedInput:
    """The classifier's input for one :class:`~model_core.case.CesmCase`.

    Errors are those of :func:`preprocess_arrays`, prefixed with the case id and the file:
    the recombined image's for an error in the ``recombined`` field (e.g. NaN inside its crop),
    else the low-energy image's; plus a missing mask (the classifier needs the manifest's
    ``mask`` column).
    """
    where = f"case {case.case_id!r}"
    if case.low_energy.source:
        where += f" ({case.low_energy.source})"
    if case.mask is None:
        raise PreprocessingError(
            f"{where}: mask: the case has no lesion mask; the classifier's crop needs one "
            "(manifest column 'mask')"
        )
    try:
        result = preprocess_arrays(
            case.low_energy.pixels,
            case.recombined.pixels,
            case.mask,
            case.spacing_mm,
            backbone=backbone,
            input_size=input_size,
            settings=settings,
        )
    except PreprocessingError as error:
        # Errors start with their field; one in the recombined image names that image's file.
        if str(error).startswith("recombined:") and case.recombined.source:
            where = f"case {case.case_id!r} ({case.recombined.source})"
        raise PreprocessingError(f"{where}: {error}") from error
    return dataclasses.replace(result, case_id=case.case_id)


def _grey_channel(
    crop: np.ndarray, size: int, settings: PreprocessingSettings, field: str
) -> np.ndarray:
    grey = normalise_to_uint8(crop, field)
    if settings.equalise:
        grey = equalise_histogram(grey)
    return resize_grey(grey, size)
