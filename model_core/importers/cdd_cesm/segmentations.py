"""The dataset's hand-drawn regions: a VGG Image Annotator (VIA) CSV export.

Columns ``#filename, file_size, file_attributes, region_count, region_id,
region_shape_attributes, region_attributes``; one row per region, or one row with
``region_count`` 0 and ``{}`` for an image without regions. ``region_shape_attributes`` is JSON
naming the shape and its coordinates in image pixels (x = column, y = row, from the top-left):

=========  =====================================================================
``polygon``   ``all_points_x``, ``all_points_y``: the outline's vertices
``polyline``  the same, an outline VIA leaves open
``ellipse``   ``cx``, ``cy``, ``rx``, ``ry`` and maybe ``theta`` (radians)
``circle``    ``cx``, ``cy``, ``r``
``rect``      ``x``, ``y``, ``width``, ``height``
``point``     ``cx``, ``cy``
=========  =====================================================================

A row that cannot be read (wrong number of fields, JSON that does not parse, a shape without its
coordinates, coordinates that are not finite numbers) is reported with its line and left out;
the other rows are read. A file without the three columns this needs is not a VIA export and
stops the import. The file is read through :mod:`model_core.formats.csv_text` (size limit,
UTF-8, line numbers as a text editor shows them).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from model_core.errors import DatasetImportError
from model_core.formats.csv_text import CsvTextError, csv_records, is_blank, read_csv_text
from model_core.importers.cdd_cesm.file_names import ImageName, parse_image_name
from model_core.importers.cdd_cesm.issues import ImportIssue

FILENAME: Final = "#filename"
REGION_ID: Final = "region_id"
SHAPE: Final = "region_shape_attributes"
REGION_COUNT: Final = "region_count"
#: Coordinates beyond this many pixels are not an outline on a mammogram but a broken value.
MAX_COORDINATE: Final = 1_000_000.0


@dataclass(frozen=True)
class Polygon:
    """An outline through vertices (x = column, y = row); ``closed`` is ``False`` for a VIA
    polyline, which is closed when rasterised (an outline of a lesion drawn without its last
    segment)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    closed: bool = True


@dataclass(frozen=True)
class Ellipse:
    """An ellipse of semi-axes ``rx`` (along x, before rotation) and ``ry``, rotated by
    ``theta`` radians; a circle has ``rx == ry``."""

    cx: float
    cy: float
    rx: float
    ry: float
    theta: float = 0.0


@dataclass(frozen=True)
class Rectangle:
    """A rectangle from (``x``, ``y``), ``width`` columns wide and ``height`` rows high."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Point:
    """A marked position without extent."""

    cx: float
    cy: float


Shape = Polygon | Ellipse | Rectangle | Point


@dataclass(frozen=True)
class Region:
    """One drawn region of one image.

    Attributes:
        image: the image it was drawn on.
        source: the segmentation file and line, as reports show them.
        region_id: VIA's region id, as written.
        kind: VIA's shape name (``polygon``, ``ellipse``...).
        shape: the shape's geometry.
    """

    image: ImageName
    source: str
    region_id: str
    kind: str
    shape: Shape


@dataclass(frozen=True)
class Segmentations:
    """Every readable region, and every row that could not be read."""

    regions: tuple[Region, ...]
    issues: tuple[ImportIssue, ...]


class ShapeError(ValueError):
    """A region's shape attributes do not describe a shape."""


def _number(attributes: dict[str, Any], key: str, *, positive: bool = False) -> float:
    value = attributes.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(f"'{key}' is {json.dumps(value)}, not a number")
    if not math.isfinite(value) or abs(value) > MAX_COORDINATE:
        raise ShapeError(f"'{key}' is {value}, not a coordinate on an image")
    if positive and value <= 0:
        raise ShapeError(f"'{key}' is {value}; it must be positive")
    return float(value)


