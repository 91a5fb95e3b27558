"""Checking a whole manifest and every file it names, reporting all problems at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from model_core.manifest.case_check import check_case
from model_core.manifest.issues import ValidationIssue, ValidationReport
from model_core.manifest.table import ManifestRow, read_table


def _shared_masks(rows: Iterable[ManifestRow]) -> list[ValidationIssue]:
    """A mask file outlining two cases is almost always a copy-paste slip in the manifest.

    (Two cases may share their images: two lesions of one breast view are two cases.)
    """
    first: dict[Path, ManifestRow] = {}
    issues = []
    for row in rows:
        if row.mask is None:
            continue
        if row.mask in first:
            earlier = first[row.mask]
            issues.append(
                ValidationIssue(
                    "warning",
                    row.line,
                    row.case_id,
                    "mask",
                    str(row.mask),
                    f"the same mask file as case {earlier.case_id} (line {earlier.line})",
                )
            )
        else:
            first[row.mask] = row
    return issues


def validate_manifest(
    path: str | Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    data_root: str | Path | None = None,
) -> ValidationReport:
    """Check the manifest's structure and every case's files; never raises for content problems.

    Every row that names a case is checked, including rows with structural errors (a bad
    age does not hide an unreadable image). Files are read in full, so that truncated pixel
    data is found here rather than during a reading session.

    Args:
        path: the manifest CSV.
        progress: called as ``progress(done, total)`` after each case (e.g. for a progress
            bar in a worker thread).
        data_root: confine every file to this folder (``""``: the manifest's folder); a file
            outside it is an error and is not opened, nor is a data file outside it that a
            detached NRRD or MetaImage header names.

    Returns:
        The report; ``report.ok`` is ``True`` when the manifest can be used.

    Raises:
        ManifestError: ``data_root`` is not an existing folder.
    """
    table = read_table(path, data_root=data_root)
    issues = list(table.issues)
    issues.extend(_shared_masks(table.rows))
    shapes: dict[str, tuple[int, int]] = {}
    for done, row in enumerate(table.rows, start=1):
        checked = check_case(row, confine_to=table.data_root)
        issues.extend(checked.issues)
        if checked.case is not None:
            shapes[row.case_id] = checked.case.low_energy.shape
        if progress is not None:
            progress(done, len(table.rows))
    cases = len({row.case_id for row in table.rows})
    return ValidationReport(str(table.path), cases, tuple(issues), table.readable, shapes)
