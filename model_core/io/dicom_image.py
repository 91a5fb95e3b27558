"""Reading one CESM image from DICOM: modality values, display windows, geometry.

What is applied to the pixels and what is only recorded follows the DICOM grayscale pipeline
(PS3.4 N.2): stored values → Modality LUT (rescale slope/intercept or a Modality LUT Sequence)
→ VOI LUT (window, or a VOI LUT Sequence) → Presentation LUT. The pixels keep *modality*
values, because the paper's preprocessing normalises the full range itself; the VOI stage is
kept as :class:`~model_core.case.DisplayWindow` defaults for the reader's viewer; the
presentation stage's inversion (MONOCHROME1, or Presentation LUT Shape INVERSE) is applied, so
that larger always means brighter.

Inversion mirrors values inside the *nominal* modality range (what Bits Stored allows, through
the Modality LUT), not inside the image's own min/max, so that two images of one examination
stay comparable and the windows can be mirrored with them. In the Digital X-Ray and
Mammography IODs, MONOCHROME1 is *paired* with Presentation LUT Shape INVERSE (PS3.3
C.8.11.6.1.2: "INVERSE ... shall be used if Photometric Interpretation is MONOCHROME1"), so the
two together mean one inversion, not two.

Pixel spacing, in the order used: Imager Pixel Spacing divided by Estimated Radiographic
Magnification Factor (the size at the breast, which is what a 5 mm margin means); else Pixel
Spacing (already calibrated by the modality); else Imager Pixel Spacing alone (the detector
plane, a slight over-estimate of lesion size, by the geometric magnification of ~1.1 at most
in contact mammography); else unknown (``None``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_voi

from model_core.case import CesmImage, DisplayWindow, VoiFunction
from model_core.errors import ImageReadError
from model_core.io.dicom_file import SEGMENTATION_SOP_CLASSES, read_dicom_dataset, sop_class_name
from model_core.io.file_checks import check_pixel_count
from model_core.vocabulary import LATERALITIES

_GREYSCALE = ("MONOCHROME1", "MONOCHROME2")
_VOI_FUNCTIONS: tuple[VoiFunction, ...] = ("LINEAR", "LINEAR_EXACT", "SIGMOID")

#: View Code Sequence meanings (spaces and hyphens removed, lower case) → View Position codes,
#: for files that only code the view (the MG IOD requires View Code Sequence, not View Position).
_VIEW_MEANINGS: dict[str, str] = {
    "craniocaudal": "CC",
    "mediolateraloblique": "MLO",
    "mediolateral": "ML",
    "lateromedial": "LM",
    "lateromedialoblique": "LMO",
    "exaggeratedcraniocaudal": "XCC",
}


def read_dicom_image(path: str | Path) -> CesmImage:
    """One single-frame greyscale DICOM image in modality units, larger = brighter.

    Raises:
        ImageReadError: the file is not DICOM, holds no image, is a segmentation, is
            multi-frame or colour, declares more pixels than
            :data:`~model_core.io.file_checks.MAX_IMAGE_PIXELS` (checked before decoding), its
            pixel data cannot be decoded (e.g. truncated), or its frame count, pixel spacing or
            magnification attributes are malformed. The message names the file and the reason.
    """
    path = Path(path)
    dataset = read_dicom_dataset(path)
    _check_single_greyscale_image(dataset, path)
    try:
        stored = dataset.pixel_array
        modality = apply_modality_lut(stored, dataset)
    except Exception as error:  # decoders raise anything from ValueError to RuntimeError
        raise ImageReadError(f"{path}: cannot decode the pixel data ({error})") from error
    if modality.ndim != 2:
        raise ImageReadError(f"{path}: expected one 2-D image, decoded shape {modality.shape}")
    pixels = np.asarray(modality, dtype=np.float32)
    windows = _display_windows(dataset)
    if _is_inverted(dataset):
        low, high = _nominal_modality_range(dataset)
        pixels = np.float32(low + high) - pixels
        windows = tuple(_mirror_window(window, low + high) for window in windows)
    return CesmImage(
        pixels=pixels,
        spacing_mm=_spacing_mm(dataset, path),
        source=str(path),
        laterality=_laterality(dataset),
        view=_view(dataset),
        windows=windows,
        image_type=tuple(str(value) for value in _as_list(dataset.get("ImageType"))),
    )


def _check_single_greyscale_image(dataset: Dataset, path: Path) -> None:
    if dataset.get("SOPClassUID") in SEGMENTATION_SOP_CLASSES:
        raise ImageReadError(f"{path}: a DICOM Segmentation, not an image (give it as the mask)")
    if "PixelData" not in dataset:
        raise ImageReadError(f"{path}: no pixel data ({sop_class_name(dataset)}, not an image)")
    frames = _whole_number(dataset, "NumberOfFrames", path) or 1
    if frames != 1:
        raise ImageReadError(f"{path}: multi-frame DICOM ({frames} frames); expected one image")
    photometric = str(dataset.get("PhotometricInterpretation", "")).strip().upper()
    samples = _whole_number(dataset, "SamplesPerPixel", path) or 1
    if photometric not in _GREYSCALE or samples != 1:
        raise ImageReadError(
            f"{path}: colour or unsupported image (Photometric Interpretation "
            f"'{photometric or 'missing'}', {samples} samples per pixel); expected greyscale "
            "MONOCHROME1 or MONOCHROME2"
        )
    rows = _whole_number(dataset, "Rows", path) or 0
    columns = _whole_number(dataset, "Columns", path) or 0
    check_pixel_count(path, rows, columns)


def _whole_number(dataset: Dataset, keyword: str, path: Path) -> int | None:
    """A single-valued integer attribute, ``None`` when absent or empty.

    Raises:
        ImageReadError: the value is not one whole number (pydicom keeps a malformed IS as text).
    """
    value = dataset.get(keyword)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise ImageReadError(f"{path}: {keyword} {value!r} is not a whole number") from error


def _as_list(value: Any) -> list[Any]:
    """DICOM values are single or multi-valued; this gives a list either way."""
    if value is None:
        return []
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def _is_inverted(dataset: Dataset) -> bool:
    photometric = str(dataset.PhotometricInterpretation).strip().upper()
    shape = str(dataset.get("PresentationLUTShape", "")).strip().upper()
    return photometric == "MONOCHROME1" or shape == "INVERSE"


def _nominal_modality_range(dataset: Dataset) -> tuple[float, float]:
    """Smallest and largest modality value the stored bit depth allows."""
    bits = int(dataset.get("BitsStored") or dataset.BitsAllocated)
    signed = int(dataset.get("PixelRepresentation") or 0) == 1
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if "ModalityLUTSequence" in dataset:
        # A LUT need not be monotonic: map every stored value (at most 2**16 of them).
        mapped = apply_modality_lut(np.arange(low, high + 1, dtype=np.int64), dataset)
    else:
        mapped = apply_modality_lut(np.array([low, high], dtype=np.int64), dataset)
    return float(np.min(mapped)), float(np.max(mapped))


def _display_windows(dataset: Dataset) -> tuple[DisplayWindow, ...]:
    """Window centre/width pairs first, then one window per VOI LUT Sequence item.

    Windows the standard forbids (width < 1 for LINEAR, ≤ 0 otherwise, non-finite, not a
    number) are left out: they are display defaults, not worth refusing an image for; the
    viewer then falls back to its own automatic window.
    """
    function = str(dataset.get("VOILUTFunction", "LINEAR")).strip().upper() or "LINEAR"
    if function not in _VOI_FUNCTIONS:
        function = "LINEAR"  # the standard's default for values it does not define
    centers = _as_list(dataset.get("WindowCenter"))
    widths = _as_list(dataset.get("WindowWidth"))
    explanations = _as_list(dataset.get("WindowCenterWidthExplanation"))
    windows = []
    for index, (center, width) in enumerate(zip(centers, widths, strict=False)):
        try:
            center, width = float(center), float(width)
        except (TypeError, ValueError):
            continue  # a malformed DS string, kept as text by pydicom
        allowed = width >= 1.0 if function == "LINEAR" else width > 0.0
        if not (math.isfinite(center) and math.isfinite(width) and allowed):
            continue
        explanation = str(explanations[index]) if index < len(explanations) else ""
        windows.append(DisplayWindow(center, width, function, explanation))  # type: ignore[arg-type]
    for index, item in enumerate(dataset.get("VOILUTSequence") or []):
        try:
            window = _window_from_voi_lut(dataset, index, item)
        except Exception:  # a malformed item (no LUT Data, no descriptor...): no window
            continue
        if window is not None:
            windows.append(window)
    return tuple(windows)


def _window_from_voi_lut(dataset: Dataset, index: int, item: Dataset) -> DisplayWindow | None:
    """The LINEAR_EXACT window spanning a VOI LUT's rise from its lowest to its highest output.

    A VOI LUT may be curved (e.g. a film-like characteristic); the window reproduces where it
    starts and stops, which is what a viewer's window/level control can offer. Decreasing or
    flat LUTs have no such window and are left out.
    """
    entries, first_mapped = int(item.LUTDescriptor[0]) or 2**16, int(item.LUTDescriptor[1])
    inputs = np.arange(first_mapped, first_mapped + entries, dtype=np.int64)
    outputs = np.asarray(apply_voi(inputs, dataset, index=index), dtype=np.float64)
    if outputs[-1] <= outputs[0]:
        return None
    rising = np.flatnonzero(outputs > outputs.min())
    below_top = np.flatnonzero(outputs < outputs.max())
    low = float(inputs[rising[0]] - 1)  # last input still at the lowest output
    high = float(inputs[below_top[-1]] + 1)  # first input at the highest output
    explanation = str(item.get("LUTExplanation", "")) or f"VOI LUT {index + 1}"
    return DisplayWindow((low + high) / 2.0, high - low, "LINEAR_EXACT", explanation)


def _mirror_window(window: DisplayWindow, total: float) -> DisplayWindow:
    """The window that shows ``total - x`` as the original window showed ``x``, inverted.

    For LINEAR, PS3.3 C.11.2.1.2.1 maps ``x ≤ c - 0.5 - (w-1)/2`` to the bottom; mirroring that
    half-value offset needs ``c' = total - c + 1``. LINEAR_EXACT and SIGMOID are symmetric about
    ``c`` itself.
    """
    offset = 1.0 if window.function == "LINEAR" else 0.0
    return replace(window, center=total - window.center + offset)


def _laterality(dataset: Dataset) -> str | None:
    value = dataset.get("ImageLaterality") or dataset.get("Laterality") or ""
    value = str(value).strip().upper()
    return value if value in LATERALITIES else None


def _view(dataset: Dataset) -> str | None:
    position = str(dataset.get("ViewPosition") or "").strip().upper()
    if position:
        return position
    for item in dataset.get("ViewCodeSequence") or []:
        meaning = str(item.get("CodeMeaning", "")).lower().replace("-", "").replace(" ", "")
        if meaning in _VIEW_MEANINGS:
            return _VIEW_MEANINGS[meaning]
    return None


def _spacing_pair(dataset: Dataset, keyword: str, path: Path) -> tuple[float, float] | None:
    if keyword not in dataset or dataset[keyword].value in (None, ""):
        return None
    values = _as_list(dataset[keyword].value)
    try:
        pair = tuple(float(value) for value in values)
    except (TypeError, ValueError) as error:
        raise ImageReadError(f"{path}: {keyword} {values!r} is not numeric") from error
    if len(pair) != 2 or not all(math.isfinite(v) and v > 0 for v in pair):
        raise ImageReadError(
            f"{path}: {keyword} {values!r} must be two positive numbers (row, column) in mm"
        )
    return pair


def _spacing_mm(dataset: Dataset, path: Path) -> tuple[float, float] | None:
    imager = _spacing_pair(dataset, "ImagerPixelSpacing", path)
    pixel = _spacing_pair(dataset, "PixelSpacing", path)
    magnification = dataset.get("EstimatedRadiographicMagnificationFactor")
    if imager is not None and magnification not in (None, ""):
        try:
            factor = float(magnification)
        except (TypeError, ValueError):
            factor = math.nan  # malformed DS text, or several values
        if not (math.isfinite(factor) and factor > 0):
            raise ImageReadError(
                f"{path}: EstimatedRadiographicMagnificationFactor {magnification!r} must be "
                "one number > 0"
            )
        return (imager[0] / factor, imager[1] / factor)
    if pixel is not None:
        return pixel
    return imager
