"""Test data builders for the CDD-CESM importer: a small copy of the dataset's layout.

Written with Pillow, openpyxl and :mod:`csv` alone (no project code), following the dataset as
its authors describe it: folders ``Low energy images of CDD-CESM`` and ``Subtracted images of
CDD-CESM`` of 8-bit JPEGs ``P{id}_{L|R}_{DM|CM}_{CC|MLO}.jpg``, the workbook ``Radiology manual
annotations.xlsx`` (sheet ``all``) and the VGG Image Annotator export
``Radiology_hand_drawn_segmentations_v2.csv``.

:func:`write_standard_dataset` writes one tree with every case the importer must handle (listed
in :data:`STANDARD_CASES`); the lower-level writers build variants. Tests import it by bare name
(see ``tests/cesm_files.py``), and the importer's benchmark too.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from PIL import Image

LOW_FOLDER = "Low energy images of CDD-CESM"
RECOMBINED_FOLDER = "Subtracted images of CDD-CESM"
SHEET_FILE = "Radiology manual annotations.xlsx"
VIA_FILE = "Radiology_hand_drawn_segmentations_v2.csv"
SHEET_HEADER = (
    "Image_name",
    "Patient_ID",
    "Side",
    "Type",
    "Age",
    "Breast density (ACR)",
    "BIRADS",
    "Findings",
    "View",
    "Tags",
    "Machine",
    "Pathology Classification/ Follow up",
)
VIA_HEADER = (
    "#filename",
    "file_size",
    "file_attributes",
    "region_count",
    "region_id",
    "region_shape_attributes",
    "region_attributes",
)
#: Size of the fixture images (rows, columns).
ROWS, COLUMNS = 60, 50


def grey_image(seed: int, rows: int = ROWS, columns: int = COLUMNS) -> np.ndarray:
    """A uint8 image: a ramp with noise, different for each seed."""
    generator = np.random.default_rng(seed)
    ramp = np.linspace(30, 200, columns)[None, :] + np.linspace(0, 20, rows)[:, None]
    return np.clip(ramp + generator.normal(0, 8, (rows, columns)), 0, 255).astype(np.uint8)


def write_jpeg(path: Path, pixels: np.ndarray, quality: int = 95) -> Path:
    """Write a grey-scale (mode L) JPEG."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="JPEG", quality=quality)
    return path


def sheet_row(
    image_name: str,
    pathology: str,
    *,
    birads: object = 4,
    age: object = 50,
    density: object = "B",
    findings: str = "mass",
) -> dict[str, object]:
    """One row of sheet ``all``; patient, side, type and view are taken from ``image_name``."""
    patient, side, energy, view = image_name.strip().split("_")
    return {
        "Image_name": image_name,
        "Patient_ID": int(patient[1:]),
        "Side": side,
        "Type": "DM" if energy == "DM" else "CESM",
        "Age": age,
        "Breast density (ACR)": density,
        "BIRADS": birads,
        "Findings": findings,
        "View": view,
        "Tags": "",
        "Machine": "GE",
        "Pathology Classification/ Follow up": pathology,
    }


def write_sheet(
    path: Path,
    rows: Sequence[dict[str, object]],
    *,
    sheet: str = "all",
    header: Sequence[str] = SHEET_HEADER,
) -> Path:
    """Write the annotation workbook with ``rows`` on sheet ``sheet`` (after a first sheet)."""
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "CESM"  # the dataset's workbook has other sheets too
    first.append(["not", "this", "sheet"])
    table = workbook.create_sheet(sheet)
    table.append(list(header))
    for row in rows:
        table.append([row.get(name) for name in header])
    workbook.save(path)
    return path


def via_row(file_name: str, region_id: int, shape: dict[str, Any] | str, count: int = 1) -> list:
    """One row of the VIA export; ``shape`` as a dict (written as JSON) or raw text."""
    text = shape if isinstance(shape, str) else json.dumps(shape)
    return [file_name, 12345, "{}", count, region_id, text, "{}"]


