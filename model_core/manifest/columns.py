"""The case manifest's columns (docs/formats.md) and how each cell's text becomes a typed value.

A parser takes the stripped cell text and returns the value, ``None`` for an empty cell, or
raises :class:`ValueError` whose message says what is wrong with that one cell; the table reader
adds the file, line and column.

``pixel_spacing_mm`` holds one number (isotropic pixels, the usual case for mammography
detectors) or two numbers ``row\\column`` separated by a backslash, as DICOM writes its Pixel
Spacing; both in millimetres.

Labels, laterality, view, BI-RADS and breast density are compared case-insensitively and stored
in their canonical spelling (``malignant``, ``L``, ``MLO``, ``4A``, ``C``), since spreadsheets
edited by hand vary in case and nothing is lost by normalising.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from model_core.vocabulary import (
    canonical_bi_rads,
    canonical_breast_density,
    canonical_laterality,
)

#: Columns every manifest must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("case_id", "low_energy", "recombined", "label")
#: Columns whose cells name files, relative to the manifest's folder.
PATH_COLUMNS: tuple[str, ...] = ("low_energy", "recombined", "mask")


def parse_text(text: str) -> str | None:
    """Free text; empty is ``None``."""
    return text or None


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        hint = " (use '.' as the decimal separator)" if "," in text else ""
        raise ValueError(f"{what} '{text}' is not a number{hint}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} '{text}' is not a finite number")
    return value


def parse_age(text: str) -> float | None:
    """Age in years, 0 to 130."""
    if not text:
        return None
    age = _number(text, "age")
    if not 0 <= age <= 130:
        raise ValueError(f"age {text} is outside 0–130 years")
    return age


def parse_diameter_cm(text: str) -> float | None:
    """Lesion diameter in centimetres, positive."""
    if not text:
        return None
    diameter = _number(text, "diameter")
    if diameter <= 0:
        raise ValueError(f"diameter {text} cm must be positive")
    return diameter


def parse_view(text: str) -> str | None:
    """A view code, upper case; unusual ones are warned about by the table reader."""
    return text.upper() or None


def parse_pixel_spacing_mm(text: str) -> tuple[float, float] | None:
    """``0.07`` (isotropic) or ``0.07\\0.08`` (row\\column), in mm, positive."""
    if not text:
        return None
    parts = text.split("\\")
    if len(parts) > 2:
        raise ValueError(f"pixel spacing '{text}' must be one number or 'row\\column'")
    values = [_number(part.strip(), "pixel spacing") for part in parts]
    if any(value <= 0 for value in values):
        raise ValueError(f"pixel spacing '{text}' must be positive")
    return (values[0], values[-1])


#: Optional columns that become :attr:`ManifestRow.metadata`, with their parsers.
METADATA_PARSERS: dict[str, Callable[[str], Any]] = {
    "patient_id": parse_text,
    "center": parse_text,
    "split": parse_text,
    "age": parse_age,
    "bi_rads": canonical_bi_rads,
    "breast_density": canonical_breast_density,
    "diameter_cm": parse_diameter_cm,
    "laterality": canonical_laterality,
    "view": parse_view,
    "histology": parse_text,
    "clinical_history": parse_text,
    "family_history": parse_text,
}

#: Every column the manifest format defines, in the order a manifest is written.
COLUMN_ORDER: tuple[str, ...] = (
    "case_id",
    "patient_id",
    "low_energy",
    "recombined",
    "mask",
    "label",
    "center",
    "split",
    "age",
    "bi_rads",
    "breast_density",
    "diameter_cm",
    "laterality",
    "view",
    "histology",
    "clinical_history",
    "family_history",
    "pixel_spacing_mm",
)
KNOWN_COLUMNS: frozenset[str] = frozenset(COLUMN_ORDER)
assert {*REQUIRED_COLUMNS, "mask", "pixel_spacing_mm", *METADATA_PARSERS} == KNOWN_COLUMNS
