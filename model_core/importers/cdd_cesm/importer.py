"""``import cdd-cesm``: the CDD-CESM dataset as a case manifest with images and masks.

Steps, in order (docs/importing.md):

1. settings and the destination are checked, and the dataset's four items located, before
   anything is read;
2. both image folders are listed and paired; the annotation sheet and the segmentation file are
   read; a sheet row or region naming an image that is not there is reported;
3. each breast view is judged from its sheet rows (:mod:`.case_labels`): normal, contradictory
   and unannotated views, and lesions without a drawn region, are reported and left out;
4. the images of the remaining views are checked from their JPEG headers (same size), and the
   free disk space against what will be written;
5. each case is written into a staging folder: both images decoded and saved losslessly as PNG,
   the kept region rasterised into a NIfTI mask with the pixel spacing
   (:mod:`.lesions`); a JPEG that cannot be decoded is reported and its case left out;
6. the manifest (:func:`model_core.manifest.write_manifest`) and the report (:mod:`.report`)
   are written, and the folder moves into place (:class:`~model_core.staged_output.StagedOutput`):
   an interrupted import leaves nothing.

The importer reads only the dataset's files and writes only into ``out``.

**Pixel spacing.** The JPEGs do not state it, and the paper's 5 mm crop margin needs it. It is
the ``pixel_spacing_mm`` setting, or :data:`DEFAULT_PIXEL_SPACING_MM`; either way it is written
into every manifest row, every mask and the report, which says whether it was the default.
"""

from __future__ import annotations

import math
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import SimpleITK as sitk  # noqa: N813 (the name SimpleITK documents)
from numpy.typing import NDArray
from PIL import Image

from model_core.errors import DatasetImportError, ImageReadError
from model_core.importers.cdd_cesm.annotation_sheet import (
    SHEET_NAME,
    SheetRow,
    read_annotation_sheet,
)
from model_core.importers.cdd_cesm.case_labels import combine_rows, rows_text
from model_core.importers.cdd_cesm.dataset_files import (
    DatasetFiles,
    ImagePair,
    locate_dataset,
    pair_images,
)
from model_core.importers.cdd_cesm.file_names import ImageName, PairKey
from model_core.importers.cdd_cesm.issues import ImportIssue
from model_core.importers.cdd_cesm.jpeg_images import jpeg_size, read_jpeg
from model_core.importers.cdd_cesm.lesions import RegionRecord, choose_lesion
from model_core.importers.cdd_cesm.report import ImportSummary, write_report
from model_core.importers.cdd_cesm.segmentations import Region, read_segmentations
from model_core.manifest import write_manifest
from model_core.provenance import software_versions
from model_core.staged_output import StagedOutput
from model_core.vocabulary import VIEWS

COMMAND: Final = "import cdd-cesm"
#: Used when no spacing is given: 0.1 mm, the pixel pitch of the GE Senographe detectors of
#: CESM, of the order of every mammography detector's (0.05–0.1 mm). A guess, loudly warned of.
DEFAULT_PIXEL_SPACING_MM: Final = 0.1
#: Plausible pixel spacings of a mammogram, downsampled copies included.
SPACING_RANGE_MM: Final = (0.01, 1.0)
VIEW_CHOICES: Final[tuple[str, ...]] = (*VIEWS, "both")
MANIFEST_FILE: Final = "manifest.csv"
IMAGE_FOLDER: Final = "images"
MASK_FOLDER: Final = "masks"
#: PNG compression: on a 2294 × 1914 mammogram, zlib level 1 writes in about 15 % less time than
#: Pillow's default 6 and files about 10 % larger (benchmarks/bench_import_cdd_cesm.py); most of
#: the time is PNG's row filtering, which no level avoids.
PNG_COMPRESS_LEVEL: Final = 1


