"""pydicom and SimpleITK read back what synth writes: values, geometry, identity, relations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK
from synth_files import read_manifest

from model_core.io.dicom_image import read_dicom_image
from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.dicom_writer import LOW_ENERGY_IMAGE_TYPE, RECOMBINED_IMAGE_TYPE


def _pair(folder: Path, row: dict[str, str]) -> tuple[pydicom.Dataset, pydicom.Dataset]:
    return pydicom.dcmread(folder / row["low_energy"]), pydicom.dcmread(folder / row["recombined"])


def test_pair_is_two_series_of_one_study(internal_cohort: Path) -> None:
    for row in read_manifest(internal_cohort):
        low, rec = _pair(internal_cohort, row)
        assert low.StudyInstanceUID == rec.StudyInstanceUID
        assert low.SeriesInstanceUID != rec.SeriesInstanceUID
        assert low.SOPInstanceUID != rec.SOPInstanceUID
        assert low.FrameOfReferenceUID == rec.FrameOfReferenceUID
    studies = {
        _pair(internal_cohort, row)[0].StudyInstanceUID for row in read_manifest(internal_cohort)
    }
    assert len(studies) == len(read_manifest(internal_cohort))


def test_header_matches_manifest_and_cesm_conventions(internal_cohort: Path) -> None:
    for row in read_manifest(internal_cohort):
        low, rec = _pair(internal_cohort, row)
        assert list(low.ImageType) == list(LOW_ENERGY_IMAGE_TYPE)
        assert list(rec.ImageType) == list(RECOMBINED_IMAGE_TYPE)
        for ds in (low, rec):
            assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
            assert ds.SOPClassUID == pydicom.uid.DigitalMammographyXRayImageStorageForPresentation
            assert ds.Modality == "MG"
            assert ds.ViewPosition == "CC"
            assert ds.ImageLaterality == row["laterality"]
            assert ds.PatientID == row["patient_id"]
            assert ds.PatientAge == f"{int(row['age']):03d}Y"
            assert ds.PhotometricInterpretation == "MONOCHROME2"
            assert ds.BitsAllocated == 16
            assert float(ds.WindowWidth) > 0


def test_pixels_fit_the_stored_bit_depth(internal_cohort: Path) -> None:
    profile = acquisition_profile("internal", "small")
    row = read_manifest(internal_cohort)[0]
    low, rec = _pair(internal_cohort, row)
    assert (low.BitsStored, rec.BitsStored) == (14, 12)
    for ds in (low, rec):
        pixels = ds.pixel_array
        assert pixels.shape == profile.shape
        assert pixels.dtype == np.uint16
        assert int(pixels.max()) < 2**ds.BitsStored
        assert int(pixels.max()) > 2 ** (ds.BitsStored - 3)  # the range is actually used


def test_spacing_is_recorded_at_the_detector_and_at_the_breast(internal_cohort: Path) -> None:
    """ImagerPixelSpacing is the detector's; a CC view magnifies the breast by ≈ 1.07–1.1, and
    PixelSpacing (what the project's reader uses) is the detector's divided by that factor."""
    row = read_manifest(internal_cohort)[0]
    low, _ = _pair(internal_cohort, row)
    assert [float(v) for v in low.ImagerPixelSpacing] == pytest.approx([0.4, 0.4])
    factor = float(low.EstimatedRadiographicMagnificationFactor)
    assert 1.05 < factor < 1.12
    assert [float(v) for v in low.PixelSpacing] == pytest.approx([0.4 / factor] * 2, rel=1e-5)
    image = read_dicom_image(internal_cohort / row["low_energy"])
    assert image.spacing_mm == pytest.approx((0.4 / factor, 0.4 / factor), rel=1e-5)


def test_simpleitk_reads_dicom_and_mask_with_the_same_geometry(internal_cohort: Path) -> None:
    row = read_manifest(internal_cohort)[0]
    image = SimpleITK.ReadImage(str(internal_cohort / row["recombined"]))
    mask = SimpleITK.ReadImage(str(internal_cohort / row["mask"]))
    image_array = SimpleITK.GetArrayFromImage(image)
    mask_array = SimpleITK.GetArrayFromImage(mask)
    assert (
        image_array.shape
        == mask_array.shape
        == (1, *acquisition_profile("internal", "small").shape)
    )
    assert mask.GetSpacing()[:2] == pytest.approx(image.GetSpacing()[:2])
    assert mask.GetSpacing()[:2] == pytest.approx((0.4, 0.4))
    assert mask.GetPixelID() == SimpleITK.sitkUInt8
    assert set(np.unique(mask_array)) == {0, 1}
    pixels = pydicom.dcmread(internal_cohort / row["recombined"]).pixel_array
    np.testing.assert_array_equal(image_array[0], pixels)


def test_laterality_puts_the_chest_wall_on_the_right_side(internal_cohort: Path) -> None:
    for row in read_manifest(internal_cohort):
        low, _ = _pair(internal_cohort, row)
        pixels = low.pixel_array.astype(float)
        left, right = pixels[:, :20].mean(), pixels[:, -20:].mean()
        # Chest wall: tissue along the whole edge; the opposite edge is mostly air.
        assert (left > right) == (row["laterality"] == "L")
        expected = ["A", "R"] if row["laterality"] == "L" else ["P", "L"]
        assert list(low.PatientOrientation) == expected


def test_files_say_they_are_synthetic(internal_cohort: Path) -> None:
    low, rec = _pair(internal_cohort, read_manifest(internal_cohort)[0])
    for ds in (low, rec):
        assert "SYNTHETIC" in ds.ImageComments
        assert "SYNTHETIC" in ds.Manufacturer
        assert str(ds.PatientName).startswith("SYNTHETIC")
