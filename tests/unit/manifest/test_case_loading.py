"""Loading cases and validating their files: each kind of bad file, located and reported."""

from __future__ import annotations

import numpy as np
import pytest
from cesm_files import (
    COLUMNS,
    HEADER,
    ROWS,
    SPACING_MM,
    lesion,
    write_case_dicom,
    write_csv,
    write_itk,
    write_mask,
)

from model_core.errors import CaseError
from model_core.manifest import check_case, load_case, load_manifest, validate_manifest


def test_valid_cohort_loads_and_validates_clean(cohort):
    path = cohort.write()
    report = validate_manifest(path)
    assert report.ok, report.issues
    assert report.issues == ()
    assert report.summary() == "3 cases, 0 errors, 0 warnings"
    case = load_case(load_manifest(path), "C002")
    assert case.case_id == "C002"
    assert case.shape == (ROWS, COLUMNS)
    assert case.spacing_mm == (SPACING_MM, SPACING_MM)
    assert case.label == "benign"
    assert case.metadata["bi_rads"] == "3"
    assert case.mask is not None and case.mask.dtype == bool
    np.testing.assert_array_equal(case.mask, lesion(top=10))
    assert case.low_energy.source == str(cohort.images() / "C002_le.dcm")


def test_several_mask_regions_keep_the_largest_with_a_warning(cohort):
    mask = lesion(top=5, height=12) | lesion(top=30, left=50, height=11, width=10)
    write_mask(cohort.images() / "C001_mask.nii.gz", mask)
    manifest = load_manifest(cohort.write())
    check = check_case(manifest.row("C001"))
    (warning,) = check.issues
    assert (warning.severity, warning.line, warning.column) == ("warning", 2, "mask")
    assert "2 separate regions; the largest (120 of 230 pixels) is kept" in warning.message
    np.testing.assert_array_equal(load_case(manifest, "C001").mask, lesion(top=5, height=12))


@pytest.mark.parametrize(
    ("height", "width", "warned"),
    [(4, 6, True), (6, 8, False), (3, 40, False)],
    ids=["3.6-mm", "exactly-5-mm", "long-and-thin-20-mm"],
)
def test_lesion_under_5_mm_is_warned_with_its_longest_diameter(cohort, height, width, warned):
    write_mask(cohort.images() / "C001_mask.nii.gz", lesion(left=5, height=height, width=width))
    report = validate_manifest(cohort.write())
    assert report.ok
    # the pixel squares span (height x 0.5 mm) by (width x 0.5 mm): corner to corner
    diameter = np.hypot(height * SPACING_MM, width * SPACING_MM)
    if warned:
        (warning,) = report.warnings
        assert (warning.line, warning.case_id, warning.column) == (2, "C001", "mask")
        assert f"lesion is {diameter:.1f} mm across" in warning.message
    else:
        assert report.warnings == ()


def test_spacing_falls_back_to_the_manifest_column_for_png(cohort):
    pixels = np.arange(ROWS * COLUMNS, dtype=np.uint16).reshape(ROWS, COLUMNS)
    write_itk(cohort.images() / "le.png", pixels)
    write_itk(cohort.images() / "re.png", pixels)
    cohort.rows = [
        dict(
            cohort.rows[0],
            low_energy="images/le.png",
            recombined="images/re.png",
            pixel_spacing_mm="0.5",
        )
    ]
    header = ("case_id", "low_energy", "recombined", "mask", "label", "pixel_spacing_mm")
    manifest = load_manifest(cohort.write(header=header))
    assert load_case(manifest, "C001").spacing_mm == (0.5, 0.5)


def test_the_files_spacing_wins_over_a_disagreeing_column(cohort):
    cohort.rows[0]["pixel_spacing_mm"] = "0.1"
    header = ("case_id", "low_energy", "recombined", "mask", "label", "pixel_spacing_mm")
    manifest = load_manifest(cohort.write(header=header))
    check = check_case(manifest.row("C001"))
    assert check.case is not None and check.case.spacing_mm == (SPACING_MM, SPACING_MM)
    (warning,) = check.issues
    assert warning.column == "pixel_spacing_mm"
    assert "the file's spacing is used" in warning.message


def _missing_low_energy(cohort):
    (cohort.images() / "C002_le.dcm").unlink()
    return "low_energy", "C002_le.dcm", "no such file"


def _corrupt_recombined(cohort):
    (cohort.images() / "C002_re.dcm").write_bytes(b"not an image" * 10)
    return "recombined", "C002_re.dcm", "not a DICOM file"


def _shapes_differ(cohort):
    write_case_dicom(cohort.images() / "C002_re.dcm", np.zeros((ROWS, COLUMNS + 2), np.uint16))
    return "recombined", "C002_re.dcm", "shape (48, 66) differs from the low-energy image's"


def _spacings_differ(cohort):
    write_case_dicom(cohort.images() / "C002_re.dcm", PixelSpacing=[0.4, 0.4])
    return "recombined", "C002_re.dcm", "pixel spacing 0.4 × 0.4 mm differs"


def _laterality_differs(cohort):
    write_case_dicom(cohort.images() / "C002_re.dcm", laterality="R")
    return "recombined", "C002_re.dcm", "laterality R differs"


def _view_differs(cohort):
    write_case_dicom(cohort.images() / "C002_re.dcm", ViewPosition="MLO")
    return "recombined", "C002_re.dcm", "view MLO differs from the low-energy image's CC"


