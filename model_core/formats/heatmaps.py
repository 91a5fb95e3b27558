"""The heat-map file ``heatmaps.npz``: Grad-CAM of every case — read and written here only.

A heat map is non-zero only inside the lesion's crop box (the model saw nothing else), so the
file keeps, per case, the map **over the crop box** and where that box lies, never a full-size
array: a 2294 × 1914 image with a 300 × 300 box stores 90 000 values, not 4.4 million.

Layout (a NumPy ``.npz`` archive, deflate-compressed, read without pickle, the same maps always
giving the same bytes; ``n`` cases)::

    format         0-d str      "cesm-reader heatmaps"
    version        0-d int64    1
    case_ids       (n,) str     unique, non-empty
    source_shapes  (n, 2) int64 rows, columns of the case's images
    placements     (n, 4) int64 row0, col0, row1, col1 of the crop box in source pixels,
                                half-open (rows row0 .. row1 - 1), inside the image
    map_shapes     (n, 2) int64 rows, columns of each case's map
    values         (total,) float16, the maps one after the other, row-major, each in [0, 1]

A map covers its box edge to edge at any resolution (the classifier writes the box at the
source's own resolution, as :meth:`~model_core.preprocessing.PreprocessedInput.heatmap_to_source`
places it, so that it overlays the low-energy and recombined images pixel for pixel).

:func:`full_extent_heatmap` turns an entry into what the study store keeps and the reader sees:
a map of the **whole image** at reduced resolution (same aspect ratio, zeros outside the box),
which the viewer stretches over the image.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from model_core.errors import CesmError

FORMAT_NAME = "cesm-reader heatmaps"
FORMAT_VERSION = 1
#: The archive's members, in the order they are written.
MEMBERS: tuple[str, ...] = (
    "format",
    "version",
    "case_ids",
    "source_shapes",
    "placements",
    "map_shapes",
    "values",
)
#: Largest side of a case's images or map: far above any mammography detector, so that a
#: damaged file fails here rather than when memory runs out.
MAX_SIDE = 16_384
#: Default longest side of :func:`full_extent_heatmap`.
FULL_EXTENT_MAX_SIDE = 512
_SHOWN = 10
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class HeatmapFileError(CesmError):
    """A heat-map file is unreadable or breaks the format; ``problems`` lists every finding,
    each naming the file and, where it concerns one, the case."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {problem}" for problem in problems[:_SHOWN])
        more = f"\n  ... and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else ""
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} heat-map {noun}:\n{shown}{more}")


@dataclass(frozen=True, eq=False)
class HeatmapEntry:
    """One case's heat map over its crop box, and where the box lies in the source image.

    Compared by identity (it holds an array).

    Attributes:
        case_id: the manifest's case id.
        crop_map: 2-D float16 array in [0, 1] covering the box edge to edge (read-only).
        placement: (row0, col0, row1, col1), the half-open box in source pixels.
        source_shape: (rows, columns) of the case's images.
    """

    case_id: str
    crop_map: NDArray[np.float16]
    placement: tuple[int, int, int, int]
    source_shape: tuple[int, int]

    def __post_init__(self) -> None:
        problems = _entry_problems(
            self.case_id, np.asarray(self.crop_map), self.placement, self.source_shape
        )
        if problems:
            raise ValueError(f"heat map of case {self.case_id!r}: {'; '.join(problems)}")
        values = np.array(self.crop_map, dtype=np.float16)
        values.flags.writeable = False
        object.__setattr__(self, "crop_map", values)
        object.__setattr__(self, "placement", tuple(int(v) for v in self.placement))
        object.__setattr__(self, "source_shape", tuple(int(v) for v in self.source_shape))

    @property
    def box_shape(self) -> tuple[int, int]:
        """(rows, columns) of the crop box in source pixels."""
        row0, col0, row1, col1 = self.placement
        return (row1 - row0, col1 - col0)


