"""prepare_case: hanging orientation (with the lesion box, outline and heat map), windows,
display levels, and errors naming the file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cesm_files import write_dicom
from viewer_cases import COLUMNS, LESION, ROWS, write_case

from model_core.errors import CaseError, ImageReadError
from reader_app.viewer.prepared_case import prepare_case, with_heatmap
from reader_app.viewer.window_presets import PRESET_NAMES, Window

BIG = (200, 200)  # a display larger than the tiny images: level 0 is the display level


def mirrored_box(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    row0, col0, row1, col1 = box
    return (row0, COLUMNS - col1, row1, COLUMNS - col0)


@pytest.mark.parametrize(
    ("laterality", "stored_chest_wall", "mirrored", "chest_wall_column"),
    [
        ("L", "left", False, 0),  # already hung: left breast, chest wall at the left edge
        ("R", "right", False, COLUMNS - 1),
        ("R", "left", True, COLUMNS - 1),  # a right breast stored the other way round
        ("L", "right", True, 0),
    ],
)
def test_the_chest_wall_is_at_the_edge_of_its_side(
    tmp_path: Path, laterality: str, stored_chest_wall: str, mirrored: bool, chest_wall_column: int
) -> None:
    case = write_case(tmp_path, laterality=laterality, chest_wall=stored_chest_wall)
    prepared = prepare_case(case, display_size=BIG)
    assert prepared.mirrored is mirrored
    pixels = prepared.low_energy.levels[0]
    # the breast touches the chest-wall edge; the other edge is air
    assert pixels[ROWS // 2, chest_wall_column] > 1000
    assert pixels[ROWS // 2, COLUMNS - 1 - chest_wall_column] < 100
    assert prepared.label == f"{laterality} CC"


@pytest.mark.parametrize(("laterality", "stored_chest_wall"), [("R", "left"), ("L", "left")])
def test_lesion_box_outline_and_heatmap_follow_the_image(
    tmp_path: Path, laterality: str, stored_chest_wall: str
) -> None:
    case = write_case(tmp_path, laterality=laterality, chest_wall=stored_chest_wall)
    prepared = prepare_case(case, display_size=BIG)
    expected = mirrored_box(LESION) if prepared.mirrored else LESION
    assert prepared.lesion_box == expected
    row0, col0, row1, col1 = expected
    # the lesion is where the box says, on the displayed image
    assert np.all(prepared.low_energy.levels[0][row0:row1, col0:col1] == 3000)
    # the outline surrounds the box (1 mm = 2 pixels out at 0.5 mm), no further than 3 pixels
    assert prepared.outline is not None
    x, y = prepared.outline[..., 0], prepared.outline[..., 1]
    assert col0 - 3 <= x.min() < col0 and col1 < x.max() <= col1 + 3
    assert row0 - 3 <= y.min() < row0 and row1 < y.max() <= row1 + 3
    # the heat map is hot on the lesion and cold on the other side of the image
    assert prepared.heatmap is not None and prepared.heatmap.shape == (ROWS, COLUMNS)
    assert prepared.heatmap[(row0 + row1) // 2, (col0 + col1) // 2] == pytest.approx(1.0)
    assert prepared.heatmap[(row0 + row1) // 2, COLUMNS - 1 - (col0 + col1) // 2] == 0.0
    # its coloured part covers the lesion, in scene coordinates
    assert prepared.heatmap_rect is not None
    hx, hy, width, height = prepared.heatmap_rect
    assert hx <= col0 and hx + width >= col1 and hy <= row0 and hy + height >= row1


def test_outline_is_closed(tmp_path: Path) -> None:
    prepared = prepare_case(write_case(tmp_path), display_size=BIG)
    assert prepared.outline is not None
    ends, counts = np.unique(prepared.outline.reshape(-1, 2), axis=0, return_counts=True)
    assert len(ends) > 8 and np.all(counts == 2)  # every end joins exactly two segments


def test_window_defaults_to_the_files_window(tmp_path: Path) -> None:
    case = write_case(tmp_path, WindowCenter=1800, WindowWidth=900)
    prepared = prepare_case(case, display_size=BIG)
    assert prepared.low_energy.window == Window(1800, 900)
    assert set(prepared.low_energy.presets) == set(PRESET_NAMES)
    assert prepared.low_energy.presets["Default"] == Window(1800, 900)


def test_without_a_file_window_the_breast_sets_the_window(tmp_path: Path) -> None:
    prepared = prepare_case(write_case(tmp_path), display_size=BIG)
    black, white = prepared.low_energy.window.levels
    # from the breast (1500..2100, lesion 3000), not from the background at 50
    assert 1000 < black < 2100 and 2100 < white <= 3000
    full_black, full_white = prepared.low_energy.presets["Full"].levels
    assert full_black == pytest.approx(50, abs=1) and full_white == pytest.approx(3000, abs=1)
    # the prepared grey image is the display level through the default window
    grey = prepared.low_energy.display_grey
    assert grey.dtype == np.uint8 and grey.shape == (ROWS, COLUMNS)
    assert grey[0, COLUMNS - 1] == 0 and grey[LESION[0], LESION[1]] == 255


def test_display_level_fits_the_view_and_full_resolution_is_kept(tmp_path: Path) -> None:
    case = write_case(tmp_path, rows=600, columns=520)
    prepared = prepare_case(case, display_size=(150, 140))
    levels = prepared.low_energy.levels
    assert [level.shape for level in levels] == [(600, 520), (300, 260), (150, 130)]
    assert prepared.low_energy.display_level == 2  # 4 source pixels per screen pixel
    assert prepared.low_energy.display_pixels.shape == (150, 130)
    assert prepared.heatmap is not None and prepared.heatmap.shape == (150, 130)
    assert prepared.low_energy.display_grey.shape == (150, 130)
    assert prepare_case(case, display_size=(600, 520)).low_energy.display_level == 0


def test_with_heatmap_matches_a_case_prepared_with_it(tmp_path: Path) -> None:
    case = write_case(tmp_path, laterality="R", chest_wall="left")
    with_model = prepare_case(case, display_size=BIG)
    without = prepare_case(replace(case, model=None, stage="unaided"), display_size=BIG)
    assert without.heatmap is None and without.heatmap_rgba is None
    assert case.model is not None and case.model.heatmap is not None
    added = with_heatmap(without, case.model.heatmap)
    assert added.heatmap is not None and with_model.heatmap is not None
    np.testing.assert_array_equal(added.heatmap, with_model.heatmap)
    assert added.heatmap_rect == with_model.heatmap_rect


def test_images_of_different_shapes_are_refused_naming_both(tmp_path: Path) -> None:
    case = write_case(tmp_path)
    write_dicom(case.recombined, np.zeros((10, 12), dtype=np.uint16))
    with pytest.raises(CaseError) as error:
        prepare_case(case, display_size=BIG)
    assert str(case.recombined) in str(error.value) and str(case.low_energy) in str(error.value)


def test_a_corrupt_image_is_refused_naming_it(tmp_path: Path) -> None:
    case = write_case(tmp_path)
    case.low_energy.write_bytes(case.low_energy.read_bytes()[:300])
    with pytest.raises(ImageReadError, match=str(case.low_energy)):
        prepare_case(case, display_size=BIG)