def write_via(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """Write the VIA CSV export with ``rows`` (from :func:`via_row`)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(VIA_HEADER)
        writer.writerows(rows)
    return path


# Shapes of the standard dataset, in image pixels (x = column, y = row).
POLYGON = {"name": "polygon", "all_points_x": [10, 30, 30, 10], "all_points_y": [10, 10, 40, 40]}
SMALL_CIRCLE = {"name": "circle", "cx": 40, "cy": 50, "r": 3}
DM_ELLIPSE = {"name": "ellipse", "cx": 25, "cy": 25, "rx": 20, "ry": 15}
ROTATED_ELLIPSE = {"name": "ellipse", "cx": 25, "cy": 30, "rx": 18, "ry": 4, "theta": 1.5707963}
RECTANGLE = {"name": "rect", "x": 5, "y": 20, "width": 12, "height": 8}
POLYLINE = {"name": "polyline", "all_points_x": [30, 45, 45], "all_points_y": [5, 5, 20]}
POINT = {"name": "point", "cx": 12, "cy": 33}
CIRCLE = {"name": "circle", "cx": 20, "cy": 30, "r": 6}

#: Each case of the standard dataset and what the importer must make of it.
STANDARD_CASES: dict[str, str] = {
    "P1_L_CC": "malignant; BI-RADS '4$5' (5 kept); polygon kept, a smaller circle and a "
    "low-energy ellipse recorded",
    "P1_L_MLO": "malignant; low-energy file 'P1_L_DM_MLO .jpg' (stray space); rotated "
    "ellipse; a malformed VIA row besides",
    "P2_R_CC": "benign; a rectangle and a larger polyline: the polyline is kept",
    "P2_R_MLO": "benign; only a point, drawn on the low-energy image",
    "P3_L_CC": "normal: left out",
    "P3_L_MLO": "Normal on the DM row, Benign on the CESM row: imported as benign",
    "P4_R_CC": "Benign on one row, Malignant on another: contradictory, left out",
    "P5_L_CC": "low-energy image only: unpaired",
    "P6_R_CC": "benign without any region: no segmentation",
    "P7_L_CC": "images without any sheet row: no annotation",
    "P8_R_MLO": "malignant, but its recombined JPEG is cut short: unreadable",
    "P9_L_CC": "benign; a circle; the sheet's second row repeats the image",
    "P99_R_CC": "a region and a sheet row for images that do not exist: unknown image",
}
#: The cases the manifest must hold.
IMPORTED = ("P1_L_CC", "P1_L_MLO", "P2_R_CC", "P2_R_MLO", "P3_L_MLO", "P9_L_CC")


@dataclass(frozen=True)
class DatasetTree:
    """Where :func:`write_standard_dataset` wrote what."""

    root: Path
    low: Path
    recombined: Path
    sheet: Path
    via: Path


def write_dataset(
    root: Path,
    images: dict[str, np.ndarray | bytes],
    sheet_rows: Sequence[dict[str, object]],
    via_rows: Sequence[Sequence[object]],
) -> DatasetTree:
    """Write a dataset tree: ``images`` by file name (DM in the low-energy folder, CM in the
    subtracted one; pixels as JPEG, bytes as they are), the sheet and the VIA export."""
    tree = DatasetTree(
        root, root / LOW_FOLDER, root / RECOMBINED_FOLDER, root / SHEET_FILE, root / VIA_FILE
    )
    tree.low.mkdir(parents=True, exist_ok=True)
    tree.recombined.mkdir(parents=True, exist_ok=True)
    for name, content in images.items():
        folder = tree.low if "_DM_" in name else tree.recombined
        if isinstance(content, bytes):
            (folder / name).write_bytes(content)
        else:
            write_jpeg(folder / name, content)
    write_sheet(tree.sheet, sheet_rows)
    write_via(tree.via, via_rows)
    return tree


def jpeg_bytes(pixels: np.ndarray) -> bytes:
    """The JPEG encoding of ``pixels``."""
    import io

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def write_standard_dataset(root: Path) -> DatasetTree:
    """The dataset of :data:`STANDARD_CASES`."""
    images: dict[str, np.ndarray | bytes] = {}
    names = [
        "P1_L_DM_CC.jpg", "P1_L_CM_CC.jpg", "P1_L_DM_MLO .jpg", "P1_L_CM_MLO.jpg",
        "P2_R_DM_CC.jpg", "P2_R_CM_CC.jpg", "P2_R_DM_MLO.jpg", "P2_R_CM_MLO.jpg",
        "P3_L_DM_CC.jpg", "P3_L_CM_CC.jpg", "P3_L_DM_MLO.jpg", "P3_L_CM_MLO.jpg",
        "P4_R_DM_CC.jpg", "P4_R_CM_CC.jpg", "P5_L_DM_CC.jpg",
        "P6_R_DM_CC.jpg", "P6_R_CM_CC.jpg", "P7_L_DM_CC.jpg", "P7_L_CM_CC.jpg",
        "P8_R_DM_MLO.jpg", "P9_L_DM_CC.jpg", "P9_L_CM_CC.jpg",
    ]  # fmt: skip
    for seed, name in enumerate(names):
        images[name] = grey_image(seed)
    images["P8_R_CM_MLO.jpg"] = jpeg_bytes(grey_image(99))[:400]  # cut short
    sheet = [
        sheet_row("P1_L_DM_CC", "Malignant", birads="4$5", age=45, density="C"),
        sheet_row("P1_L_CM_CC", "Malignant", birads=5, age=45, density="C"),
        sheet_row("P1_L_DM_MLO", "Malignant", birads=5, age=45, density="C"),
        sheet_row("P1_L_CM_MLO", "Malignant", birads=5, age=45, density="C"),
        sheet_row("P2_R_DM_CC", "Benign", birads=3, age=61, density="a"),
        sheet_row("P2_R_CM_CC", "Benign", birads=3, age=61, density="A"),
        sheet_row("P2_R_DM_MLO", "Benign", birads=3, age=61, density="A"),
        sheet_row("P2_R_CM_MLO", "Benign", birads=3, age=61, density="A"),
        sheet_row("P3_L_DM_CC", "Normal", birads=1, age=38),
        sheet_row("P3_L_CM_CC", "Normal", birads=1, age=38),
        sheet_row("P3_L_DM_MLO", "Normal", birads=1, age=38),
        sheet_row("P3_L_CM_MLO", "Benign", birads=2, age=38),
        sheet_row("P4_R_DM_CC", "Benign", birads=4),
        sheet_row("P4_R_CM_CC", "Malignant", birads=4),
        sheet_row("P5_L_DM_CC", "Benign", birads=3),
        sheet_row("P6_R_DM_CC", "Benign", birads=3),
        sheet_row("P6_R_CM_CC", "Benign", birads=3),
        sheet_row("P8_R_DM_MLO", "Malignant", birads=5),
        sheet_row("P8_R_CM_MLO", "Malignant", birads=5),
        sheet_row("P9_L_DM_CC", "Benign", birads=3, age=50.0),
        sheet_row("P9_L_CM_CC", "Benign", birads=3, age=50.0),
        sheet_row("P9_L_CM_CC ", "Benign", birads=3, findings="second finding"),
        sheet_row("P99_R_DM_CC", "Benign", birads=3),
        {**sheet_row("P10_L_DM_CC", "Benign"), "Image_name": "P10-left"},  # not an image name
    ]
    via = [
        via_row("P1_L_CM_CC.jpg", 0, POLYGON, 2),
        via_row("P1_L_CM_CC.jpg", 1, SMALL_CIRCLE, 2),
        via_row("P1_L_DM_CC.jpg", 0, DM_ELLIPSE),
        via_row("P1_L_CM_MLO.jpg", 0, ROTATED_ELLIPSE, 2),
        via_row("P1_L_CM_MLO.jpg", 1, '{"name": "polygon", "all_points_x": [1, 2', 2),
        via_row("P2_R_CM_CC.jpg", 0, RECTANGLE, 2),
        via_row("P2_R_CM_CC.jpg", 1, POLYLINE, 2),
        via_row("P2_R_DM_MLO.jpg", 0, POINT),
        via_row("P3_L_CM_MLO.jpg", 0, CIRCLE),
        via_row("P3_L_DM_CC.jpg", 0, {}, 0),
        via_row("P4_R_CM_CC.jpg", 0, CIRCLE),
        via_row("P5_L_DM_CC.jpg", 0, CIRCLE),
        via_row("P7_L_CM_CC.jpg", 0, CIRCLE),
        via_row("P8_R_CM_MLO.jpg", 0, CIRCLE),
        via_row("P9_L_CM_CC.jpg", 0, CIRCLE),
        via_row("P99_R_CM_CC.jpg", 0, CIRCLE),
        via_row("P9_L_CM_CC.jpg", 1, {"name": "hexagon", "cx": 1}),
    ]
    return write_dataset(root, images, sheet, via)
