"""The VGG Image Annotator export: every shape kind read, malformed rows reported by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from cdd_cesm_files import VIA_HEADER, via_row, write_via

from model_core.errors import DatasetImportError
from model_core.importers.cdd_cesm.segmentations import (
    Ellipse,
    Point,
    Polygon,
    Rectangle,
    read_segmentations,
)

NAME = "segmentations.csv"


def test_every_shape_kind_is_read(tmp_path: Path) -> None:
    path = write_via(
        tmp_path / NAME,
        [
            via_row(
                "P1_L_CM_CC.jpg",
                0,
                {"name": "polygon", "all_points_x": [1, 5, 5], "all_points_y": [1, 1, 6]},
            ),
            via_row(
                "P1_L_CM_CC.jpg",
                1,
                {"name": "polyline", "all_points_x": [2, 3], "all_points_y": [4, 5]},
            ),
            via_row(
                "P1_L_CM_CC.jpg",
                2,
                {"name": "ellipse", "cx": 10, "cy": 11, "rx": 4, "ry": 2, "theta": 0.5},
            ),
            via_row("P1_L_CM_CC.jpg", 3, {"name": "ellipse", "cx": 10, "cy": 11, "rx": 4, "ry": 2}),
            via_row("P1_L_CM_CC .jpg", 4, {"name": "circle", "cx": 7, "cy": 8, "r": 3}),
            via_row("P1_L_DM_CC.jpg", 0, {"name": "point", "cx": 3, "cy": 4}),
            via_row("P1_L_DM_CC.jpg", 1, {"name": "rect", "x": 1, "y": 2, "width": 3, "height": 4}),
            via_row("P2_L_DM_CC.jpg", 0, {}, 0),  # VIA's row for an image without regions
        ],
    )
    read = read_segmentations(path, NAME)
    assert read.issues == ()
    assert [(r.image.stem, r.region_id, r.kind) for r in read.regions] == [
        ("P1_L_CM_CC", "0", "polygon"),
        ("P1_L_CM_CC", "1", "polyline"),
        ("P1_L_CM_CC", "2", "ellipse"),
        ("P1_L_CM_CC", "3", "ellipse"),
        ("P1_L_CM_CC", "4", "circle"),
        ("P1_L_DM_CC", "0", "point"),
        ("P1_L_DM_CC", "1", "rect"),
    ]
    shapes = [region.shape for region in read.regions]
    assert shapes[0] == Polygon((1, 5, 5), (1, 1, 6), closed=True)
    assert shapes[1] == Polygon((2, 3), (4, 5), closed=False)
    assert shapes[2] == Ellipse(10, 11, 4, 2, 0.5)
    assert shapes[3] == Ellipse(10, 11, 4, 2, 0.0)
    assert shapes[4] == Ellipse(7, 8, 3, 3)
    assert shapes[5] == Point(3, 4)
    assert shapes[6] == Rectangle(1, 2, 3, 4)
    assert read.regions[1].source == f"{NAME}, line 3"


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (via_row("P1_L_CM_CC.jpg", 0, '{"name": "polygon", "all_points_x": [1,'), "not JSON"),
        (via_row("P1_L_CM_CC.jpg", 0, {"name": "hexagon"}), "unknown shape"),
        (via_row("P1_L_CM_CC.jpg", 0, {"cx": 1}), "no shape 'name'"),
        (via_row("P1_L_CM_CC.jpg", 0, {"name": "circle", "cx": 1, "cy": 2}), "'r'"),
        (via_row("P1_L_CM_CC.jpg", 0, {"name": "circle", "cx": 1, "cy": 2, "r": -3}), "positive"),
        (via_row("P1_L_CM_CC.jpg", 0, {"name": "point", "cx": "7", "cy": 2}), "not a number"),
        (via_row("P1_L_CM_CC.jpg", 0, {"name": "point", "cx": 1e300, "cy": 2}), "not a coordinate"),
        (via_row("P1_L_CM_CC.jpg", 0, '{"name": "point", "cx": NaN, "cy": 2}'), "not a coordinate"),
        (
            via_row(
                "P1_L_CM_CC.jpg",
                0,
                {"name": "polygon", "all_points_x": [1, 2], "all_points_y": [1]},
            ),
            "2 x and 1 y",
        ),
        (via_row("P1_L_CM_CC.jpg", 0, "[1, 2]"), "not a JSON object"),
        (via_row("P1_L_CM_CC.jpg", 0, {}, 1), "without a shape"),
        (via_row("notes.txt", 0, {"name": "point", "cx": 1, "cy": 2}), "not a CDD-CESM image"),
        (["P1_L_CM_CC.jpg", 1, 2], "3 fields"),
    ],
)
def test_a_malformed_row_is_reported_with_its_line_and_the_rest_is_read(
    tmp_path: Path, row: list, words: str
) -> None:
    good = via_row("P3_R_CM_MLO.jpg", 0, {"name": "circle", "cx": 5, "cy": 5, "r": 2})
    path = write_via(tmp_path / NAME, [good, row, good])
    read = read_segmentations(path, NAME)
    assert [region.source for region in read.regions] == [f"{NAME}, line 2", f"{NAME}, line 4"]
    (issue,) = read.issues
    assert issue.source == f"{NAME}, line 3"
    assert words in issue.detail
    assert issue.left_out


def test_an_unclosed_quote_stops_reading_there_and_keeps_what_came_before(tmp_path: Path) -> None:
    path = write_via(
        tmp_path / NAME, [via_row("P3_R_CM_MLO.jpg", 0, {"name": "point", "cx": 1, "cy": 1})]
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write('P4_R_CM_MLO.jpg,1,{},1,0,"{""name"": ""point"",0\n')
    read = read_segmentations(path, NAME)
    assert len(read.regions) == 1
    (issue,) = read.issues
    assert issue.source == f"{NAME}, line 3" and "not read" in issue.detail


def test_a_file_without_the_region_columns_is_not_a_via_export(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_text("filename,region\nP1_L_CM_CC.jpg,{}\n", encoding="utf-8")
    with pytest.raises(
        DatasetImportError, match=r"segmentations.csv, line 1: no column '#filename'"
    ):
        read_segmentations(path, NAME)


def test_a_file_that_is_not_text_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / NAME
    path.write_bytes(",".join(VIA_HEADER).encode() + b"\n\xff\xfe\x00garbage\n")
    with pytest.raises(DatasetImportError, match=r"segmentations.csv, line 2: is not UTF-8"):
        read_segmentations(path, NAME)