def write_heatmaps(entries: Iterable[HeatmapEntry], path: str | Path) -> Path:
    """Write ``entries`` to ``path`` (compressed ``.npz``, the layout above).

    Raises:
        ValueError: two entries share a case id.
    """
    listed = list(entries)
    ids = [entry.case_id for entry in listed]
    repeated = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    if repeated:
        raise ValueError(f"heat maps: case(s) {', '.join(repeated)} given twice")
    arrays = {
        "format": np.array(FORMAT_NAME),
        "version": np.array(FORMAT_VERSION, dtype=np.int64),
        "case_ids": np.array(ids, dtype=np.str_).reshape(len(ids)),
        "source_shapes": np.array([e.source_shape for e in listed], dtype=np.int64).reshape(-1, 2),
        "placements": np.array([e.placement for e in listed], dtype=np.int64).reshape(-1, 4),
        "map_shapes": np.array([e.crop_map.shape for e in listed], dtype=np.int64).reshape(-1, 2),
        "values": np.concatenate(
            [e.crop_map.ravel() for e in listed] or [np.empty(0, dtype=np.float16)]
        ).astype(np.float16),
    }
    target = Path(path)
    with target.open("wb") as stream, zipfile.ZipFile(stream, "w") as archive:
        for member, values in arrays.items():
            # What np.savez_compressed writes, with a fixed time stamp: the same maps give the
            # same bytes, so that a file's checksum identifies its content.
            info = zipfile.ZipInfo(f"{member}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member_stream:
                np.lib.format.write_array(member_stream, values, allow_pickle=False)
    return target


def read_heatmaps(
    path: str | Path,
    *,
    case_ids: Collection[str] | None = None,
    known_as: str = "the manifest",
) -> dict[str, HeatmapEntry]:
    """The heat maps of ``path`` by case id, every one checked.

    Args:
        path: a file written by :func:`write_heatmaps`.
        case_ids: when given, the file must hold exactly these cases (``known_as`` names their
            source in messages): a missing case and a case not among them are both errors.

    Raises:
        HeatmapFileError: listing every problem: not an ``.npz`` archive of this format, a
            member missing or of the wrong type, inconsistent sizes, a box outside its image,
            a map of the wrong shape or with values that are not finite or outside [0, 1], a
            case repeated, missing or unknown. Each names the file and, when one, the case.
    """
    name = str(path)
    arrays = _load_members(Path(path), name)
    ids = [str(case_id) for case_id in arrays["case_ids"]]
    n = len(ids)
    problems: list[str] = []
    for member, columns in (("source_shapes", 2), ("placements", 4), ("map_shapes", 2)):
        if arrays[member].shape != (n, columns):
            problems.append(
                f"{name}: {member} has shape {arrays[member].shape}, expected ({n}, {columns}) "
                f"for {n} case(s)"
            )
    sizes = np.prod(arrays["map_shapes"], axis=1) if not problems else np.zeros(0, dtype=np.int64)
    if not problems and (arrays["map_shapes"] < 1).any():
        problems.append(f"{name}: map_shapes holds a side below 1")
    if not problems and int(sizes.sum()) != arrays["values"].size:
        problems.append(
            f"{name}: values holds {arrays['values'].size} numbers, the map shapes call for "
            f"{int(sizes.sum())}"
        )
    if problems:
        raise HeatmapFileError(problems)

    entries: dict[str, HeatmapEntry] = {}
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    for index, case_id in enumerate(ids):
        where = f"{name}: case {case_id!r}"
        if case_id in entries:
            problems.append(f"{where}: a second heat map for the case")
            continue
        crop_map = arrays["values"][offsets[index] : offsets[index + 1]].reshape(
            tuple(int(v) for v in arrays["map_shapes"][index])
        )
        placement = tuple(int(v) for v in arrays["placements"][index])
        source_shape = tuple(int(v) for v in arrays["source_shapes"][index])
        found = _entry_problems(case_id, crop_map, placement, source_shape)
        if found:
            problems.extend(f"{where}: {problem}" for problem in found)
            continue
        entries[case_id] = HeatmapEntry(case_id, crop_map, placement, source_shape)  # type: ignore[arg-type]
    if case_ids is not None:
        problems.extend(case_set_problems(name, ids, case_ids, known_as))
    if problems:
        raise HeatmapFileError(problems)
    return entries


def case_set_problems(
    name: str, held: Collection[str], case_ids: Collection[str], known_as: str = "the manifest"
) -> list[str]:
    """A file ``name`` holding heat maps of ``held`` must hold exactly ``case_ids``: one problem
    per case missing and per case not among them (``known_as`` names where they come from)."""
    wanted = list(dict.fromkeys(case_ids))
    expected = set(wanted)
    missing = [case_id for case_id in wanted if case_id not in set(held)]
    unknown = [case_id for case_id in dict.fromkeys(held) if case_id not in expected]
    return [f"{name}: case {c!r}: no heat map for this case" for c in missing] + [
        f"{name}: case {c!r}: the case is not in {known_as}" for c in unknown
    ]


def full_extent_heatmap(entry: HeatmapEntry, max_side: int = FULL_EXTENT_MAX_SIDE) -> np.ndarray:
    """The heat map over the **whole** image, longest side at most ``max_side`` pixels.

    The image grid is reduced by one factor on both axes (the aspect ratio kept, each side
    rounded); each reduced pixel is the mean of the source pixels it covers (a box filter), the
    map counting as 0 outside its crop box. Only the region around the box is resampled: the
    result equals reducing the full-size map, without building it.

    Returns:
        float32 array in [0, 1]; the source shape itself when it already fits ``max_side``.
    """
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1:
        raise ValueError(f"max_side: expected a whole number >= 1, got {max_side!r}")
    rows, cols = entry.source_shape
    row0, col0, row1, col1 = entry.placement
    box = _on_box(entry)
    scale = min(1.0, max_side / max(rows, cols))
    out_rows, out_cols = max(1, round(rows * scale)), max(1, round(cols * scale))
    canvas = np.zeros((out_rows, out_cols), dtype=np.float32)
    if (out_rows, out_cols) == (rows, cols):
        canvas[row0:row1, col0:col1] = box
        return canvas
    row_step, col_step = rows / out_rows, cols / out_cols  # source pixels per output pixel
    i0, i1 = math.floor(row0 / row_step), min(out_rows, math.ceil(row1 / row_step))
    j0, j1 = math.floor(col0 / col_step), min(out_cols, math.ceil(col1 / col_step))
    # Enough zeros around the box that the filter sees exactly what it would see in the whole
    # map (Pillow normalises by the weights inside the array, so a cut would change values).
    p0, p1 = max(0, math.floor(i0 * row_step) - 1), min(rows, math.ceil(i1 * row_step) + 1)
    q0, q1 = max(0, math.floor(j0 * col_step) - 1), min(cols, math.ceil(j1 * col_step) + 1)
    padded = np.zeros((p1 - p0, q1 - q0), dtype=np.float32)
    padded[row0 - p0 : row1 - p0, col0 - q0 : col1 - q0] = box
    region = Image.fromarray(padded).resize(
        (j1 - j0, i1 - i0),
        Image.Resampling.BOX,
        box=(j0 * col_step - q0, i0 * row_step - p0, j1 * col_step - q0, i1 * row_step - p0),
    )
    canvas[i0:i1, j0:j1] = np.asarray(region, dtype=np.float32)
    return np.clip(canvas, 0.0, 1.0, out=canvas)


def full_extent_heatmaps(
    entries: Mapping[str, HeatmapEntry], max_side: int = FULL_EXTENT_MAX_SIDE
) -> dict[str, np.ndarray]:
    """:func:`full_extent_heatmap` of every entry, by case id."""
    return {case_id: full_extent_heatmap(entry, max_side) for case_id, entry in entries.items()}


# ------------------------------------------------------------------------------ helpers


def _on_box(entry: HeatmapEntry) -> np.ndarray:
    """The map resampled onto its box at source resolution (bilinear, Pillow's pixel-centre
    convention, as the preprocessing's geometry), float32."""
    values = np.asarray(entry.crop_map, dtype=np.float32)
    box_rows, box_cols = entry.box_shape
    if values.shape == (box_rows, box_cols):
        return values
    resized = Image.fromarray(np.ascontiguousarray(values)).resize(
        (box_cols, box_rows), Image.Resampling.BILINEAR
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _load_members(path: Path, name: str) -> dict[str, np.ndarray]:
    """The archive's members, typed and shaped as the format says, or every problem raised."""
    if not path.is_file():
        raise HeatmapFileError([f"{name}: heat-map file not found"])
    try:
        with np.load(path, allow_pickle=False) as archive:
            present = set(archive.files)
            missing = [member for member in MEMBERS if member not in present]
            if missing:
                raise HeatmapFileError(
                    [f"{name}: not a heat-map file of this tool (missing {', '.join(missing)})"]
                )
            arrays = {member: archive[member] for member in MEMBERS}
    except HeatmapFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise HeatmapFileError([f"{name}: not a readable .npz heat-map file ({error})"]) from None
    problems: list[str] = []
    if arrays["format"].shape != () or str(arrays["format"]) != FORMAT_NAME:
        problems.append(f"{name}: format is not {FORMAT_NAME!r}")
    elif arrays["version"].shape != () or int(arrays["version"]) != FORMAT_VERSION:
        problems.append(
            f"{name}: format version {arrays['version']!s}, this tool reads {FORMAT_VERSION}"
        )
    if arrays["case_ids"].ndim != 1 or arrays["case_ids"].dtype.kind != "U":
        problems.append(f"{name}: case_ids must be a 1-D array of text")
    for member in ("source_shapes", "placements", "map_shapes"):
        if arrays[member].dtype.kind not in "iu":
            problems.append(f"{name}: {member} must hold whole numbers")
    if arrays["values"].ndim != 1 or arrays["values"].dtype != np.float16:
        problems.append(f"{name}: values must be a 1-D float16 array")
    if problems:
        raise HeatmapFileError(problems)
    return arrays


def _entry_problems(
    case_id: str,
    crop_map: np.ndarray,
    placement: tuple[int, ...],
    source_shape: tuple[int, ...],
) -> list[str]:
    """Everything wrong with one entry, as phrases (the caller says which file and case)."""
    problems = []
    if not isinstance(case_id, str) or not case_id:
        problems.append("empty case id")
    if len(source_shape) != 2 or not all(1 <= int(v) <= MAX_SIDE for v in source_shape):
        problems.append(
            f"source shape {tuple(source_shape)} is not (rows, columns), each 1 to {MAX_SIDE}"
        )
        return problems
    rows, cols = (int(v) for v in source_shape)
    if len(placement) != 4:
        problems.append(f"placement {tuple(placement)} is not (row0, col0, row1, col1)")
        return problems
    row0, col0, row1, col1 = (int(v) for v in placement)
    if not (0 <= row0 < row1 <= rows and 0 <= col0 < col1 <= cols):
        problems.append(
            f"placement rows {row0}:{row1}, columns {col0}:{col1} is empty or outside the "
            f"{rows} x {cols} image"
        )
    if crop_map.ndim != 2 or crop_map.size == 0 or max(crop_map.shape) > MAX_SIDE:
        problems.append(f"map has shape {crop_map.shape}, expected a non-empty 2-D array")
        return problems
    if crop_map.dtype.kind != "f":
        problems.append(f"map holds {crop_map.dtype}, expected floating-point values")
        return problems
    if not np.isfinite(crop_map).all():
        problems.append("map holds NaN or infinite values")
    elif crop_map.min() < 0 or crop_map.max() > 1:
        problems.append(
            f"map values lie in [{float(crop_map.min()):g}, {float(crop_map.max()):g}], "
            "outside [0, 1]"
        )
    return problems