def _points(attributes: dict[str, Any]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    xs, ys = attributes.get("all_points_x"), attributes.get("all_points_y")
    if not isinstance(xs, list) or not isinstance(ys, list):
        raise ShapeError("'all_points_x' and 'all_points_y' must be lists of numbers")
    if len(xs) != len(ys) or not xs:
        raise ShapeError(f"{len(xs)} x and {len(ys)} y coordinates; expected as many, at least 1")
    numbers = [_number({"x": x}, "x") for x in xs], [_number({"y": y}, "y") for y in ys]
    return tuple(numbers[0]), tuple(numbers[1])


def parse_shape(attributes: object) -> tuple[str, Shape]:
    """(VIA shape name, geometry) of a decoded ``region_shape_attributes``.

    Raises:
        ShapeError: not a JSON object, no or an unknown ``name``, missing or broken coordinates.
    """
    if not isinstance(attributes, dict):
        raise ShapeError("not a JSON object")
    kind = attributes.get("name")
    if kind in ("polygon", "polyline"):
        xs, ys = _points(attributes)
        return kind, Polygon(xs, ys, closed=kind == "polygon")
    if kind == "ellipse":
        theta = _number(attributes, "theta") if "theta" in attributes else 0.0
        return kind, Ellipse(
            _number(attributes, "cx"),
            _number(attributes, "cy"),
            _number(attributes, "rx", positive=True),
            _number(attributes, "ry", positive=True),
            theta,
        )
    if kind == "circle":
        radius = _number(attributes, "r", positive=True)
        return kind, Ellipse(_number(attributes, "cx"), _number(attributes, "cy"), radius, radius)
    if kind == "rect":
        return kind, Rectangle(
            _number(attributes, "x"),
            _number(attributes, "y"),
            _number(attributes, "width", positive=True),
            _number(attributes, "height", positive=True),
        )
    if kind == "point":
        return kind, Point(_number(attributes, "cx"), _number(attributes, "cy"))
    if kind is None:
        raise ShapeError("no shape 'name'")
    raise ShapeError(
        f"unknown shape {json.dumps(kind)} (polygon, polyline, ellipse, circle, rect or point)"
    )


def _region_count(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def read_segmentations(path: str | Path, shown: str) -> Segmentations:
    """Read the VIA export at ``path``; ``shown`` names it in messages.

    Raises:
        DatasetImportError: the file cannot be read as CSV text at all, or its header lacks
            ``#filename``, ``region_id`` or ``region_shape_attributes``.
    """
    try:
        text = read_csv_text(path)
    except CsvTextError as error:
        where = f", line {error.line}" if error.line else ""
        raise DatasetImportError(f"{shown}{where}: {error.message}") from None
    regions: list[Region] = []
    issues: list[ImportIssue] = []
    header: list[str] = []
    try:
        for line, fields in csv_records(text):
            if is_blank(fields):
                continue
            if not header:
                header = [name.strip() for name in fields]
                missing = [c for c in (FILENAME, REGION_ID, SHAPE) if c not in header]
                if missing:
                    raise DatasetImportError(
                        f"{shown}, line {line}: no column {', '.join(map(repr, missing))}; "
                        "not a VGG Image Annotator CSV export"
                    )
                continue
            source = f"{shown}, line {line}"
            if len(fields) != len(header):
                detail = f"{len(fields)} fields, but the header has {len(header)}; row left out"
                issues.append(ImportIssue(source, "malformed_row", detail, True))
                continue
            cells = {name: cell.strip() for name, cell in zip(header, fields, strict=True)}
            image = parse_image_name(cells[FILENAME])
            if image is None:
                detail = f"'{cells[FILENAME]}' is not a CDD-CESM image name; region left out"
                issues.append(ImportIssue(source, "malformed_row", detail, True))
                continue
            case_id = image.key.case_id
            try:
                attributes = json.loads(cells[SHAPE] or "{}")
            except ValueError as error:
                detail = f"{image.stem}, column '{SHAPE}': not JSON ({error}); region left out"
                issues.append(ImportIssue(source, "malformed_region", detail, True, case_id))
                continue
            if attributes == {}:
                if _region_count(cells.get(REGION_COUNT, "0")) != 0:
                    detail = f"{image.stem}: a region without a shape ({{}}); left out"
                    issues.append(ImportIssue(source, "malformed_region", detail, True, case_id))
                continue  # VIA's row for an image without regions
            try:
                kind, shape = parse_shape(attributes)
            except ShapeError as error:
                detail = f"{image.stem}, column '{SHAPE}': {error}; region left out"
                issues.append(ImportIssue(source, "malformed_region", detail, True, case_id))
                continue
            regions.append(Region(image, source, cells[REGION_ID], kind, shape))
    except CsvTextError as error:
        detail = f"{error.message}; the rows from here on are not read"
        issues.append(ImportIssue(f"{shown}, line {error.line}", "malformed_row", detail, True))
    if not header:
        raise DatasetImportError(f"{shown}: no header row")
    return Segmentations(tuple(regions), tuple(issues))
