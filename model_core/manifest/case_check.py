"""Loading one case from its manifest row, with every check the validator reports.

:func:`check_case` is the single place where a case's files are read and judged; the
validator runs it on every row and collects its issues, :func:`load_case` runs it on one row and
refuses the case if any issue is an error. Warnings travel as data in :class:`CaseCheck`.

Pixel spacing: the files' spacing wins (the low-energy image's, else the recombined image's),
because the modality measured it; the ``pixel_spacing_mm`` column is the fallback for formats
that do not store it (PNG, some TIFF). When both exist and disagree, the file is used and a
warning says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_core.case import CesmCase, CesmImage
from model_core.errors import CaseError, CesmError
from model_core.io import read_image, read_mask
from model_core.lesion_geometry import largest_component, max_feret_diameter_mm
from model_core.manifest.issues import Severity, ValidationIssue
from model_core.manifest.table import Manifest, ManifestRow

#: Relative difference above which two spacings are different (0.1 %: DICOM DS rounding of
#: 0.07 mm-class spacings is far below, a different detector or magnification far above).
SPACING_TOLERANCE = 1e-3
#: The paper's inclusion criterion: lesions of at least 5 mm (longest diameter).
MINIMUM_LESION_MM = 5.0


@dataclass(frozen=True)
class CaseCheck:
    """The outcome of checking one manifest row.

    Attributes:
        row: the row checked.
        issues: every problem found, errors and warnings.
        case: the loaded case when there is no error, else ``None``.
        lesion_diameter_mm: the mask's longest diameter (largest region), when measurable.
    """

    row: ManifestRow
    issues: tuple[ValidationIssue, ...]
    case: CesmCase | None = None
    lesion_diameter_mm: float | None = None

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        """The issues that prevent using the case."""
        return tuple(issue for issue in self.issues if issue.severity == "error")


class _CaseIssues:
    def __init__(self, row: ManifestRow) -> None:
        self.row = row
        self.items: list[ValidationIssue] = []

    def add(self, severity: Severity, column: str, message: str, path: Path | None) -> None:
        self.items.append(
            ValidationIssue(
                severity,
                self.row.line,
                self.row.case_id,
                column,
                None if path is None else str(path),
                message,
            )
        )


def _strip_path(message: str, path: Path) -> str:
    """Reader messages start with the path; the issue carries it separately."""
    return message.removeprefix(f"{path}: ")


def _read(
    path: Path, column: str, issues: _CaseIssues, confine_to: Path | None
) -> CesmImage | None:
    try:
        return read_image(path, confine_to=confine_to)
    except CesmError as error:
        issues.add("error", column, _strip_path(str(error), path), path)
        return None


def _same_spacing(first: tuple[float, float], second: tuple[float, float]) -> bool:
    return all(
        math.isclose(a, b, rel_tol=SPACING_TOLERANCE) for a, b in zip(first, second, strict=True)
    )


def _fmt(spacing: tuple[float, float]) -> str:
    return f"{spacing[0]:g} × {spacing[1]:g} mm"


def _check_images(
    low: CesmImage | None, high: CesmImage | None, issues: _CaseIssues
) -> tuple[float, float] | None:
    """Shape, spacing, laterality and view agreement; returns the spacing to use, if any."""
    row = issues.row
    if row.low_energy == row.recombined:
        issues.add("warning", "recombined", "the same file as low_energy", row.recombined)
    if low is not None and high is not None:
        if low.shape != high.shape:
            issues.add(
                "error",
                "recombined",
                f"shape {high.shape} differs from the low-energy image's {low.shape} "
                "(rows, columns)",
                row.recombined,
            )
        if (
            low.spacing_mm is not None
            and high.spacing_mm is not None
            and not _same_spacing(low.spacing_mm, high.spacing_mm)
        ):
            issues.add(
                "error",
                "recombined",
                f"pixel spacing {_fmt(high.spacing_mm)} differs from the low-energy image's "
                f"{_fmt(low.spacing_mm)}",
                row.recombined,
            )
        if low.laterality and high.laterality and low.laterality != high.laterality:
            issues.add(
                "error",
                "recombined",
                f"laterality {high.laterality} differs from the low-energy image's "
                f"{low.laterality}",
                row.recombined,
            )
        if low.view and high.view and low.view != high.view:
            issues.add(
                "error",
                "recombined",
                f"view {high.view} differs from the low-energy image's {low.view}",
                row.recombined,
            )
    file_spacing = next(
        (image.spacing_mm for image in (low, high) if image and image.spacing_mm), None
    )
    column_spacing = row.pixel_spacing_mm
    if file_spacing is not None:
        if column_spacing is not None and not _same_spacing(file_spacing, column_spacing):
            issues.add(
                "warning",
                "pixel_spacing_mm",
                f"{_fmt(column_spacing)} differs from the file's {_fmt(file_spacing)}; the "
                "file's spacing is used",
                None,
            )
        return file_spacing
    if column_spacing is not None:
        return column_spacing
    if low is not None or high is not None:
        issues.add(
            "error",
            "pixel_spacing_mm",
            "unknown pixel spacing: the image files do not state it and the manifest has no "
            "pixel_spacing_mm value (the 5 mm crop margin needs it)",
            None,
        )
    return None


def _check_laterality(low: CesmImage | None, issues: _CaseIssues) -> None:
    """The manifest's laterality and view against the low-energy file's."""
    for column in ("laterality", "view"):
        stated = issues.row.metadata.get(column)
        found = getattr(low, column) if low is not None else None
        if found and stated and stated != found:
            issues.add(
                "warning",
                column,
                f"manifest says {stated}, the low-energy image says {found}",
                issues.row.low_energy,
            )


def _check_mask(
    shape: tuple[int, int] | None,
    spacing: tuple[float, float] | None,
    issues: _CaseIssues,
    confine_to: Path | None,
) -> tuple[np.ndarray | None, float | None]:
    path = issues.row.mask
    if path is None:
        return None, None
    try:
        mask = read_mask(path, shape=shape, confine_to=confine_to)
    except CesmError as error:
        issues.add("error", "mask", _strip_path(str(error), path), path)
        return None, None
    largest, regions = largest_component(mask)
    if regions == 0:
        issues.add("error", "mask", "mask is empty", path)
        return None, None
    if regions > 1:
        issues.add(
            "warning",
            "mask",
            f"mask has {regions} separate regions; the largest ({int(largest.sum())} of "
            f"{int(mask.sum())} pixels) is kept, as the paper evaluated the largest lesion",
            path,
        )
    if spacing is None:
        return largest, None
    diameter = max_feret_diameter_mm(largest, spacing)
    if diameter < MINIMUM_LESION_MM:
        issues.add(
            "warning",
            "mask",
            f"lesion is {diameter:.1f} mm across (longest diameter), under the paper's "
            f"{MINIMUM_LESION_MM:g} mm inclusion criterion",
            path,
        )
    return largest, diameter


def check_case(row: ManifestRow, *, confine_to: Path | None = None) -> CaseCheck:
    """Read the row's images and mask and check them; never raises for content problems.

    Checks: each file readable; both images of one shape, spacing, laterality and view; pixel
    spacing known (file or ``pixel_spacing_mm``); the mask of the images' shape, not empty,
    one region (else the largest is kept, with a warning), at least 5 mm across (else a
    warning); manifest laterality and view matching the file's.

    ``confine_to`` is the data root (resolved; :attr:`Manifest.data_root`): every file opened,
    down to the data file a detached NRRD or MetaImage header names, must lie inside it, and
    one outside is an error of its column, never opened.
    """
    issues = _CaseIssues(row)
    low = _read(row.low_energy, "low_energy", issues, confine_to)
    high = _read(row.recombined, "recombined", issues, confine_to)
    spacing = _check_images(low, high, issues)
    _check_laterality(low, issues)
    reference = low or high
    shape = reference.shape if reference is not None else None
    mask, diameter = _check_mask(shape, spacing, issues, confine_to)
    found = tuple(issues.items)
    failed = any(issue.severity == "error" for issue in found)
    if failed or low is None or high is None or spacing is None:
        return CaseCheck(row, found, None, diameter)
    metadata: dict[str, Any] = dict(row.metadata)
    case = CesmCase(
        case_id=row.case_id,
        low_energy=low,
        recombined=high,
        mask=mask,
        spacing_mm=spacing,
        label=row.label,
        metadata=metadata,
    )
    return CaseCheck(row, found, case, diameter)


def load_case(manifest: Manifest, case_id: str) -> CesmCase:
    """The case ``case_id`` of ``manifest``: both images, the mask's largest region, metadata.

    Use :func:`check_case` to also get the warnings (several mask regions, a lesion under
    5 mm, a spacing column that disagrees with the file). The files are confined to the
    manifest's data root, when it was loaded with one.

    Raises:
        ManifestError: the manifest has no such case.
        CaseError: listing every error of the case (unreadable file, a file outside the data
            root, shapes or spacings that differ, unknown spacing, empty mask...), each with the
            manifest line, column and file.
    """
    check = check_case(manifest.row(case_id), confine_to=manifest.data_root)
    if check.case is None:
        listed = "\n".join(f"  {issue}" for issue in check.errors)
        raise CaseError(f"manifest {manifest.path}, case {case_id} cannot be loaded:\n{listed}")
    return check.case
