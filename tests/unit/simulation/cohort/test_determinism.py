"""Same seed -> same bytes; different seed -> different; cases independent of cohort size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from synth_files import read_manifest

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort
from studies.simulation.cohort.phantom import case_streams, design_case, generate_case

SMALL = acquisition_profile("internal", "small")


def test_same_seed_same_pixels_and_masks() -> None:
    first = generate_case(4, "internal", 0, SMALL, 0.6)
    second = generate_case(4, "internal", 0, SMALL, 0.6)
    assert first.low_energy.tobytes() == second.low_energy.tobytes()
    assert first.recombined.tobytes() == second.recombined.tobytes()
    np.testing.assert_array_equal(first.mask, second.mask)


def test_different_seed_different_pixels() -> None:
    first = generate_case(4, "internal", 0, SMALL, 0.6)
    other = generate_case(5, "internal", 0, SMALL, 0.6)
    assert not np.array_equal(first.low_energy, other.low_energy)
    assert not np.array_equal(first.recombined, other.recombined)


def test_centres_draw_different_patients() -> None:
    internal = generate_case(4, "internal", 0, SMALL, 0.6)
    external = generate_case(4, "external", 0, acquisition_profile("external", "small"), 0.6)
    assert internal.design.breast.depth_mm != external.design.breast.depth_mm


def test_case_does_not_depend_on_cohort_size(tmp_path: Path) -> None:
    synthesize_cohort(CohortSettings(cases=1, seed=8, size="small"), tmp_path / "one")
    synthesize_cohort(CohortSettings(cases=2, seed=8, size="small"), tmp_path / "two")
    one, two = read_manifest(tmp_path / "one"), read_manifest(tmp_path / "two")
    assert one[0] == two[0]
    for column in ("low_energy", "recombined", "mask"):
        path_one = tmp_path / "one" / one[0][column]
        path_two = tmp_path / "two" / two[0][column]
        assert path_one.read_bytes() == path_two.read_bytes()


def test_rewriting_a_cohort_gives_identical_dicom_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        synthesize_cohort(CohortSettings(cases=1, seed=8, size="small"), tmp_path / name)
    row = read_manifest(tmp_path / "a")[0]
    a = pydicom.dcmread(tmp_path / "a" / row["recombined"])
    b = pydicom.dcmread(tmp_path / "b" / row["recombined"])
    assert a.StudyInstanceUID == b.StudyInstanceUID and a.SOPInstanceUID == b.SOPInstanceUID
    assert (tmp_path / "a" / row["low_energy"]).read_bytes() == (
        tmp_path / "b" / row["low_energy"]
    ).read_bytes()


def test_small_and_full_sizes_show_the_same_patient() -> None:
    full = acquisition_profile("internal", "full")
    field_full = (full.rows * full.pixel_spacing_mm, full.columns * full.pixel_spacing_mm)
    field_small = (SMALL.rows * SMALL.pixel_spacing_mm, SMALL.columns * SMALL.pixel_spacing_mm)
    design_full = design_case(case_streams(4, "internal", 3)[0], 0.6, field_full)
    design_small = design_case(case_streams(4, "internal", 3)[0], 0.6, field_small)
    assert design_full.clinical == design_small.clinical
    assert design_full.breast.depth_mm == design_small.breast.depth_mm
    np.testing.assert_array_equal(design_full.lesion.radius_table, design_small.lesion.radius_table)
