"""The annotation workbook's sheet ``all``: values split at ``$``, bad cells reported by row
and column, a workbook that is not the dataset's refused with its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from cdd_cesm_files import SHEET_HEADER, sheet_row, write_sheet

from model_core.errors import DatasetImportError
from model_core.importers.cdd_cesm.annotation_sheet import read_annotation_sheet, split_cell
from model_core.importers.cdd_cesm.file_names import ImageName

NAME = "annotations.xlsx"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4$5", ("4", "5")),
        (" Benign $ Malignant ", ("Benign", "Malignant")),
        (4.0, ("4",)),
        (4, ("4",)),
        (4.5, ("4.5",)),
        ("", ()),
        (None, ()),
        ("$", ()),
    ],
)
def test_cells_split_at_dollar_signs(value: object, expected: tuple[str, ...]) -> None:
    assert split_cell(value) == expected


def test_rows_are_read_with_their_values(tmp_path: Path) -> None:
    path = write_sheet(
        tmp_path / NAME,
        [
            sheet_row("P1_L_DM_CC", "Malignant", birads="4a$5", age=45, density="c"),
            {},  # a blank row, skipped
            sheet_row("P2_R_CM_MLO ", "benign", birads=3.0, age="61", density=2),
        ],
    )
    sheet = read_annotation_sheet(path, NAME)
    assert sheet.issues == ()
    first, second = sheet.rows
    assert (first.row, first.image) == (2, ImageName(1, "L", "DM", "CC"))
    assert (first.pathology, first.bi_rads, first.age, first.breast_density) == (
        ("malignant",),
        ("4A", "5"),
        45.0,
        ("C",),
    )
    assert (second.row, second.image) == (4, ImageName(2, "R", "CM", "MLO"))
    assert (second.pathology, second.bi_rads, second.age, second.breast_density) == (
        ("benign",),
        ("3",),
        61.0,
        ("2",),
    )


@pytest.mark.parametrize(
    ("changes", "column", "words"),
    [
        ({"BIRADS": "7"}, "BIRADS", "unknown BI-RADS category '7'"),
        ({"Age": 190}, "Age", "outside 0–130"),
        ({"Age": "forty"}, "Age", "not a number"),
        ({"Age": "40$41"}, "Age", "several values"),
        ({"Breast density (ACR)": "E"}, "Breast density (ACR)", "unknown breast density 'E'"),
        ({"Pathology Classification/ Follow up": "Suspicious"}, "Pathology", "'Suspicious'"),
        ({"Side": "R"}, "Side", "the image name P1_L_DM_CC says otherwise"),
        ({"Type": "CESM"}, "Type", "says CESM"),
    ],
)
def test_an_unusable_cell_is_reported_with_row_and_column_and_the_row_kept(
    tmp_path: Path, changes: dict[str, object], column: str, words: str
) -> None:
    row = {**sheet_row("P1_L_DM_CC", "Malignant", birads=5), **changes}
    path = write_sheet(tmp_path / NAME, [sheet_row("P9_L_DM_CC", "Benign"), row])
    sheet = read_annotation_sheet(path, NAME)
    assert [read.image.stem for read in sheet.rows] == ["P9_L_DM_CC", "P1_L_DM_CC"]
    (issue,) = sheet.issues
    assert issue.source == f"{NAME}, sheet all, row 3"
    assert f"column '{column}" in issue.detail and words in issue.detail
    assert not issue.left_out


def test_a_row_without_an_image_name_is_reported_and_skipped(tmp_path: Path) -> None:
    bad = {**sheet_row("P1_L_DM_CC", "Benign"), "Image_name": "P1 left CC"}
    path = write_sheet(tmp_path / NAME, [bad, sheet_row("P2_L_DM_CC", "Benign")])
    sheet = read_annotation_sheet(path, NAME)
    assert [row.image.stem for row in sheet.rows] == ["P2_L_DM_CC"]
    (issue,) = sheet.issues
    assert issue.source.endswith("row 2") and "'P1 left CC'" in issue.detail and issue.left_out


def test_header_names_may_vary_in_case_and_spaces(tmp_path: Path) -> None:
    header = [name.upper().replace("/ ", " / ") for name in SHEET_HEADER]
    row = {
        name.upper().replace("/ ", " / "): value
        for name, value in sheet_row("P1_L_DM_CC", "Benign").items()
    }
    path = write_sheet(tmp_path / NAME, [row], header=header)
    (read,) = read_annotation_sheet(path, NAME).rows
    assert read.pathology == ("benign",)


def test_a_workbook_without_the_sheet_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    path = write_sheet(tmp_path / NAME, [sheet_row("P1_L_DM_CC", "Benign")], sheet="Sheet1")
    with pytest.raises(
        DatasetImportError, match=r"annotations.xlsx: no sheet 'all' \(sheets: CESM, Sheet1\)"
    ):
        read_annotation_sheet(path, NAME)


def test_a_sheet_without_the_pathology_column_is_refused(tmp_path: Path) -> None:
    header = SHEET_HEADER[:-1]
    path = write_sheet(tmp_path / NAME, [sheet_row("P1_L_DM_CC", "Benign")], header=header)
    with pytest.raises(
        DatasetImportError, match=r"row 1: no column 'Pathology Classification/ Follow up'"
    ):
        read_annotation_sheet(path, NAME)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"Image_name,Type\n"])
def test_a_file_that_is_not_a_workbook_is_refused_with_its_name(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / NAME
    path.write_bytes(content)
    with pytest.raises(
        DatasetImportError, match=r"annotations.xlsx: not a readable Excel workbook"
    ):
        read_annotation_sheet(path, NAME)


def test_a_folder_in_place_of_the_workbook_is_refused(tmp_path: Path) -> None:
    (tmp_path / NAME).mkdir()
    with pytest.raises(DatasetImportError, match="not a regular file"):
        read_annotation_sheet(tmp_path / NAME, NAME)
