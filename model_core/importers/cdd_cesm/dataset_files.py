"""Where the CDD-CESM files are in a downloaded copy, and which images pair up.

The dataset's authors distribute two image folders, an annotation workbook and a segmentation
file. Copies differ in small ways (the workbook saved as ``Radiology-manual-annotations.xlsx``,
everything inside one more folder level after unzipping), so names are compared without case,
spaces, hyphens and underscores, in the given folder and one level below it. A file that cannot
be found stops the import with the names it looked for; nothing is guessed beyond that.

Pairing: a low-energy image (``DM``) and a recombined image (``CM``) of one patient, side and
view make a pair. An image without its partner, a file whose name is not an image name, a
recombined image in the low-energy folder (or the reverse) and a second file for one image are
reported, never silently dropped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from model_core.errors import DatasetImportError
from model_core.importers.cdd_cesm.file_names import (
    LOW_ENERGY,
    RECOMBINED,
    ImageName,
    PairKey,
    is_jpeg_name,
    parse_image_name,
)
from model_core.importers.cdd_cesm.issues import ImportIssue

LOW_ENERGY_FOLDER = "Low energy images of CDD-CESM"
RECOMBINED_FOLDER = "Subtracted images of CDD-CESM"
SHEET_FILE = "Radiology manual annotations.xlsx"
SEGMENTATION_FILE = "Radiology_hand_drawn_segmentations_v2.csv"


def _normalised(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


@dataclass(frozen=True)
class DatasetFiles:
    """The dataset's files in one downloaded copy (absolute paths)."""

    root: Path
    low_energy_folder: Path
    recombined_folder: Path
    sheet: Path
    segmentations: Path

    def shown(self, path: Path) -> str:
        """A path as reports show it: relative to the dataset's folder."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def _candidates(root: Path) -> list[Path]:
    """The entries of ``root`` and of its sub-folders, sorted, hidden ones left out."""
    found: list[Path] = []
    for folder in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
        try:
            found.extend(sorted(p for p in folder.iterdir() if not p.name.startswith(".")))
        except OSError:
            continue
    return found


def _find(root: Path, entries: list[Path], wanted: str, *, folder: bool) -> Path:
    key = _normalised(wanted if folder else Path(wanted).stem)
    for entry in entries:
        if folder:
            matches = entry.is_dir() and _normalised(entry.name) == key
        else:
            matches = (
                entry.is_file()
                and _normalised(entry.stem) == key
                and entry.suffix.lower() == Path(wanted).suffix
            )
        if matches:
            return entry
    kind = "folder" if folder else "file"
    raise DatasetImportError(
        f"{root}: no {kind} '{wanted}' in it or in its sub-folders; is this the CDD-CESM "
        "dataset as its authors distribute it (docs/importing.md)?"
    )


def locate_dataset(root: str | Path) -> DatasetFiles:
    """The dataset's files under ``root``.

    Raises:
        DatasetImportError: ``root`` is not a folder, or one of the four items is missing.
    """
    root = Path(os.path.abspath(root))
    if not root.is_dir():
        raise DatasetImportError(f"{root}: not a folder (give the CDD-CESM dataset's folder)")
    try:
        entries = _candidates(root)
    except OSError as error:
        raise DatasetImportError(f"{root}: cannot list it ({error.strerror or error})") from None
    return DatasetFiles(
        root=root,
        low_energy_folder=_find(root, entries, LOW_ENERGY_FOLDER, folder=True),
        recombined_folder=_find(root, entries, RECOMBINED_FOLDER, folder=True),
        sheet=_find(root, entries, SHEET_FILE, folder=False),
        segmentations=_find(root, entries, SEGMENTATION_FILE, folder=False),
    )


@dataclass(frozen=True)
class ImagePair:
    """The two images of one breast view."""

    key: PairKey
    low_energy: Path
    recombined: Path


@dataclass(frozen=True)
class DatasetImages:
    """Every image found, the pairs they make, and what could not be paired."""

    images: dict[ImageName, Path]
    pairs: tuple[ImagePair, ...]
    issues: tuple[ImportIssue, ...]


def _list_folder(
    dataset: DatasetFiles, folder: Path, energy: str, issues: list[ImportIssue]
) -> dict[ImageName, Path]:
    found: dict[ImageName, Path] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        raise DatasetImportError(f"{folder}: cannot list it ({error.strerror or error})") from None
    for path in entries:
        if path.name.startswith(".") or path.is_dir():
            continue
        shown = dataset.shown(path)
        name = parse_image_name(path.name) if is_jpeg_name(path.name) else None
        if name is None:
            detail = "not a CDD-CESM image name (P{id}_{L|R}_{DM|CM}_{CC|MLO}.jpg); ignored"
            issues.append(ImportIssue(shown, "unrecognised_file", detail, left_out=True))
        elif name.energy != energy:
            detail = f"a {name.energy} image in the folder of {energy} images; ignored"
            issues.append(ImportIssue(shown, "unrecognised_file", detail, True, name.key.case_id))
        elif name in found:
            detail = f"a second file for {name.stem} (the first: {found[name].name!r}); ignored"
            issues.append(ImportIssue(shown, "duplicate_file", detail, True, name.key.case_id))
        else:
            found[name] = path
    return found


def pair_images(dataset: DatasetFiles) -> DatasetImages:
    """List both image folders and pair their images by patient, side and view.

    Raises:
        DatasetImportError: a folder cannot be listed.
    """
    issues: list[ImportIssue] = []
    low = _list_folder(dataset, dataset.low_energy_folder, LOW_ENERGY, issues)
    high = _list_folder(dataset, dataset.recombined_folder, RECOMBINED, issues)
    low_by_key = {name.key: path for name, path in low.items()}
    high_by_key = {name.key: path for name, path in high.items()}
    pairs = []
    for key in sorted(low_by_key.keys() | high_by_key.keys()):
        if key in low_by_key and key in high_by_key:
            pairs.append(ImagePair(key, low_by_key[key], high_by_key[key]))
            continue
        present, missing = (
            (low_by_key[key], "recombined (CM)")
            if key in low_by_key
            else (high_by_key[key], "low-energy (DM)")
        )
        detail = f"no {missing} image of {key.case_id}; the image is left out"
        issues.append(ImportIssue(dataset.shown(present), "unpaired", detail, True, key.case_id))
    return DatasetImages({**low, **high}, tuple(pairs), tuple(issues))
