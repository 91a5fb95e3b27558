"""``cesm-reader preprocess``: writes exactly what the model sees, and nothing on error."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from cesm_files import write_itk
from PIL import Image

from cesm_cli.main import main
from model_core.manifest import load_case, load_manifest
from model_core.preprocessing import preprocess_arrays, preprocess_case
from model_core.staged_output import RECORD_FILE

ROW_SPACING, COL_SPACING = 0.1, 0.15  # anisotropic, so that a swapped axis shows
ITK_SPACING = (COL_SPACING, ROW_SPACING)  # ITK order: x = column, y = row


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes: 'nothing changed' is equality."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def study(tmp_path: Path, make_ellipse) -> dict:
    """A manifest of two cases in ``tmp_path/data``: C1 with a mask, C2 without."""
    data = tmp_path / "data"
    data.mkdir()
    shape = (160, 200)
    rng = np.random.default_rng(9)
    rows, cols = np.mgrid[: shape[0], : shape[1]].astype(np.float32)
    low_energy = (800.0 + 2.0 * cols + rng.normal(0, 5, shape)).astype(np.float32)
    recombined = (100.0 + 1.5 * rows + rng.normal(0, 5, shape)).astype(np.float32)
    mask = make_ellipse(shape, (70, 120), (12, 20))
    write_itk(data / "c1_le.mha", low_energy, ITK_SPACING)
    write_itk(data / "c1_re.mha", recombined, ITK_SPACING)
    write_itk(data / "c1_mask.nrrd", mask.astype(np.uint8), ITK_SPACING)
    (data / "manifest.csv").write_text(
        "case_id,low_energy,recombined,label,mask\n"
        "C1,c1_le.mha,c1_re.mha,malignant,c1_mask.nrrd\n"
        "C2,c1_le.mha,c1_re.mha,benign,\n",
        encoding="utf-8",
    )
    return {
        "manifest": data / "manifest.csv",
        "out": tmp_path / "out",
        "arrays": (low_energy, recombined, mask),
    }


def _expected(study: dict, backbone: str) -> np.ndarray:
    case = load_case(load_manifest(study["manifest"]), "C1")
    from_case = preprocess_case(case, backbone).image
    # Independently of the readers: the arrays we wrote, with the spacing we wrote.
    from_arrays = preprocess_arrays(
        *study["arrays"], (ROW_SPACING, COL_SPACING), backbone=backbone
    ).image
    np.testing.assert_array_equal(from_case, from_arrays)
    return from_case


def _run(study: dict, case_id: str, backbone: str, out: Path, *options: str) -> int:
    return main(
        [
            "preprocess",
            str(study["manifest"]),
            "--case",
            case_id,
            "--backbone",
            backbone,
            "--out",
            str(out),
            *options,
        ]
    )


@pytest.mark.parametrize(("backbone", "size"), [("xception", 299), ("densenet121", 224)])
def test_png_output_is_what_the_model_sees(study: dict, backbone: str, size: int, capsys) -> None:
    out = study["out"] / "c1.png"
    assert _run(study, "C1", backbone, out) == 0
    with Image.open(out) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (size, size))
        pixels = np.asarray(image)
    np.testing.assert_array_equal(pixels, _expected(study, backbone))
    assert "wrote" in capsys.readouterr().out
    # no temporary file left; the record says preprocess wrote c1.png
    assert sorted(p.name for p in study["out"].iterdir()) == [RECORD_FILE, "c1.png"]


@pytest.mark.parametrize(("backbone", "size"), [("resnet50", 224), ("xception", 299)])
def test_npy_output_is_what_the_model_sees(study: dict, backbone: str, size: int) -> None:
    out = study["out"] / "c1.NPY"
    assert _run(study, "C1", backbone, out) == 0
    array = np.load(out, allow_pickle=False)
    assert array.dtype == np.uint8 and array.shape == (size, size, 3)
    np.testing.assert_array_equal(array, _expected(study, backbone))


@pytest.mark.parametrize(
    ("case_id", "message"),
    [("C404", "C404"), ("C2", "mask")],
    ids=["unknown case", "case without mask"],
)
def test_errors_write_nothing_and_keep_an_existing_output(
    study: dict, tmp_path: Path, case_id: str, message: str, capsys
) -> None:
    out = study["out"] / "c.npy"
    out.parent.mkdir()
    out.write_bytes(b"previous result")
    before = _snapshot(tmp_path)
    assert _run(study, case_id, "xception", out, "--overwrite") == 2
    error = capsys.readouterr().err
    assert "cesm-reader preprocess: error:" in error and message in error
    assert "Traceback" not in error
    assert _snapshot(tmp_path) == before


def test_output_folder_that_is_a_file_is_an_error(study: dict, tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    before = _snapshot(tmp_path)
    assert _run(study, "C1", "xception", blocker / "c1.png") == 2
    assert "cannot write" in capsys.readouterr().err
    assert _snapshot(tmp_path) == before


def test_output_that_is_a_folder_is_an_error(study: dict, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "result.png"
    folder.mkdir()
    before = _snapshot(tmp_path)
    assert _run(study, "C1", "xception", folder) == 2
    assert "is a folder" in capsys.readouterr().err
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--backbone", "xception", "--out", "x.jpg"], "unknown output extension '.jpg'"),
        (["--backbone", "xception", "--out", "x"], "unknown output extension '(none)'"),
        (["--backbone", "vgg16", "--out", "x.png"], "invalid choice: 'vgg16'"),
    ],
    ids=["jpg", "no extension", "unknown backbone"],
)
def test_bad_arguments_are_refused_before_anything_runs(
    tmp_path: Path, monkeypatch, arguments: list[str], message: str, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.csv").write_text("case_id\n", encoding="utf-8")
    before = _snapshot(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main(["preprocess", "manifest.csv", "--case", "C1", *arguments])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert _snapshot(tmp_path) == before


def test_end_to_end_on_a_synthetic_dicom_cohort(tmp_path: Path) -> None:
    """``synth`` writes DICOM pairs and NIfTI masks; ``preprocess`` reads them through the
    manifest API and writes what :func:`preprocess_case` gives for the same case."""
    cohort = tmp_path / "cohort"
    synth = ["synth", "--out", str(cohort), "--cases", "1", "--seed", "3", "--size", "small"]
    assert main([*synth, "--quiet"]) == 0
    manifest = load_manifest(cohort / "manifest.csv")
    case_id = manifest.rows[0].case_id
    out = tmp_path / "x.npy"
    arguments = ["--case", case_id, "--backbone", "densenet121", "--out", str(out)]
    assert main(["preprocess", str(cohort / "manifest.csv"), *arguments]) == 0
    case = load_case(manifest, case_id)
    expected = preprocess_case(case, "densenet121")
    np.testing.assert_array_equal(np.load(out), expected.image)
    # At least 5 mm of image around the lesion on every side, unless the border came first.
    rows = np.flatnonzero(case.mask.any(axis=1))
    cols = np.flatnonzero(case.mask.any(axis=0))
    box = expected.crop_box
    row_mm, col_mm = case.spacing_mm
    five = 5.0 - 1e-9
    assert box.row_start == 0 or (rows[0] - box.row_start) * row_mm >= five
    assert box.col_start == 0 or (cols[0] - box.col_start) * col_mm >= five
    assert box.row_stop == case.shape[0] or (box.row_stop - 1 - rows[-1]) * row_mm >= five
    assert box.col_stop == case.shape[1] or (box.col_stop - 1 - cols[-1]) * col_mm >= five
    # ... and less than one more pixel than that (the margin is rounded up, not padded).
    assert box.row_start == 0 or (rows[0] - box.row_start - 1) * row_mm < five
    assert set(np.unique(expected.mask)) == {0, 255}
