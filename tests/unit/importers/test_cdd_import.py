"""``import cdd-cesm`` end to end on a small copy of the dataset (tests/cdd_cesm_files.py):
the manifest, the images, the masks, the report, and what bad input changes (nothing)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk  # noqa: N813
from cdd_cesm_files import (
    CIRCLE,
    COLUMNS,
    IMPORTED,
    ROWS,
    grey_image,
    jpeg_bytes,
    sheet_row,
    via_row,
    write_dataset,
    write_standard_dataset,
)
from PIL import Image

from cesm_cli.main import main
from model_core.errors import DatasetImportError, OutputError
from model_core.importers.cdd_cesm import ImportSettings, import_cdd_cesm
from model_core.importers.cdd_cesm.rasterise import rasterise
from model_core.importers.cdd_cesm.segmentations import parse_shape
from model_core.manifest import load_manifest, validate_manifest

SPACING = 0.5


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(dataset root, output folder) of one import of the standard dataset."""
    base = tmp_path_factory.mktemp("cdd")
    tree = write_standard_dataset(base / "CDD-CESM")
    import_cdd_cesm(tree.root, base / "out", ImportSettings(pixel_spacing_mm=SPACING))
    return tree.root, base / "out"


def _issues(out: Path) -> list[dict[str, str]]:
    with (out / "import_issues.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _mask(out: Path, case_id: str) -> np.ndarray:
    return sitk.GetArrayFromImage(sitk.ReadImage(str(out / "masks" / f"{case_id}.nii.gz")))


def _expected(shape: dict) -> np.ndarray:
    return rasterise(parse_shape(shape)[1], ROWS, COLUMNS)


def test_the_manifest_holds_the_lesion_cases_with_their_sheet_values(
    imported: tuple[Path, Path],
) -> None:
    _, out = imported
    manifest = load_manifest(out / "manifest.csv")
    assert manifest.case_ids == IMPORTED
    cells = {row.case_id: row.cells for row in manifest.rows}
    p1 = cells["P1_L_CC"]
    assert (p1["patient_id"], p1["label"], p1["bi_rads"], p1["age"], p1["breast_density"]) == (
        "P1",
        "malignant",
        "5",  # '4$5' on one row, 5 on the others: the most suspicious
        "45",
        "C",
    )
    assert (p1["laterality"], p1["view"], p1["pixel_spacing_mm"]) == ("L", "CC", "0.5")
    assert cells["P2_R_CC"]["breast_density"] == "A"  # 'a' and 'A' are one category
    assert cells["P3_L_MLO"]["label"] == "benign"  # Normal on the DM row, Benign on the CESM row
    assert cells["P1_L_MLO"]["low_energy"] == "images/P1_L_MLO_low_energy.png"
    assert {row.metadata["patient_id"] for row in manifest.rows} == {"P1", "P2", "P3", "P9"}


def test_validate_accepts_the_result(imported: tuple[Path, Path]) -> None:
    _, out = imported
    report = validate_manifest(out / "manifest.csv", data_root="")
    assert report.ok and report.errors == ()
    assert main(["validate", str(out / "manifest.csv"), "--confine"]) == 0


def test_images_are_the_decoded_jpegs_losslessly(imported: tuple[Path, Path]) -> None:
    root, out = imported
    source = np.asarray(Image.open(root / "Low energy images of CDD-CESM" / "P1_L_DM_MLO .jpg"))
    written = np.asarray(Image.open(out / "images" / "P1_L_MLO_low_energy.png"))
    np.testing.assert_array_equal(written, source)
    recombined = np.asarray(Image.open(out / "images" / "P1_L_MLO_recombined.png"))
    assert not np.array_equal(recombined, source)


@pytest.mark.parametrize(
    ("case_id", "kept"),
    [
        ("P1_L_CC", "POLYGON"),  # larger than the circle; the DM ellipse is the other image's
        ("P1_L_MLO", "ROTATED_ELLIPSE"),
        ("P2_R_CC", "POLYLINE"),  # closed and filled, larger than the rectangle
        ("P2_R_MLO", "POINT"),
        ("P9_L_CC", "CIRCLE"),
    ],
)
def test_each_mask_is_the_kept_region_rasterised(
    imported: tuple[Path, Path], case_id: str, kept: str
) -> None:
    import cdd_cesm_files

    _, out = imported
    mask = _mask(out, case_id)
    np.testing.assert_array_equal(mask.astype(bool), _expected(getattr(cdd_cesm_files, kept)))
    image = sitk.ReadImage(str(out / "masks" / f"{case_id}.nii.gz"))
    assert image.GetSpacing() == pytest.approx((SPACING, SPACING))


def test_regions_csv_records_every_region_and_what_became_of_it(
    imported: tuple[Path, Path],
) -> None:
    _, out = imported
    with (out / "regions.csv").open(encoding="utf-8-sig", newline="") as handle:
        regions = [row for row in csv.DictReader(handle) if row["case_id"] == "P1_L_CC"]
    assert [(r["image"], r["shape"], r["status"]) for r in regions] == [
        ("P1_L_CM_CC", "polygon", "kept"),
        ("P1_L_CM_CC", "circle", "other lesion (smaller)"),
        (
            "P1_L_DM_CC",
            "ellipse",
            "drawn on the low-energy image; the recombined image's outline is used",
        ),
    ]
    assert int(regions[0]["area_pixels"]) == int(_mask(out, "P1_L_CC").sum())


@pytest.mark.parametrize(
    ("case_id", "reason", "source"),
    [
        ("P3_L_CC", "normal", "Radiology manual annotations.xlsx, sheet all, rows 10, 11"),
        (
            "P4_R_CC",
            "contradictory_label",
            "Radiology manual annotations.xlsx, sheet all, rows 14, 15",
        ),
        ("P5_L_CC", "unpaired", "Low energy images of CDD-CESM/P5_L_DM_CC.jpg"),
        ("P6_R_CC", "no_segmentation", "Low energy images of CDD-CESM/P6_R_DM_CC.jpg"),
        ("P7_L_CC", "no_annotation", "Low energy images of CDD-CESM/P7_L_DM_CC.jpg"),
        ("P8_R_MLO", "unreadable_image", "Subtracted images of CDD-CESM/P8_R_CM_MLO.jpg"),
        ("P99_R_CC", "unknown_image", "Radiology manual annotations.xlsx, sheet all, row 24"),
        ("P99_R_CC", "unknown_image", "Radiology_hand_drawn_segmentations_v2.csv, line 17"),
        ("P1_L_MLO", "malformed_region", "Radiology_hand_drawn_segmentations_v2.csv, line 6"),
    ],
)
def test_what_is_left_out_is_reported_with_its_file_and_row(
    imported: tuple[Path, Path], case_id: str, reason: str, source: str
) -> None:
    _, out = imported
    found = [i for i in _issues(out) if i["case_id"] == case_id and i["reason"] == reason]
    assert (source, "yes") in [(i["source"], i["left_out"]) for i in found]
    assert not (out / "masks" / f"{case_id}.nii.gz").exists() or reason == "malformed_region"


def test_notes_on_imported_cases_are_reported_too(imported: tuple[Path, Path]) -> None:
    _, out = imported
    notes = {(i["case_id"], i["reason"]) for i in _issues(out) if i["left_out"] == "no"}
    assert {("P3_L_MLO", "mixed_label"), ("P2_R_MLO", "point_region")} <= notes
    assert ("P1_L_CC", "disagreeing_value") in notes  # BI-RADS 4 and 5


def test_the_report_counts_cases_and_reasons_and_records_the_spacing(
    imported: tuple[Path, Path],
) -> None:
    _, out = imported
    report = json.loads((out / "import_report.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["cases"] == len(IMPORTED)
    assert summary["by_label"] == {"benign": 4, "malignant": 2}
    assert summary["by_view"] == {"CC": 3, "MLO": 3}
    assert summary["by_bi_rads"] == {"2": 1, "3": 3, "5": 2}
    issues = _issues(out)
    for reason, count in summary["left_out"].items():
        assert count == sum(i["reason"] == reason and i["left_out"] == "yes" for i in issues)
    assert report["settings"] == {
        "pixel_spacing_mm": SPACING,
        "pixel_spacing_source": "--pixel-spacing",
        "view": "both",
    }


def test_view_option_imports_one_view_and_reports_the_other(tmp_path: Path) -> None:
    tree = write_standard_dataset(tmp_path / "CDD")
    result = import_cdd_cesm(tree.root, tmp_path / "out", ImportSettings(view="MLO"))
    manifest = load_manifest(tmp_path / "out" / "manifest.csv")
    assert {row.metadata["view"] for row in manifest.rows} == {"MLO"}
    assert manifest.case_ids == ("P1_L_MLO", "P2_R_MLO", "P3_L_MLO")
    assert result.summary.left_out["other_view"] > 0
    assert result.settings.spacing_is_default
    assert {row.cells["pixel_spacing_mm"] for row in manifest.rows} == {"0.1"}


def _small_dataset(root: Path, recombined: np.ndarray | bytes | None = None) -> Path:
    """One benign case P1_L_CC and one malignant P2_R_CC, each with a circle."""
    images: dict[str, np.ndarray | bytes] = {
        "P1_L_DM_CC.jpg": grey_image(1),
        "P1_L_CM_CC.jpg": grey_image(2) if recombined is None else recombined,
        "P2_R_DM_CC.jpg": grey_image(3),
        "P2_R_CM_CC.jpg": grey_image(4),
    }
    rows = [
        sheet_row(name[:-4], label)
        for name, label in zip(images, ["Benign"] * 2 + ["Malignant"] * 2, strict=True)
    ]
    via = [via_row("P1_L_CM_CC.jpg", 0, CIRCLE), via_row("P2_R_CM_CC.jpg", 0, CIRCLE)]
    return write_dataset(root, images, rows, via).root


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (jpeg_bytes(grey_image(2))[:-600], "damaged or cut short"),
        (b"not a jpeg at all", "not a readable JPEG"),
        (grey_image(2, rows=ROWS + 4), "low-energy image 60 × 50, recombined image 64 × 50"),
    ],
    ids=["truncated", "garbage", "other-size"],
)
def test_a_bad_jpeg_is_reported_by_name_and_the_rest_imported(
    tmp_path: Path, content: np.ndarray | bytes, words: str
) -> None:
    root = _small_dataset(tmp_path / "CDD", recombined=content)
    result = import_cdd_cesm(root, tmp_path / "out", ImportSettings(pixel_spacing_mm=SPACING))
    assert load_manifest(result.manifest).case_ids == ("P2_R_CC",)
    (issue,) = [i for i in result.issues if i.case_id == "P1_L_CC"]
    assert issue.source == "Subtracted images of CDD-CESM/P1_L_CM_CC.jpg"
    assert words in issue.detail and issue.left_out


def test_colour_jpegs_of_a_grey_picture_are_read_and_true_colour_refused(tmp_path: Path) -> None:
    grey = grey_image(2)
    colour = np.stack([grey, grey, grey], axis=2)
    tinted = colour.copy()
    tinted[..., 0] = 255 - grey
    rgb = {"grey": colour, "tinted": tinted}
    for name, pixels in rgb.items():
        root = _small_dataset(tmp_path / name, recombined=_jpeg_rgb(pixels))
        result = import_cdd_cesm(root, tmp_path / f"out-{name}", ImportSettings(0.5))
        cases = load_manifest(result.manifest).case_ids
        assert cases == (("P1_L_CC", "P2_R_CC") if name == "grey" else ("P2_R_CC",))
    written = np.asarray(Image.open(tmp_path / "out-grey" / "images" / "P1_L_CC_recombined.png"))
    assert np.abs(written.astype(int) - grey.astype(int)).max() <= 8  # JPEG's loss only


def _jpeg_rgb(pixels: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_an_interrupted_import_leaves_no_output_folder(tmp_path: Path) -> None:
    root = _small_dataset(tmp_path / "CDD")
    before = _listing(tmp_path)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_cdd_cesm(root, tmp_path / "out", ImportSettings(0.5), progress=interrupt)
    assert not (tmp_path / "out").exists()
    assert _listing(tmp_path) == before  # no staging folder left either


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (
            lambda root: (root / "Radiology manual annotations.xlsx").write_bytes(b"garbage"),
            "not a readable Excel",
        ),
        (
            lambda root: (root / "Radiology manual annotations.xlsx").unlink(),
            "no file 'Radiology manual annotations.xlsx'",
        ),
        (
            lambda root: (root / "Radiology_hand_drawn_segmentations_v2.csv").write_text(
                "a,b\n1,2\n"
            ),
            "no column '#filename'",
        ),
        (
            lambda root: os.rename(root / "Subtracted images of CDD-CESM", root / "other"),
            "no folder 'Subtracted images",
        ),
    ],
    ids=["sheet-garbage", "sheet-missing", "via-header", "folder-missing"],
)
def test_a_broken_dataset_stops_the_import_and_writes_nothing(
    tmp_path: Path, damage, words: str
) -> None:
    root = _small_dataset(tmp_path / "CDD")
    damage(root)
    before = _listing(tmp_path)
    with pytest.raises(DatasetImportError, match=words):
        import_cdd_cesm(root, tmp_path / "out", ImportSettings(0.5))
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("spacing", [0.0, -0.1, 5.0, float("nan")])
def test_an_impossible_spacing_is_refused_before_anything_is_read(
    tmp_path: Path, spacing: float
) -> None:
    with pytest.raises(DatasetImportError, match="--pixel-spacing"):
        import_cdd_cesm(tmp_path / "nowhere", tmp_path / "out", ImportSettings(spacing))
    assert not (tmp_path / "out").exists()