@dataclass(frozen=True)
class ImportSettings:
    """What the user chose.

    Attributes:
        pixel_spacing_mm: the images' pixel spacing; ``None`` uses the default, with a warning.
        view: ``CC``, ``MLO`` or ``both``.
    """

    pixel_spacing_mm: float | None = None
    view: str = "both"

    def validate(self) -> None:
        """Raises DatasetImportError for an impossible setting."""
        low, high = SPACING_RANGE_MM
        spacing = self.pixel_spacing_mm
        if spacing is not None and not (math.isfinite(spacing) and low <= spacing <= high):
            raise DatasetImportError(
                f"--pixel-spacing {spacing}: a mammogram's pixel spacing is between {low} and "
                f"{high} mm"
            )
        if self.view not in VIEW_CHOICES:
            raise DatasetImportError(f"--view {self.view}: expected {', '.join(VIEW_CHOICES)}")

    @property
    def spacing_mm(self) -> float:
        """The spacing used."""
        return DEFAULT_PIXEL_SPACING_MM if self.pixel_spacing_mm is None else self.pixel_spacing_mm

    @property
    def spacing_is_default(self) -> bool:
        """Whether the spacing is the default rather than the user's."""
        return self.pixel_spacing_mm is None


def default_spacing_warning() -> str:
    """What the user is told when the spacing is the default."""
    return (
        f"the CDD-CESM JPEGs do not state their pixel spacing; {DEFAULT_PIXEL_SPACING_MM} mm is "
        "assumed and written into the manifest. The 5 mm crop margin and every measurement in "
        "millimetres depend on it: pass --pixel-spacing MM with your copy's true spacing"
    )


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote and reported."""

    out: Path
    manifest: Path
    settings: ImportSettings
    summary: ImportSummary
    issues: tuple[ImportIssue, ...]
    regions: tuple[RegionRecord, ...]
    seconds: float

    def summary_lines(self) -> list[str]:
        """The end-of-run summary for the terminal."""
        spacing = f"{self.settings.spacing_mm:g} mm" + (
            " (DEFAULT, not stated by the dataset: see the warning)"
            if self.settings.spacing_is_default
            else ""
        )
        return [
            f"{self.summary.cases} cases -> {self.manifest} in {self.seconds:.1f} s",
            f"pixel spacing {spacing}",
            *self.summary.lines(),
            f"every issue: {self.out / 'import_issues.csv'}; every region: "
            f"{self.out / 'regions.csv'}",
        ]


@dataclass
class _Candidate:
    """A breast view with a lesion label and regions, on its way into the manifest."""

    pair: ImagePair
    row: dict[str, Any]
    regions: list[Region] = field(default_factory=list)
    shape: tuple[int, int] = (0, 0)


def _number_text(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


def _sheet_source(dataset: DatasetFiles) -> str:
    return f"{dataset.shown(dataset.sheet)}, sheet {SHEET_NAME}"


def _unknown_images(
    dataset: DatasetFiles,
    images: dict[ImageName, Path],
    rows: Sequence[SheetRow],
    regions: Sequence[Region],
) -> list[ImportIssue]:
    """Sheet rows and regions naming images that are not in the folders: one issue per image."""
    issues = []
    rows_by_image: dict[ImageName, list[int]] = defaultdict(list)
    for row in rows:
        if row.image not in images:
            rows_by_image[row.image].append(row.row)
    sheet = _sheet_source(dataset)
    for image, numbers in sorted(rows_by_image.items()):
        detail = f"{image.stem}: named in the sheet, but there is no such image file"
        source = f"{sheet}, {rows_text(numbers)}"
        issues.append(ImportIssue(source, "unknown_image", detail, True, image.key.case_id))
    for region in regions:
        if region.image not in images:
            detail = f"{region.image.stem}: a region drawn on an image that is not in the folders"
            issues.append(
                ImportIssue(region.source, "unknown_image", detail, True, region.image.key.case_id)
            )
    return issues


def _select(
    dataset: DatasetFiles,
    pairs: Sequence[ImagePair],
    rows: Sequence[SheetRow],
    regions: Sequence[Region],
    settings: ImportSettings,
    issues: list[ImportIssue],
) -> list[_Candidate]:
    """The breast views with a lesion label and at least one region; the others reported."""
    rows_by_key: dict[PairKey, list[SheetRow]] = defaultdict(list)
    for row in rows:
        rows_by_key[row.image.key].append(row)
    regions_by_key: dict[PairKey, list[Region]] = defaultdict(list)
    for region in regions:
        regions_by_key[region.image.key].append(region)
    sheet = _sheet_source(dataset)
    candidates = []
    for pair in pairs:
        key = pair.key
        source = dataset.shown(pair.low_energy)
        if settings.view != "both" and key.view != settings.view:
            detail = f"{key.case_id}: view {key.view}, not imported with --view {settings.view}"
            issues.append(ImportIssue(source, "other_view", detail, True, key.case_id))
            continue
        if not rows_by_key[key]:
            detail = f"{key.case_id}: no row of the annotation sheet names its images; left out"
            issues.append(ImportIssue(source, "no_annotation", detail, True, key.case_id))
            continue
        facts = combine_rows(key, rows_by_key[key], sheet)
        issues.extend(facts.issues)
        if facts.verdict != "lesion":
            continue
        if not regions_by_key[key]:
            detail = f"{key.case_id}: {facts.label}, but no region is drawn on its images"
            issues.append(ImportIssue(source, "no_segmentation", detail, True, key.case_id))
            continue
        manifest_row = {
            "case_id": key.case_id,
            "patient_id": key.patient_id,
            "low_energy": f"{IMAGE_FOLDER}/{key.case_id}_low_energy.png",
            "recombined": f"{IMAGE_FOLDER}/{key.case_id}_recombined.png",
            "mask": f"{MASK_FOLDER}/{key.case_id}.nii.gz",
            "label": facts.label,
            "age": _number_text(facts.age),
            "bi_rads": facts.bi_rads,
            "breast_density": facts.breast_density,
            "laterality": key.laterality,
            "view": key.view,
            "pixel_spacing_mm": f"{settings.spacing_mm:g}",
        }
        candidates.append(_Candidate(pair, manifest_row, regions_by_key[key]))
    return candidates


def _check_headers(
    dataset: DatasetFiles, candidates: Sequence[_Candidate], issues: list[ImportIssue]
) -> list[_Candidate]:
    """Candidates whose two JPEG headers read and agree in size; the others reported."""
    kept = []
    for candidate in candidates:
        pair = candidate.pair
        try:
            sizes = [jpeg_size(pair.low_energy), jpeg_size(pair.recombined)]
        except ImageReadError as error:
            issues.append(_unreadable(dataset, pair, error))
            continue
        if sizes[0] != sizes[1]:
            detail = (
                f"{pair.key.case_id}: low-energy image {sizes[0][0]} × {sizes[0][1]}, recombined "
                f"image {sizes[1][0]} × {sizes[1][1]} pixels (rows × columns); left out"
            )
            source = dataset.shown(pair.recombined)
            issues.append(ImportIssue(source, "size_mismatch", detail, True, pair.key.case_id))
            continue
        candidate.shape = sizes[0]
        kept.append(candidate)
    return kept


def _unreadable(dataset: DatasetFiles, pair: ImagePair, error: ImageReadError) -> ImportIssue:
    message = str(error)
    path = next(
        (p for p in (pair.low_energy, pair.recombined) if message.startswith(str(p))),
        pair.low_energy,
    )
    reason = message.removeprefix(f"{path}: ")
    detail = f"{pair.key.case_id}: {reason}; left out"
    return ImportIssue(dataset.shown(path), "unreadable_image", detail, True, pair.key.case_id)


def _check_free_space(candidates: Sequence[_Candidate], out: Path) -> None:
    """Refuse an import that would not fit: two 8-bit images per case, PNG at most a little
    larger than the raw pixels; masks compress to almost nothing."""
    needed = sum(2 * rows * columns for rows, columns in (c.shape for c in candidates)) * 1.05
    folder = next(p for p in (out, *out.parents) if p.exists())
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise DatasetImportError(
            f"--out {out}: {len(candidates)} cases need up to {needed / 1e9:.1f} GB, and only "
            f"{free / 1e9:.1f} GB are free there"
        )


def _write_png(pixels: NDArray[np.uint8], path: Path) -> None:
    Image.fromarray(pixels).save(path, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def _write_mask(mask: NDArray[np.bool_], spacing_mm: float, path: Path) -> None:
    image = sitk.GetImageFromArray(mask.astype(np.uint8))
    image.SetSpacing((spacing_mm, spacing_mm))
    sitk.WriteImage(image, str(path), True)


def _write_case(
    dataset: DatasetFiles,
    candidate: _Candidate,
    staging: Path,
    spacing_mm: float,
    issues: list[ImportIssue],
    regions: list[RegionRecord],
) -> bool:
    """Decode, rasterise and write one case into ``staging``; ``False`` when it is left out."""
    pair, key = candidate.pair, candidate.pair.key
    try:
        low, high = read_jpeg(pair.low_energy), read_jpeg(pair.recombined)
    except ImageReadError as error:
        issues.append(_unreadable(dataset, pair, error))
        return False
    lesion = choose_lesion(key, candidate.regions, low.shape)
    issues.extend(lesion.issues)
    regions.extend(lesion.records)
    if lesion.mask is None:
        detail = f"{key.case_id}: {candidate.row['label']}, but every drawn region lies outside"
        source = dataset.shown(pair.low_energy)
        issues.append(ImportIssue(source, "no_segmentation", detail, True, key.case_id))
        return False
    _write_png(low, staging / candidate.row["low_energy"])
    _write_png(high, staging / candidate.row["recombined"])
    _write_mask(lesion.mask, spacing_mm, staging / candidate.row["mask"])
    return True


def import_cdd_cesm(
    root: str | Path,
    out: str | Path,
    settings: ImportSettings,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the CDD-CESM dataset at ``root`` into the folder ``out`` (see the module
    docstring); ``progress(done, total)`` is called after each case written.

    Raises:
        DatasetImportError: an impossible setting, a dataset item missing or not what its
            authors describe, not enough disk space, or no case to import.
        OutputError: ``out`` cannot be written or holds files the importer did not write.
    """
    started = time.perf_counter()
    settings.validate()
    output = StagedOutput(out, COMMAND, exclusive=True)
    dataset = locate_dataset(root)
    found = pair_images(dataset)
    sheet = read_annotation_sheet(dataset.sheet, dataset.shown(dataset.sheet))
    drawn = read_segmentations(dataset.segmentations, dataset.shown(dataset.segmentations))
    issues = [*found.issues, *sheet.issues, *drawn.issues]
    issues += _unknown_images(dataset, found.images, sheet.rows, drawn.regions)
    candidates = _select(dataset, found.pairs, sheet.rows, drawn.regions, settings, issues)
    candidates = _check_headers(dataset, candidates, issues)
    _check_free_space(candidates, output.out)
    regions: list[RegionRecord] = []
    rows: list[dict[str, Any]] = []
    with output as staging:
        (staging / IMAGE_FOLDER).mkdir()
        (staging / MASK_FOLDER).mkdir()
        for done, candidate in enumerate(candidates, start=1):
            if _write_case(dataset, candidate, staging, settings.spacing_mm, issues, regions):
                rows.append(candidate.row)
            if progress is not None:
                progress(done, len(candidates))
        summary = ImportSummary.of(rows, issues)
        if not rows:
            reasons = ", ".join(f"{n} {reason}" for reason, n in summary.left_out.items())
            raise DatasetImportError(
                f"{dataset.root}: no case could be imported ({reasons or 'no images'}); "
                "nothing was written"
            )
        write_manifest(staging / MANIFEST_FILE, rows)
        write_report(staging, summary, _settings_record(dataset, settings), issues, regions)
    return ImportResult(
        out=output.out,
        manifest=output.out / MANIFEST_FILE,
        settings=settings,
        summary=summary,
        issues=tuple(issues),
        regions=tuple(regions),
        seconds=time.perf_counter() - started,
    )


def _settings_record(dataset: DatasetFiles, settings: ImportSettings) -> dict[str, Any]:
    return {
        "dataset": "CDD-CESM (Khaled et al., Sci Data 2022; TCIA, DOI 10.7937/29kw-ae92)",
        "root": str(dataset.root),
        "files": {
            "low_energy_images": dataset.shown(dataset.low_energy_folder),
            "recombined_images": dataset.shown(dataset.recombined_folder),
            "annotation_sheet": dataset.shown(dataset.sheet),
            "segmentations": dataset.shown(dataset.segmentations),
        },
        "settings": {
            "pixel_spacing_mm": settings.spacing_mm,
            "pixel_spacing_source": (
                "default: not stated by the dataset"
                if settings.spacing_is_default
                else "--pixel-spacing"
            ),
            "view": settings.view,
        },
        "software": software_versions("numpy", "pillow", "openpyxl", "SimpleITK"),
    }
