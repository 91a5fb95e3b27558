"""Which drawn region becomes a case's mask, and what happens to the others.

Mao et al. evaluated one lesion per image, the largest; the others are recorded, not lost. The
two images of a breast view share one pixel grid (they are one acquisition), so a region drawn
on either outlines the lesion on both. The radiologists outlined lesions on both images; the
outline drawn on the recombined image is used when there is one (it shows the enhancement the
classifier looks at), else the low-energy image's. Every region is listed in ``regions.csv``
with its area and what became of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from model_core.importers.cdd_cesm.file_names import RECOMBINED, PairKey
from model_core.importers.cdd_cesm.issues import ImportIssue
from model_core.importers.cdd_cesm.rasterise import rasterise
from model_core.importers.cdd_cesm.segmentations import Point, Region

KEPT: Final = "kept"
OTHER_LESION: Final = "other lesion (smaller)"
OTHER_IMAGE: Final = "drawn on the low-energy image; the recombined image's outline is used"
OUTSIDE: Final = "outside the image"


@dataclass(frozen=True)
class RegionRecord:
    """One drawn region and what became of it (a row of ``regions.csv``)."""

    case_id: str
    image: str
    source: str
    region_id: str
    shape: str
    area_pixels: int
    status: str


@dataclass(frozen=True)
class Lesion:
    """The kept region's mask (``None`` when no region is usable), every region's record, and
    the issues to report."""

    mask: NDArray[np.bool_] | None
    records: tuple[RegionRecord, ...]
    issues: tuple[ImportIssue, ...]


def choose_lesion(key: PairKey, regions: Sequence[Region], shape: tuple[int, int]) -> Lesion:
    """Rasterise every region of breast view ``key`` on an image of ``shape`` (rows, columns)
    and keep the largest of the preferred image's (see the module docstring)."""
    masks = [rasterise(region.shape, *shape) for region in regions]
    areas = [int(mask.sum()) for mask in masks]
    usable = [index for index, area in enumerate(areas) if area > 0]
    on_recombined = [index for index in usable if regions[index].image.energy == RECOMBINED]
    preferred = on_recombined or usable
    kept = max(preferred, key=lambda index: areas[index], default=None)
    issues: list[ImportIssue] = []
    records = []
    for index, region in enumerate(regions):
        if areas[index] == 0:
            status = OUTSIDE
            detail = f"{region.image.stem}: region {region.region_id} lies outside the image"
            issues.append(
                ImportIssue(region.source, "region_outside_image", detail, True, key.case_id)
            )
        elif index == kept:
            status = KEPT
        elif index in preferred:
            status = OTHER_LESION
        else:
            status = OTHER_IMAGE
        records.append(
            RegionRecord(
                key.case_id,
                region.image.stem,
                region.source,
                region.region_id,
                region.kind,
                areas[index],
                status,
            )
        )
    if kept is not None and isinstance(regions[kept].shape, Point):
        detail = f"{key.case_id}: the only usable region is a point; the mask is that one pixel"
        issues.append(ImportIssue(regions[kept].source, "point_region", detail, False, key.case_id))
    return Lesion(None if kept is None else masks[kept], tuple(records), tuple(issues))