def _mask_shape_differs(cohort):
    write_mask(cohort.images() / "C002_mask.nii.gz", np.ones((COLUMNS, ROWS), bool))
    return "mask", "C002_mask.nii.gz", "rows and columns swapped?"


def _empty_mask(cohort):
    write_mask(cohort.images() / "C002_mask.nii.gz", np.zeros((ROWS, COLUMNS), bool))
    return "mask", "C002_mask.nii.gz", "mask is empty"


def _missing_mask(cohort):
    cohort.rows[1]["mask"] = "images/nope.nii.gz"
    return "mask", "nope.nii.gz", "no such file"


def _unknown_spacing(cohort):
    write_case_dicom(cohort.images() / "C002_le.dcm", PixelSpacing=None)
    write_case_dicom(cohort.images() / "C002_re.dcm", PixelSpacing=None)
    return "pixel_spacing_mm", None, "unknown pixel spacing"


BAD_CASES = [
    _missing_low_energy,
    _corrupt_recombined,
    _shapes_differ,
    _spacings_differ,
    _laterality_differs,
    _view_differs,
    _mask_shape_differs,
    _empty_mask,
    _missing_mask,
    _unknown_spacing,
]


@pytest.mark.parametrize("spoil", BAD_CASES, ids=[f.__name__.strip("_") for f in BAD_CASES])
def test_bad_case_is_located_by_line_column_and_file(cohort, spoil):
    column, file_name, fragment = spoil(cohort)
    path = cohort.write()
    report = validate_manifest(path)
    (error,) = report.errors
    assert (error.line, error.case_id, error.column) == (3, "C002", column)
    if file_name is None:
        assert error.path is None
    else:
        assert error.path == str(cohort.images() / file_name)
    assert fragment in error.message
    assert not report.ok and report.readable
    with pytest.raises(CaseError) as caught:
        load_case(load_manifest(path), "C002")
    assert "case C002" in str(caught.value) and fragment in str(caught.value)
    assert load_case(load_manifest(path), "C001").case_id == "C001"  # the others still load


def test_every_problem_of_every_case_is_reported_at_once(cohort):
    _missing_low_energy(cohort)
    _empty_mask(cohort)
    write_mask(cohort.images() / "C003_mask.nii.gz", lesion() | lesion(top=40, left=0, height=2))
    cohort.rows[2]["age"] = "unknown"
    cohort.rows.append(dict(cohort.rows[0]))  # duplicate C001
    report = validate_manifest(cohort.write())
    located = {(i.severity, i.line, i.column) for i in report.issues}
    assert located >= {
        ("error", 3, "low_energy"),
        ("error", 3, "mask"),
        ("error", 4, "age"),
        ("warning", 4, "mask"),
        ("error", 5, "case_id"),
        ("warning", 5, "mask"),  # the duplicate row's mask is also case C001's
    }
    assert (
        report.summary() == f"3 cases, {len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    assert [i.severity for i in report.issues] == sorted(
        (i.severity for i in report.issues), key=lambda s: s != "error"
    )


def test_issue_text_names_line_case_column_and_file(cohort):
    _empty_mask(cohort)
    (error,) = validate_manifest(cohort.write()).errors
    assert str(error) == (
        f"line 3, case C002, column mask ({cohort.images() / 'C002_mask.nii.gz'}): mask is empty"
    )


def test_progress_is_reported_per_case(cohort):
    seen = []
    validate_manifest(cohort.write(), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_same_image_for_both_energies_is_warned(cohort):
    cohort.rows[0]["recombined"] = cohort.rows[0]["low_energy"]
    report = validate_manifest(cohort.write())
    assert [(w.line, w.column, w.message) for w in report.warnings] == [
        (2, "recombined", "the same file as low_energy")
    ]


def test_manifest_laterality_disagreeing_with_the_file_is_warned(cohort):
    cohort.rows[0]["laterality"] = "R"
    (warning,) = validate_manifest(cohort.write()).warnings
    assert (warning.column, warning.message) == (
        "laterality",
        "manifest says R, the low-energy image says L",
    )


def test_manifest_view_disagreeing_with_the_file_is_warned(cohort):
    cohort.rows[0]["view"] = "MLO"
    (warning,) = validate_manifest(cohort.write(header=(*HEADER, "view"))).warnings
    assert (warning.line, warning.column, warning.message) == (
        2,
        "view",
        "manifest says MLO, the low-energy image says CC",
    )


def test_report_to_dict_is_json_ready(cohort):
    _empty_mask(cohort)
    data = validate_manifest(cohort.write()).to_dict()
    assert (data["cases"], data["errors"], data["warnings"], data["ok"]) == (3, 1, 0, False)
    assert data["issues"][0]["column"] == "mask"
    assert data["issues"][0]["line"] == 3


def test_manifest_without_mask_column_loads_cases_without_mask(tmp_path):
    write_case_dicom(tmp_path / "le.dcm")
    write_case_dicom(tmp_path / "re.dcm")
    header = ("case_id", "low_energy", "recombined", "label")
    path = write_csv(tmp_path / "m.csv", header, [["A", "le.dcm", "re.dcm", "benign"]])
    assert load_case(load_manifest(path), "A").mask is None
    (warning,) = validate_manifest(path).warnings
    assert (warning.line, warning.column) == (1, "mask")
