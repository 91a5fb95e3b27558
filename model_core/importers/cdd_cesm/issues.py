"""What an import reports instead of silently dropping: every image, sheet row and region left
out, and every value it could not use, with the dataset file and row it comes from.

Each issue has a reason code from :data:`REASONS`, so that the summary can count them and the
report can be filtered; ``left_out`` says whether something was left out of the manifest
(``False``: it was imported, and the issue notes what was done with a doubtful value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: Reason codes and what they mean (docs/importing.md lists them too).
REASONS: Final[dict[str, str]] = {
    "normal": "pathology Normal: no lesion to classify",
    "unpaired": "no low-energy or no recombined image of the same patient, side and view",
    "no_annotation": "no row of the annotation sheet names the image",
    "no_label": "the annotation rows give no Normal/Benign/Malignant",
    "contradictory_label": "the annotation rows say Benign and Malignant",
    "no_segmentation": "a Benign or Malignant image without any usable drawn region",
    "unreadable_image": "the JPEG cannot be read",
    "size_mismatch": "the low-energy and recombined images differ in size",
    "other_view": "left out by --view",
    "unrecognised_file": "a file whose name is not P{id}_{L|R}_{DM|CM}_{CC|MLO}.jpg",
    "duplicate_file": "two files for one image",
    "unknown_image": "a sheet row or drawn region names an image that is not in the folders",
    "malformed_row": "a row of the sheet or of the segmentation file that cannot be read",
    "malformed_region": "a drawn region whose shape cannot be read",
    "region_outside_image": "a drawn region that lies outside its image",
    "mixed_label": "one row says Normal, another the lesion's label; the lesion's label is used",
    "unusable_value": "a cell that cannot be used (BI-RADS, age, density): left empty",
    "disagreeing_value": "rows or columns that disagree: the file name, or nothing, is used",
    "point_region": "the lesion is marked by a point only: its mask is one pixel",
}


@dataclass(frozen=True)
class ImportIssue:
    """One thing the import could not use as it was.

    Attributes:
        source: the dataset file it comes from, relative to the dataset's folder, with the row
            or line (``Radiology manual annotations.xlsx, sheet all, row 12``).
        reason: a key of :data:`REASONS`.
        detail: what exactly, with the field and value.
        left_out: whether something was left out of the manifest because of it.
        case_id: the case (breast view) concerned, when there is one.
    """

    source: str
    reason: str
    detail: str
    left_out: bool
    case_id: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in REASONS:
            raise ValueError(f"unknown import issue reason {self.reason!r}")

    def __str__(self) -> str:
        return f"{self.source}: {self.detail}"
