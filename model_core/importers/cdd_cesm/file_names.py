"""CDD-CESM image file names: ``P{patient}_{L|R}_{DM|CM}_{CC|MLO}.jpg``.

The name is the only place the dataset states which patient, breast, energy and view an image
shows, and the annotation sheet and the segmentation file refer to images by it. The three files
spell it slightly differently: the sheet has no extension, some files carry a stray space before
``.jpg``, the letter case of the extension varies. :func:`parse_image_name` reads all of these
into one :class:`ImageName`, so that they can be matched; anything else is not a CDD-CESM image
name and is reported by the caller.

``DM`` is the low-energy image (it looks like a digital mammogram), ``CM`` the recombined
("subtracted") image; the sheet's ``Type`` column says ``DM`` and ``CESM`` for the same two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: Energy codes of the file names.
LOW_ENERGY: Final = "DM"
RECOMBINED: Final = "CM"

_NAME = re.compile(r"^P0*(\d+)_([LR])_(DM|CM)_(CC|MLO)$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.jpe?g$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class PairKey:
    """One breast view of one patient: what a low-energy and a recombined image share."""

    patient: int
    laterality: str
    view: str

    @property
    def case_id(self) -> str:
        """The manifest's case id, e.g. ``P12_L_CC``."""
        return f"P{self.patient}_{self.laterality}_{self.view}"

    @property
    def patient_id(self) -> str:
        """The dataset's patient id, ``P12``."""
        return f"P{self.patient}"


@dataclass(frozen=True, order=True)
class ImageName:
    """A parsed image name; :attr:`stem` is its canonical spelling, without extension."""

    patient: int
    laterality: str
    energy: str
    view: str

    @property
    def key(self) -> PairKey:
        """The breast view the image belongs to."""
        return PairKey(self.patient, self.laterality, self.view)

    @property
    def stem(self) -> str:
        """``P12_L_DM_CC``."""
        return f"P{self.patient}_{self.laterality}_{self.energy}_{self.view}"


def is_jpeg_name(name: str) -> bool:
    """Whether a file name ends in ``.jpg``/``.jpeg`` (any case, trailing spaces ignored)."""
    return bool(_EXTENSION.search(name.strip()))


def parse_image_name(text: str) -> ImageName | None:
    """The image a name refers to, or ``None`` when it is not a CDD-CESM image name.

    Tolerated: an extension ``.jpg``/``.jpeg`` or none, any letter case, spaces anywhere (the
    dataset's stray spaces before the extension), leading zeros in the patient number.
    """
    stem = _EXTENSION.sub("", text.strip())
    match = _NAME.match(re.sub(r"\s+", "", stem))
    if match is None:
        return None
    patient, laterality, energy, view = match.groups()
    return ImageName(int(patient), laterality.upper(), energy.upper(), view.upper())