def test_a_dataset_without_any_usable_case_writes_nothing(tmp_path: Path) -> None:
    images = {"P1_L_DM_CC.jpg": grey_image(1), "P1_L_CM_CC.jpg": grey_image(2)}
    rows = [sheet_row("P1_L_DM_CC", "Normal"), sheet_row("P1_L_CM_CC", "Normal")]
    root = write_dataset(tmp_path / "CDD", images, rows, []).root
    with pytest.raises(DatasetImportError, match=r"no case could be imported \(1 normal\)"):
        import_cdd_cesm(root, tmp_path / "out", ImportSettings(0.5))
    assert not (tmp_path / "out").exists()


def test_a_second_import_replaces_its_own_output_but_never_foreign_files(tmp_path: Path) -> None:
    root = _small_dataset(tmp_path / "CDD")
    out = tmp_path / "out"
    import_cdd_cesm(root, out, ImportSettings(0.5))
    second = import_cdd_cesm(root, out, ImportSettings(0.25))
    assert {r.cells["pixel_spacing_mm"] for r in load_manifest(second.manifest).rows} == {"0.25"}
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"notes\.txt"):
        import_cdd_cesm(root, out, ImportSettings(0.5))
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_dataset_may_sit_one_folder_down_with_hyphenated_names(tmp_path: Path) -> None:
    root = _small_dataset(tmp_path / "download" / "CDD-CESM")
    os.rename(
        root / "Radiology manual annotations.xlsx", root / "Radiology-manual-annotations.xlsx"
    )
    result = import_cdd_cesm(tmp_path / "download", tmp_path / "out", ImportSettings(0.5))
    assert load_manifest(result.manifest).case_ids == ("P1_L_CC", "P2_R_CC")
