"""The heat-map file ``heatmaps.npz``: round trip, every kind of damage refused by name, and the
full-extent map the study store keeps (checked against reducing the full-size map)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model_core.formats.heatmaps import (
    MEMBERS,
    HeatmapEntry,
    HeatmapFileError,
    full_extent_heatmap,
    read_heatmaps,
    write_heatmaps,
)


def _entry(case_id: str = "C1", seed: int = 0) -> HeatmapEntry:
    values = np.random.default_rng(seed).random((30, 40)).astype(np.float16)
    return HeatmapEntry(case_id, values, (100, 50, 130, 90), (400, 300))


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return {name: archive[name] for name in archive.files}


def _rewrite(path: Path, **changes: np.ndarray | None) -> Path:
    arrays = _arrays(path)
    for name, value in changes.items():
        if value is None:
            del arrays[name]
        else:
            arrays[name] = value
    with path.open("wb") as stream:
        np.savez_compressed(stream, **arrays)
    return path


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    entries = [_entry("C1", 1), _entry("C2", 2)]
    path = write_heatmaps(entries, tmp_path / "heatmaps.npz")
    read = read_heatmaps(path, case_ids=["C1", "C2"])
    assert list(read) == ["C1", "C2"]
    for entry in entries:
        back = read[entry.case_id]
        assert back.crop_map.dtype == np.float16
        np.testing.assert_array_equal(back.crop_map, entry.crop_map)
        assert back.placement == entry.placement
        assert back.source_shape == entry.source_shape
    assert set(_arrays(path)) == set(MEMBERS)


def test_an_empty_file_round_trips(tmp_path: Path) -> None:
    assert read_heatmaps(write_heatmaps([], tmp_path / "h.npz")) == {}


def test_the_file_is_compact(tmp_path: Path) -> None:
    """Crop-box maps, not full-size arrays: far below one full-size float16 image."""
    rows, cols = 2294, 1914
    smooth = np.outer(np.hanning(300), np.hanning(280)).astype(np.float16)
    entry = HeatmapEntry("C1", smooth, (900, 700, 1200, 980), (rows, cols))
    path = write_heatmaps([entry], tmp_path / "h.npz")
    assert path.stat().st_size < smooth.nbytes < rows * cols * 2 / 40


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"values": np.full(1200, 1.5, dtype=np.float16)}, "case 'C1': map values lie in"),
        ({"values": np.full(1200, np.nan, dtype=np.float16)}, "case 'C1': map holds NaN"),
        ({"values": np.zeros(1199, dtype=np.float16)}, "values holds 1199 numbers"),
        ({"values": np.zeros(1200, dtype=np.float32)}, "values must be a 1-D float16 array"),
        ({"map_shapes": np.array([[30, 40, 1]])}, "map_shapes has shape (1, 3)"),
        ({"map_shapes": np.array([[0, 40]])}, "map_shapes holds a side below 1"),
        ({"placements": np.array([[100, 50, 500, 90]])}, "case 'C1': placement rows 100:500"),
        ({"placements": np.array([[100, 50, 100, 90]])}, "is empty or outside"),
        ({"source_shapes": np.array([[0, 300]])}, "case 'C1': source shape (0, 300)"),
        ({"case_ids": np.array([""])}, "empty case id"),
        ({"format": np.array("something else")}, "format is not 'cesm-reader heatmaps'"),
        ({"version": np.array(7)}, "format version 7"),
        ({"placements": None}, "missing placements"),
    ],
)
def test_damage_is_refused_naming_the_file_and_case(
    tmp_path: Path, change: dict[str, np.ndarray | None], message: str
) -> None:
    path = _rewrite(write_heatmaps([_entry("C1")], tmp_path / "h.npz"), **change)
    with pytest.raises(HeatmapFileError) as caught:
        read_heatmaps(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_repeated_and_unknown_cases_are_each_named(tmp_path: Path) -> None:
    path = write_heatmaps([_entry("C1"), _entry("C9")], tmp_path / "h.npz")
    with pytest.raises(HeatmapFileError) as caught:
        read_heatmaps(path, case_ids=["C1", "C2"], known_as="manifest.csv")
    text = str(caught.value)
    assert f"{path}: case 'C2': no heat map for this case" in text
    assert f"{path}: case 'C9': the case is not in manifest.csv" in text
    arrays = _arrays(path)
    _rewrite(path, case_ids=np.array(["C1", "C1"]))
    with pytest.raises(HeatmapFileError, match="case 'C1': a second heat map"):
        read_heatmaps(path)
    assert arrays["case_ids"].tolist() == ["C1", "C9"]


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04broken"])
def test_a_file_that_is_not_an_archive_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "h.npz"
    path.write_bytes(content)
    with pytest.raises(HeatmapFileError, match=r"h\.npz: not a readable \.npz heat-map file"):
        read_heatmaps(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(HeatmapFileError, match=r"nothere\.npz: heat-map file not found"):
        read_heatmaps(tmp_path / "nothere.npz")


def test_pickled_members_are_never_loaded(tmp_path: Path) -> None:
    path = write_heatmaps([_entry("C1")], tmp_path / "h.npz")
    _rewrite(path, case_ids=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(HeatmapFileError, match="not a readable"):
        read_heatmaps(path)


def test_entries_refuse_bad_values_when_made() -> None:
    with pytest.raises(ValueError, match="outside"):
        HeatmapEntry("C1", np.full((3, 3), 2.0), (0, 0, 3, 3), (10, 10))
    with pytest.raises(ValueError, match="outside the 10 x 10 image"):
        HeatmapEntry("C1", np.zeros((3, 3)), (8, 0, 12, 3), (10, 10))
    with pytest.raises(ValueError, match="given twice"):
        write_heatmaps([_entry("C1"), _entry("C1")], io.BytesIO())  # type: ignore[arg-type]


# ------------------------------------------------------------------ full-extent maps


def _full_size(entry: HeatmapEntry) -> np.ndarray:
    """The naive way: the whole image at source resolution, the box resized onto it."""
    full = np.zeros(entry.source_shape, dtype=np.float32)
    row0, col0, row1, col1 = entry.placement
    box = Image.fromarray(entry.crop_map.astype(np.float32)).resize(
        (col1 - col0, row1 - row0), Image.Resampling.BILINEAR
    )
    full[row0:row1, col0:col1] = np.asarray(box)
    return full


@pytest.mark.parametrize(
    ("source_shape", "placement", "map_shape", "max_side"),
    [
        ((2294, 1914), (1000, 700, 1290, 1010), (290, 310), 512),  # full-size, map at box res
        ((2294, 1914), (0, 0, 120, 95), (10, 10), 512),  # at the corner, a coarse map
        ((2294, 1914), (2200, 1800, 2294, 1914), (94, 114), 300),  # the far corner
        ((573, 478), (100, 200, 173, 260), (73, 60), 128),  # small cohort size
        ((48, 64), (5, 10, 30, 40), (25, 30), 512),  # fits: kept at source resolution
        ((1001, 999), (3, 997, 1000, 999), (997, 2), 7),  # thin box, very coarse grid
    ],
)
def test_full_extent_equals_reducing_the_full_size_map(
    source_shape: tuple[int, int],
    placement: tuple[int, int, int, int],
    map_shape: tuple[int, int],
    max_side: int,
) -> None:
    values = np.random.default_rng(3).random(map_shape).astype(np.float16)
    entry = HeatmapEntry("C1", values, placement, source_shape)
    reduced = full_extent_heatmap(entry, max_side=max_side)
    full = _full_size(entry)
    rows, cols = source_shape
    scale = min(1.0, max_side / max(rows, cols))
    expected_shape = (round(rows * scale), round(cols * scale))
    assert reduced.shape == expected_shape
    assert reduced.dtype == np.float32
    assert max(reduced.shape) <= max_side
    naive = np.asarray(
        Image.fromarray(full).resize(expected_shape[::-1], Image.Resampling.BOX), dtype=np.float32
    )
    np.testing.assert_allclose(reduced, naive, atol=2e-6)
    assert reduced.min() >= 0.0 and reduced.max() <= 1.0


def test_full_extent_keeps_the_aspect_ratio_and_the_box_position() -> None:
    entry = HeatmapEntry(
        "C1", np.ones((10, 10), dtype=np.float16), (1000, 500, 1200, 700), (2000, 1500)
    )
    reduced = full_extent_heatmap(entry, max_side=200)
    assert reduced.shape == (200, 150)
    inside = np.argwhere(reduced > 0.99)
    assert inside.min(axis=0).tolist() == [100, 50]
    assert inside.max(axis=0).tolist() == [119, 69]
    assert reduced[:99].max() == 0 and reduced[121:].max() == 0


@pytest.mark.parametrize("max_side", [0, -3, 2.5, True])
def test_full_extent_refuses_a_bad_size(max_side: object) -> None:
    with pytest.raises(ValueError, match="max_side"):
        full_extent_heatmap(_entry(), max_side=max_side)  # type: ignore[arg-type]
