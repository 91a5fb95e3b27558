"""Masks: ITK-SNAP NIfTI, other SimpleITK formats, DICOM SEG made by highdicom, bad masks."""

from __future__ import annotations

from functools import partial

import highdicom as hd
import numpy as np
import pydicom
import pytest
from cesm_files import (
    COLUMNS,
    PATIENT_AND_STUDY,
    ROWS,
    lesion,
    mammogram_dataset,
    ramp,
    write_dicom,
    write_itk,
)
from pydicom.uid import generate_uid

from model_core.errors import CaseError, ImageReadError
from model_core.io import read_image, read_mask

#: These tests' lesion: the shared rectangle, 9 columns wide.
_lesion = partial(lesion, width=9)


@pytest.mark.parametrize(
    ("name", "dtype", "label", "as_volume"),
    [
        ("itksnap.nii.gz", np.uint8, 1, True),  # what ITK-SNAP saves for a 2-D image
        ("itksnap16.nii.gz", np.uint16, 1, True),
        ("mask.nii", np.uint8, 1, False),
        ("mask.nrrd", np.uint16, 7, False),
        ("mask.mha", np.int16, 2, False),
        ("mask.png", np.uint8, 255, False),
        ("mask.tif", np.uint8, 255, False),
    ],
)
def test_any_nonzero_label_is_lesion(tmp_path, name, dtype, label, as_volume):
    lesion = _lesion()
    array = lesion.astype(dtype) * dtype(label)
    path = write_itk(tmp_path / name, array[np.newaxis] if as_volume else array)
    mask = read_mask(path, shape=(ROWS, COLUMNS))
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, lesion)


def test_nan_in_a_float_mask_is_background(tmp_path):
    array = _lesion().astype(np.float32)
    array[0, 0] = np.nan
    mask = read_mask(write_itk(tmp_path / "float.nii.gz", array))
    np.testing.assert_array_equal(mask, _lesion())


@pytest.mark.parametrize(
    ("image_shape", "hint"),
    [((ROWS + 1, COLUMNS), ""), ((COLUMNS, ROWS), "rows and columns swapped?")],
)
def test_shape_mismatch_names_file_and_both_shapes(tmp_path, image_shape, hint):
    path = write_itk(tmp_path / "mask.nii.gz", _lesion().astype(np.uint8))
    with pytest.raises(CaseError) as caught:
        read_mask(path, shape=image_shape)
    message = str(caught.value)
    assert str(path) in message
    assert f"({ROWS}, {COLUMNS})" in message
    assert str(image_shape) in message
    assert hint in message


def _segment(number: int, label: str) -> hd.seg.SegmentDescription:
    return hd.seg.SegmentDescription(
        segment_number=number,
        segment_label=label,
        segmented_property_category=hd.sr.CodedConcept(
            "49755003", "SCT", "Morphologically Altered Structure"
        ),
        segmented_property_type=hd.sr.CodedConcept("4147007", "SCT", "Mass"),
        algorithm_type=hd.seg.SegmentAlgorithmTypeValues.MANUAL,
    )


def _write_seg(path, masks: list[np.ndarray], segmentation_type: str = "BINARY"):
    source = mammogram_dataset(ramp(12), PixelSpacing=[0.1, 0.1], **PATIENT_AND_STUDY)
    stacked = np.stack(masks, axis=-1)[np.newaxis]  # (frames, rows, columns, segments)
    pixels = stacked.astype(np.float32) if segmentation_type == "FRACTIONAL" else stacked
    seg = hd.seg.Segmentation(
        source_images=[source],
        pixel_array=pixels,
        segmentation_type=segmentation_type,
        segment_descriptions=[_segment(k + 1, f"part {k + 1}") for k in range(len(masks))],
        series_instance_uid=generate_uid(),
        series_number=2,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer="test",
        manufacturer_model_name="test",
        software_versions="1",
        device_serial_number="1",
    )
    seg.save_as(path)
    return path


@pytest.mark.parametrize("segmentation_type", ["BINARY", "FRACTIONAL"])
def test_dicom_seg_single_segment(tmp_path, segmentation_type):
    path = _write_seg(tmp_path / "seg.dcm", [_lesion()], segmentation_type)
    np.testing.assert_array_equal(read_mask(path, shape=(ROWS, COLUMNS)), _lesion())


def test_dicom_seg_segments_are_combined(tmp_path):
    first, second = lesion(5, 5, 6, 6), lesion(30, 40, 5, 10)
    path = _write_seg(tmp_path / "two.dcm", [first, second])
    np.testing.assert_array_equal(read_mask(path), first | second)


def test_dicom_seg_shape_is_checked(tmp_path):
    path = _write_seg(tmp_path / "seg.dcm", [_lesion()])
    with pytest.raises(CaseError, match=r"mask shape \(48, 64\) differs"):
        read_mask(path, shape=(100, 100))


def test_a_dicom_image_is_not_a_mask(tmp_path):
    path = write_dicom(tmp_path / "image.dcm", ramp(12), **PATIENT_AND_STUDY)
    with pytest.raises(ImageReadError) as caught:
        read_mask(path)
    assert str(path) in str(caught.value)
    assert "not a DICOM Segmentation" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.nii.gz", None, "no such file"),
        ("corrupt.nii.gz", b"\x1f\x8b broken gzip", "cannot read the image"),
        ("mask.bmp", b"BM" + b"\x00" * 60, "unsupported format '.bmp'"),
    ],
)
def test_bad_mask_files(tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImageReadError) as caught:
        read_mask(path)
    assert str(path) in str(caught.value)
    assert reason in str(caught.value)


def test_a_mask_volume_is_refused(tmp_path):
    path = write_itk(tmp_path / "volume.nii.gz", np.stack([_lesion()] * 2).astype(np.uint8))
    with pytest.raises(ImageReadError, match="expected one 2-D image"):
        read_mask(path)


def test_dicom_seg_of_several_source_images_is_refused(tmp_path):
    path = _write_seg(tmp_path / "two.dcm", [_lesion(), lesion(30, 40, 5, 10)])
    dataset = pydicom.dcmread(path)
    second = dataset.PerFrameFunctionalGroupsSequence[1]
    second.DerivationImageSequence[0].SourceImageSequence[
        0
    ].ReferencedSOPInstanceUID = generate_uid()
    dataset.save_as(path)
    with pytest.raises(ImageReadError, match="outlines 2 different source images"):
        read_mask(path)


def test_a_dicom_seg_is_not_an_image(tmp_path):
    path = _write_seg(tmp_path / "seg.dcm", [_lesion()])
    with pytest.raises(ImageReadError, match="a DICOM Segmentation, not an image"):
        read_image(path)
