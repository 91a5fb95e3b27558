"""Manifest CSV structure: typed rows, line numbers, and every structural problem reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from cesm_files import HEADER, write_csv

from model_core.errors import ManifestError
from model_core.manifest import load_manifest, validate_manifest


def test_valid_manifest_gives_typed_rows_with_absolute_paths(cohort):
    cohort.rows[0].update(bi_rads="4c", label="Malignant", laterality="l")
    path = cohort.write()
    manifest = load_manifest(path)
    assert manifest.path == path
    assert manifest.case_ids == ("C001", "C002", "C003")
    first = manifest.row("C001")
    assert first.line == 2
    assert first.low_energy == cohort.folder / "images" / "C001_le.dcm"
    assert first.low_energy.is_absolute()
    assert first.mask == cohort.folder / "images" / "C001_mask.nii.gz"
    assert first.label == "malignant"
    assert first.metadata == {"age": 41.0, "bi_rads": "4C", "laterality": "L"}
    assert manifest.warnings == ()


def test_optional_columns_are_typed_and_unknown_columns_kept_as_text(tmp_path):
    header = [*HEADER, "diameter_cm", "view", "pixel_spacing_mm", "center", "scanner"]
    row = ["A", "a.dcm", "b.dcm", "", "", "", "", "", "1.5", "mlo", "0.07\\0.08", "", "Senographe"]
    manifest = load_manifest(write_csv(tmp_path / "m.csv", header, [row]))
    (only,) = manifest.rows
    assert only.label is None
    assert only.mask is None
    assert only.pixel_spacing_mm == (0.07, 0.08)
    assert only.metadata == {
        "age": None,
        "bi_rads": None,
        "laterality": None,
        "diameter_cm": 1.5,
        "view": "MLO",
        "center": None,
        "scanner": "Senographe",
    }
    assert [(w.column, w.message) for w in manifest.warnings] == [
        ("scanner", "unknown column, kept as text"),
        ("mask", "no mask: the classifier cannot be applied to this case"),
    ]


def test_breast_density_is_a_known_column_with_its_categories(tmp_path):
    header = ["case_id", "low_energy", "recombined", "label", "breast_density"]
    rows = [["A", "a.png", "b.png", "", "c"], ["B", "a.png", "b.png", "", "2"]]
    manifest = load_manifest(write_csv(tmp_path / "m.csv", header, rows))
    assert [row.metadata["breast_density"] for row in manifest.rows] == ["C", "2"]
    assert "breast_density" not in {warning.column for warning in manifest.warnings}
    bad = write_csv(tmp_path / "bad.csv", header, [["A", "a.png", "b.png", "", "dense"]])
    with pytest.raises(ManifestError, match=r"line 2.*breast_density.*unknown breast density"):
        load_manifest(bad)


@pytest.mark.parametrize(("cell", "expected"), [("0.07", (0.07, 0.07)), ("0.1\\0.2", (0.1, 0.2))])
def test_pixel_spacing_column_isotropic_or_row_column(tmp_path, cell, expected):
    path = write_csv(
        tmp_path / "m.csv",
        ["case_id", "low_energy", "recombined", "label", "pixel_spacing_mm"],
        [["A", "a.png", "b.png", "benign", cell]],
    )
    assert load_manifest(path).row("A").pixel_spacing_mm == expected


def test_paths_resolve_against_the_manifest_folder_not_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "study").mkdir()
    header = ("case_id", "low_energy", "recombined", "label")
    path = write_csv(tmp_path / "study" / "m.csv", header, [["A", "../x/a.dcm", "b.dcm", ""]])
    monkeypatch.chdir("/")
    row = load_manifest(path).row("A")
    assert row.low_energy == tmp_path / "x" / "a.dcm"
    assert row.recombined == tmp_path / "study" / "b.dcm"


def test_line_numbers_count_quoted_newlines_and_blank_lines(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "case_id,low_energy,recombined,label,clinical_history\n"
        'A,a.dcm,b.dcm,benign,"palpable lump,\nleft breast"\n'
        "\n"
        ",,,,\n"
        "B,c.dcm,d.dcm,malignant,\n",
        encoding="utf-8",
    )
    manifest = load_manifest(path)
    assert [(row.case_id, row.line) for row in manifest.rows] == [("A", 2), ("B", 6)]
    assert manifest.row("A").metadata["clinical_history"] == "palpable lump,\nleft breast"


def test_blank_lines_before_the_header_are_skipped_like_blank_rows(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"\r\n,,,\r\ncase_id,low_energy,recombined,label\r\nA,a.dcm,b.dcm,\r\n")
    manifest = load_manifest(path)
    assert [(row.case_id, row.line) for row in manifest.rows] == [("A", 4)]
    (warning,) = manifest.warnings
    assert (warning.line, warning.column) == (3, "mask")  # located on the header's own line


def test_byte_order_mark_from_excel_is_accepted(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("case_id,low_energy,recombined,label\nA,a.dcm,b.dcm,\n".encode("utf-8-sig"))
    assert load_manifest(path).case_ids == ("A",)


def test_unknown_case_is_a_manifest_error(cohort):
    manifest = load_manifest(cohort.write())
    with pytest.raises(ManifestError, match="no case 'C999'"):
        manifest.row("C999")


# ------------------------------------------------------------- one structural problem each

BASE = ["C001", "a.dcm", "b.dcm", "", "benign", "50", "4A", "L"]


def _with(**changes: str) -> list[str]:
    row = dict(zip(HEADER, BASE, strict=True))
    row.update(changes)
    return [row[column] for column in HEADER]


STRUCTURAL = [
    # (id, header, data rows, line, column, message fragment)
    ("duplicate-id", HEADER, [BASE, _with(low_energy="c.dcm")], 3, "case_id", "duplicate"),
    ("unknown-label", HEADER, [_with(label="suspicious")], 2, "label", "unknown label"),
    ("bad-bi-rads", HEADER, [_with(bi_rads="4D")], 2, "bi_rads", "unknown BI-RADS"),
    ("age-not-number", HEADER, [_with(age="fifty")], 2, "age", "is not a number"),
    ("age-range", HEADER, [_with(age="-3")], 2, "age", "outside 0–130"),
    ("bad-laterality", HEADER, [_with(laterality="left")], 2, "laterality", "expected L or R"),
    ("empty-case-id", HEADER, [_with(case_id="")], 2, "case_id", "case_id is empty"),
    ("no-low-energy", HEADER, [_with(low_energy="")], 2, "low_energy", "no file given"),
    ("field-count", HEADER, [BASE[:-2]], 2, None, "the row has 6 fields, but the header has 8"),
    (
        "missing-column",
        ("case_id", "low_energy", "recombined"),
        [["A", "a.dcm", "b.dcm"]],
        1,
        "label",
        "required column is missing",
    ),
    (
        "capitalised-column",
        ("case_id", "low_energy", "recombined", "Label"),
        [["A", "a.dcm", "b.dcm", "benign"]],
        1,
        "label",
        "found 'Label'",
    ),
    (
        "decimal-comma",
        ("case_id", "low_energy", "recombined", "label", "diameter_cm"),
        [["A", "a.dcm", "b.dcm", "benign", "1,5"]],
        2,
        "diameter_cm",
        "use '.' as the decimal separator",
    ),
    (
        "bad-spacing",
        ("case_id", "low_energy", "recombined", "label", "pixel_spacing_mm"),
        [["A", "a.dcm", "b.dcm", "benign", "0.1\\0"]],
        2,
        "pixel_spacing_mm",
        "must be positive",
    ),
    (
        "duplicate-column",
        ("case_id", "low_energy", "recombined", "label", "label"),
        [["A", "a.dcm", "b.dcm", "benign", "benign"]],
        1,
        "label",
        "appears more than once",
    ),
]


@pytest.mark.parametrize(
    ("header", "rows", "line", "column", "fragment"),
    [case[1:] for case in STRUCTURAL],
    ids=[case[0] for case in STRUCTURAL],
)
def test_structural_problem_is_located_and_refused(tmp_path, header, rows, line, column, fragment):
    path = write_csv(tmp_path / "m.csv", header, rows)
    report = validate_manifest(path)
    located = [
        issue
        for issue in report.errors
        if issue.line == line and issue.column == column and fragment in issue.message
    ]
    assert located, report.errors
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert str(path) in str(caught.value)
    assert fragment in str(caught.value)
    assert f"line {line}" in str(caught.value)


def test_load_manifest_lists_every_problem_at_once(tmp_path):
    rows = [
        _with(age="old"),
        _with(case_id="C002", label="maybe"),
        _with(case_id="C003", bi_rads="7"),
    ]
    path = write_csv(tmp_path / "m.csv", HEADER, rows)
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert "3 problems" in message
    for expected in (
        "line 2, case C001, column age",
        "line 3, case C002, column label",
        "line 4, case C003, column bi_rads",
    ):
        assert expected in message


# ------------------------------------------------------------------- not a manifest at all


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.csv"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.csv"
    path.write_text("  \n", encoding="utf-8")
    return path


def _latin1(tmp_path: Path) -> Path:
    path = tmp_path / "latin1.csv"
    path.write_bytes("case_id,low_energy,recombined,label\nA,é.dcm,b.dcm,\n".encode("latin-1"))
    return path


def _only_empty_cells(tmp_path: Path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text(",,,\n,,,\n", encoding="utf-8")
    return path


def _no_header(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "m.csv", ["C001", "a.dcm", "b.dcm", "benign"], [])


def _semicolons(tmp_path: Path) -> Path:
    path = tmp_path / "m.csv"
    path.write_text("case_id;low_energy;recombined;label\nA;a.dcm;b.dcm;benign\n", "utf-8")
    return path


def _reads_export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "reads.csv", ["case_id", "label", "decision"], [["A", "", "1"]])


def _folder(tmp_path: Path) -> Path:
    return tmp_path


NOT_A_MANIFEST = [
    (_missing, None, "file not found"),
    (_empty, None, "is empty (no header, no rows)"),
    (_only_empty_cells, None, "is empty (no header, no rows)"),
    (_latin1, 2, "not UTF-8 text (byte 0xE9)"),
    (_no_header, 1, "no header row"),
    (_semicolons, 1, "seems to use ';' as separator"),
    (_reads_export, 1, "required column is missing"),
    (_folder, None, "is a folder"),
]


@pytest.mark.parametrize(
    ("make", "line", "fragment"),
    NOT_A_MANIFEST,
    ids=[
        "missing",
        "empty",
        "only-empty-cells",
        "latin-1",
        "no-header",
        "semicolons",
        "reads-export",
        "folder",
    ],
)
def test_not_a_manifest_is_reported_unreadable(tmp_path, make, line, fragment):
    path = make(tmp_path)
    report = validate_manifest(path)
    assert not report.readable
    assert not report.ok
    assert any(i.line == line and fragment in i.message for i in report.errors), report.errors
    with pytest.raises(ManifestError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        load_manifest(path)


def test_unclosed_quote_is_malformed_csv(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        'case_id,low_energy,recombined,label\nA,a.dcm,b.dcm,benign\nB,"c.dcm,d.dcm,benign\n',
        encoding="utf-8",
    )
    report = validate_manifest(path)
    assert any("malformed CSV" in i.message and i.line == 3 for i in report.errors), report.errors


def test_header_only_manifest_is_readable_but_warned(tmp_path):
    report = validate_manifest(write_csv(tmp_path / "m.csv", HEADER, []))
    assert report.readable and report.ok
    assert [i.message for i in report.warnings] == ["the manifest has a header but no cases"]


def test_unusual_view_is_a_warning_not_an_error(tmp_path):
    header = ("case_id", "low_energy", "recombined", "label", "view")
    path = write_csv(tmp_path / "m.csv", header, [["A", "a.dcm", "b.dcm", "", "ml"]])
    manifest = load_manifest(path)
    assert manifest.row("A").metadata["view"] == "ML"
    assert any(w.column == "view" and "neither CC nor MLO" in w.message for w in manifest.warnings)


# ------------------------------------------------------------ spreadsheet leftovers, columns


def test_excel_s_empty_trailing_columns_are_ignored(cohort):
    path = cohort.write(header=(*HEADER, "", ""))
    report = validate_manifest(path)
    assert report.errors == ()
    assert load_manifest(path).columns == HEADER


def test_a_trailing_column_with_a_value_needs_a_name(cohort):
    cohort.rows[1][""] = "stray note"
    path = cohort.write(header=(*HEADER, ""))
    report = validate_manifest(path)
    assert [(i.line, i.column, i.message) for i in report.errors] == [
        (1, None, "header cell 9 (spreadsheet column I) is empty: every column needs a name")
    ]


def test_a_duplicated_column_is_an_error_of_a_readable_manifest(cohort):
    """Exit 1, not 2: the cases can still be checked (the column is read where it first is)."""
    path = cohort.write(header=(*HEADER, "age"))
    report = validate_manifest(path)
    assert report.readable
    assert [(i.line, i.column, i.message) for i in report.errors] == [
        (1, "age", "column 'age' appears more than once")
    ]
    assert report.cases == 3


def test_a_duplicated_case_column_makes_it_not_a_manifest(cohort):
    path = cohort.write(header=(*HEADER, "low_energy"))
    report = validate_manifest(path)
    assert not report.readable
    assert [(i.column, i.message) for i in report.errors] == [
        ("low_energy", "column 'low_energy' appears more than once")
    ]


# ------------------------------------------------------------- characters a terminal acts on

HOSTILE_ID = "X\x1b[2J\x1b[31mFAKE OK"


@pytest.mark.parametrize(
    ("column", "value", "what"),
    [
        ("case_id", HOSTILE_ID, "case_id"),
        ("case_id", "C\u202efdp.exe", "case_id"),
        ("case_id", "C\x85D", "case_id"),
        ("case_id", "C\x7fD", "case_id"),
        ("patient_id", "P\x1b]0;title\x07", "patient_id"),
        ("low_energy", "images/C002_le.dcm\x1b[1A", "the file name"),
        ("mask", "images/\u2066C002_mask.nii.gz", "the file name"),
    ],
)
def test_ids_and_file_names_with_terminal_controls_are_refused(cohort, column, value, what):
    cohort.rows[1][column] = value
    path = cohort.write(header=(*HEADER, "patient_id"))
    report = validate_manifest(path)
    (error,) = report.errors
    assert (error.line, error.column) == (3, column)
    assert error.message.startswith(f"{what} {value!r} holds ")
    assert value not in str(error) and value not in error.message
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    assert value not in str(caught.value)
    assert repr(value) in str(caught.value)


def test_a_case_with_a_refused_id_is_not_a_case(cohort):
    cohort.rows[1]["case_id"] = HOSTILE_ID
    report = validate_manifest(cohort.write())
    assert report.cases == 2
    assert report.errors[0].case_id is None  # the location does not repeat it


def test_other_cells_are_shown_escaped_in_messages(cohort):
    cohort.rows[1]["label"] = "benign\x1b[2J"
    report = validate_manifest(cohort.write())
    (error,) = report.errors
    assert "\x1b" in error.message  # as the parser worded it
    assert "\x1b" not in str(error) and "\\x1b[2J" in str(error)  # as it is printed


def test_a_column_name_with_terminal_controls_is_refused(cohort):
    path = cohort.write(header=(*HEADER, "note\x1b[2J"))
    report = validate_manifest(path)
    (error,) = report.errors
    assert (error.line, error.column) == (1, None)
    assert error.message.startswith("the column name 'note\\x1b[2J' holds '\\x1b'")
