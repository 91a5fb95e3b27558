"""Tiny cases for the viewer's tests: a half-disc "breast" touching one side, a bright
rectangular lesion with its mask, and a heat map that is hot on the lesion.

Stored orientation is chosen per case (``chest_wall``), so the hanging's mirroring can be
tested both ways. Files are written with :mod:`cesm_files` (pydicom and SimpleITK alone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from cesm_files import write_dicom, write_mask

from studies.engine.reader_api import CaseToRead, ModelOutput

ROWS, COLUMNS = 96, 80
#: The lesion as stored with the chest wall on the left: rows 30..41, columns 10..21.
LESION = (30, 10, 42, 22)
#: The heat map's shape (it covers the whole image at a lower resolution) and its hot cells.
HEATMAP_SHAPE = (32, 40)
HOT = (10, 5, 14, 11)  # rows 30..42 and columns 10..22 of the image, in heat-map cells


def breast_pixels(chest_wall: str, *, rows: int = ROWS, columns: int = COLUMNS) -> np.ndarray:
    """uint16 12-bit image: background 50, a half-disc breast (1500 rising towards the chest
    wall) touching the ``chest_wall`` side, the lesion at 3000."""
    r, c = np.mgrid[0:rows, 0:columns].astype(np.float64)
    inside = ((r - rows / 2) / (rows * 0.46)) ** 2 + (c / (columns * 0.85)) ** 2 <= 1
    pixels = np.where(inside, 1500 + 600 * (1 - c / columns), 50.0)
    scale_r, scale_c = rows / ROWS, columns / COLUMNS
    row0, col0, row1, col1 = LESION
    pixels[
        round(row0 * scale_r) : round(row1 * scale_r), round(col0 * scale_c) : round(col1 * scale_c)
    ] = 3000
    pixels = np.rint(pixels).astype(np.uint16)
    return pixels if chest_wall == "left" else np.ascontiguousarray(pixels[:, ::-1])


def lesion_mask(chest_wall: str, *, rows: int = ROWS, columns: int = COLUMNS) -> np.ndarray:
    mask = breast_pixels(chest_wall, rows=rows, columns=columns) == 3000
    return mask


def hot_heatmap(chest_wall: str) -> np.ndarray:
    heatmap = np.zeros(HEATMAP_SHAPE, dtype=np.float16)
    row0, col0, row1, col1 = HOT
    heatmap[row0:row1, col0:col1] = 1.0
    return heatmap if chest_wall == "left" else heatmap[:, ::-1].copy()


def write_case(
    folder: Path,
    *,
    laterality: str = "L",
    chest_wall: str = "left",
    case_id: str = "C001",
    heatmap: bool = True,
    rows: int = ROWS,
    columns: int = COLUMNS,
    **dicom: Any,
) -> CaseToRead:
    """A case to read whose files lie in ``folder/case_id``; ``dicom`` adds attributes (e.g.
    ``WindowCenter``) to both images."""
    pixels = breast_pixels(chest_wall, rows=rows, columns=columns)
    where = folder / case_id
    attributes = {"ImageLaterality": laterality, "ViewPosition": "CC", "PixelSpacing": [0.5, 0.5]}
    attributes.update(dicom)
    low_energy = write_dicom(where / "low_energy.dcm", pixels, **attributes)
    recombined = write_dicom(
        where / "recombined.dcm", (pixels // 2).astype(np.uint16), **attributes
    )
    mask = write_mask(where / "mask.nii.gz", lesion_mask(chest_wall, rows=rows, columns=columns))
    model = ModelOutput(0.8, hot_heatmap(chest_wall), {}) if heatmap else None
    return CaseToRead(
        session_index=1,
        position=1,
        total=1,
        case_id=case_id,
        stage="aided" if heatmap else "unaided",
        practice=False,
        low_energy=low_energy,
        recombined=recombined,
        mask=mask,
        laterality=laterality,
        view="CC",
        clinical={},
        model=model,
    )
