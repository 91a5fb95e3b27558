"""Reading the case manifest's CSV structure into typed rows, collecting every problem.

The reader never stops at the first problem: it returns each one as a
:class:`~model_core.manifest.issues.ValidationIssue`, so that :func:`load_manifest` can refuse
a manifest listing all of them and the validator can go on to check the files of every row
that names them. Only when the file is not a CSV table with the ``case_id``, ``low_energy``
and ``recombined`` columns is nothing else checked.

Paths are made absolute relative to the manifest's folder, without resolving symbolic links
(a coordinator's linked data folder keeps the name they know).

**Data root.** A researcher's own manifest may name files anywhere (``/data/...``, ``../``). A
manifest that arrives from elsewhere (a study shared between sites) must not make a workstation
read arbitrary files, so a ``data_root`` confines every file to one folder: a path that
resolves outside it — through ``..``, an absolute path or a symbolic link — is an error of its
cell, and the file is never opened. The :class:`Manifest` keeps the root, so that loading a case
confines the files the image readers open in turn (a detached header's data file) to it too.

**Ids and file names** may not hold control characters or bidirectional overrides
(:mod:`model_core.formats.text_safety`): they are printed in every message about their row.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model_core.errors import ManifestError
from model_core.formats.csv_text import CsvTextError, read_csv_text, split_table
from model_core.formats.text_safety import unsafe_text_refusal
from model_core.io.file_checks import outside_data_root
from model_core.manifest.columns import (
    KNOWN_COLUMNS,
    METADATA_PARSERS,
    PATH_COLUMNS,
    REQUIRED_COLUMNS,
    parse_pixel_spacing_mm,
)
from model_core.manifest.issues import Severity, ValidationIssue
from model_core.vocabulary import VIEWS, canonical_label

#: Without these columns there is no case to check: the file is not a manifest.
STRUCTURAL_COLUMNS: tuple[str, ...] = ("case_id", "low_energy", "recombined")


@dataclass(frozen=True)
class ManifestRow:
    """One case (one lesion) as the manifest describes it.

    Attributes:
        case_id: the unique case id.
        line: 1-based line of the row in the CSV file (the header is line 1).
        low_energy: absolute path of the low-energy image.
        recombined: absolute path of the recombined image.
        mask: absolute path of the lesion mask, or ``None`` (no ``mask`` column or empty cell).
        label: ``"benign"``, ``"malignant"`` or ``None`` (no ground truth).
        pixel_spacing_mm: (row, column) spacing from the ``pixel_spacing_mm`` column, used only
            when the image files do not state their spacing.
        metadata: every other column present, typed (``age`` and ``diameter_cm`` float,
            ``bi_rads``, ``laterality``, ``view`` and the rest str; ``None`` when empty);
            columns the format does not define are kept as text.
        cells: every cell of the row as written (stripped), by column: what tables and
            reports show, so that ``54`` is not displayed as ``54.0``.
    """

    case_id: str
    line: int
    low_energy: Path
    recombined: Path
    mask: Path | None = None
    label: str | None = None
    pixel_spacing_mm: tuple[float, float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    cells: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """A parsed case manifest: its rows in file order, unique by ``case_id``.

    Attributes:
        path: the manifest file, absolute.
        rows: the cases, in file order.
        columns: the header's column names, in file order.
        warnings: structural warnings (unknown columns, unusual views...), which do not
            prevent loading.
        data_root: the folder every file is confined to (resolved), or ``None``; loading a
            case confines its image readers to it.
    """

    path: Path
    rows: tuple[ManifestRow, ...]
    columns: tuple[str, ...] = ()
    warnings: tuple[ValidationIssue, ...] = ()
    data_root: Path | None = None

    @property
    def case_ids(self) -> tuple[str, ...]:
        """The case ids, in file order."""
        return tuple(row.case_id for row in self.rows)

    def row(self, case_id: str) -> ManifestRow:
        """The row of ``case_id``.

        Raises:
            ManifestError: the manifest has no such case.
        """
        for row in self.rows:
            if row.case_id == case_id:
                return row
        raise ManifestError(f"{self.path}: no case '{case_id}' in the manifest")

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class ParsedTable:
    """What reading the CSV gave: every row that names a case, and every problem met.

    ``rows`` includes rows whose ``case_id`` repeats an earlier one and rows with bad
    optional cells, so that the validator checks their files too; :attr:`manifest` keeps the
    first row of each case.
    """

    path: Path
    readable: bool
    columns: tuple[str, ...]
    rows: tuple[ManifestRow, ...]
    issues: tuple[ValidationIssue, ...]
    data_root: Path | None = None

    @property
    def manifest(self) -> Manifest:
        """The unique rows as a :class:`Manifest` (structural errors notwithstanding)."""
        seen: set[str] = set()
        unique = []
        for row in self.rows:
            if row.case_id not in seen:
                seen.add(row.case_id)
                unique.append(row)
        warnings = tuple(issue for issue in self.issues if issue.severity == "warning")
        return Manifest(self.path, tuple(unique), self.columns, warnings, self.data_root)


class _Issues:
    """Collects issues for one manifest file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[ValidationIssue] = []

    def add(
        self,
        severity: Severity,
        message: str,
        *,
        line: int | None = None,
        case_id: str | None = None,
        column: str | None = None,
        path: str | None = None,
    ) -> None:
        self.items.append(ValidationIssue(severity, line, case_id, column, path, message))


def _absolute(folder: Path, cell: str) -> Path:
    return Path(os.path.normpath(folder / cell))


def _check_header(header: list[str], issues: _Issues, line: int = 1) -> bool:
    """Report header problems, located on the header's ``line``; ``True`` when rows can be read.

    Rows can be read when the ``case_id``, ``low_energy`` and ``recombined`` columns are there,
    once each; another column named twice is an error of the manifest, whose first occurrence is
    read. (Empty header cells are :func:`~model_core.formats.csv_text.split_table`'s to report.)
    """
    manifest = str(issues.path)
    duplicates = sorted({name for name in header if header.count(name) > 1 and name})
    for name in duplicates:
        issues.add("error", f"column '{name}' appears more than once", line=line, column=name)
    if not any(name in header for name in REQUIRED_COLUMNS):
        separator = ";" if ";" in ",".join(header) else "\t" if "\t" in ",".join(header) else ""
        hint = f"; it seems to use {separator!r} as separator, expected ','" if separator else ""
        issues.add(
            "error",
            f"no header row with the required columns {', '.join(REQUIRED_COLUMNS)}{hint}",
            line=line,
            path=manifest,
        )
        return False
    lowered = {name.lower(): name for name in header}
    for name in REQUIRED_COLUMNS:
        if name not in header:
            found = lowered.get(name)
            hint = f" (found '{found}'; column names are lower case)" if found else ""
            issues.add("error", f"required column is missing{hint}", line=line, column=name)
    for name in header:
        refusal = unsafe_text_refusal(name, "the column name")
        if refusal:
            issues.add("error", refusal, line=line)
        elif name and name not in KNOWN_COLUMNS and name.lower() not in REQUIRED_COLUMNS:
            issues.add("warning", "unknown column, kept as text", line=line, column=name)
    if "mask" not in header:
        issues.add(
            "warning",
            "no mask column: the classifier cannot be applied",
            line=line,
            column="mask",
        )
    present = all(name in header for name in STRUCTURAL_COLUMNS)
    return present and not any(name in STRUCTURAL_COLUMNS for name in duplicates)


def _parse_row(
    line: int, cells: dict[str, str], folder: Path, issues: _Issues, data_root: Path | None
) -> ManifestRow | None:
    case_id = cells["case_id"]
    if not case_id:
        issues.add("error", "case_id is empty", line=line, column="case_id")
    elif refusal := unsafe_text_refusal(case_id, "case_id"):
        issues.add("error", refusal, line=line, column="case_id")
        case_id = ""  # not a case, and not printed again in this row's other issues
    if refusal := unsafe_text_refusal(cells.get("patient_id", ""), "patient_id"):
        issues.add("error", refusal, line=line, case_id=case_id, column="patient_id")
    paths: dict[str, Path | None] = {}
    for column in PATH_COLUMNS:
        text = cells.get(column)
        paths[column] = None
        if text and (refusal := unsafe_text_refusal(text, "the file name")):
            issues.add("error", refusal, line=line, case_id=case_id, column=column)
        elif text:
            absolute = _absolute(folder, text)
            refusal = outside_data_root(absolute, data_root)
            if refusal:
                issues.add(
                    "error", refusal, line=line, case_id=case_id, column=column, path=str(absolute)
                )
            else:
                paths[column] = absolute
        elif column != "mask":
            issues.add("error", "no file given", line=line, case_id=case_id, column=column)
        elif column in cells:
            message = "no mask: the classifier cannot be applied to this case"
            issues.add("warning", message, line=line, case_id=case_id, column=column)

    def parsed(column: str, parser: Any) -> Any:
        try:
            return parser(cells[column])
        except ValueError as error:
            issues.add("error", str(error), line=line, case_id=case_id, column=column)
            return None

    label = parsed("label", canonical_label) if "label" in cells else None
    spacing = (
        parsed("pixel_spacing_mm", parse_pixel_spacing_mm) if "pixel_spacing_mm" in cells else None
    )
    metadata: dict[str, Any] = {}
    for column, text in cells.items():
        if column in METADATA_PARSERS:
            metadata[column] = parsed(column, METADATA_PARSERS[column])
        elif column not in KNOWN_COLUMNS:
            metadata[column] = text or None
    view = metadata.get("view")
    if view is not None and view not in VIEWS:
        issues.add(
            "warning",
            f"view '{view}' is neither {' nor '.join(VIEWS)} (the paper's views)",
            line=line,
            case_id=case_id,
            column="view",
        )
    if not (case_id and paths["low_energy"] and paths["recombined"]):
        return None
    return ManifestRow(
        case_id=case_id,
        line=line,
        low_energy=paths["low_energy"],
        recombined=paths["recombined"],
        mask=paths["mask"],
        label=label,
        pixel_spacing_mm=spacing,
        metadata=metadata,
        cells=cells,
    )


def resolve_data_root(manifest: str | Path, data_root: str | Path | None) -> Path | None:
    """The data root as the reader applies it: resolved, ``""`` meaning the manifest's folder.

    Raises:
        ManifestError: the root is not an existing folder (checked once here, rather than
            every file being reported outside a root that is not there); the manifest's own
            folder is not, the manifest being reported missing instead.
    """
    if data_root is None:
        return None
    own_folder = Path(os.path.abspath(manifest)).parent
    folder = own_folder if str(data_root) == "" else Path(data_root)
    resolved = Path(os.path.realpath(folder))
    if not resolved.is_dir() and resolved != Path(os.path.realpath(own_folder)):
        what = "does not exist" if not resolved.exists() else "is not a folder"
        raise ManifestError(f"data root {folder}: {what}; files are confined to a folder")
    return resolved  # (the manifest's own folder, if missing, is reported as the missing file)


def read_table(path: str | Path, *, data_root: str | Path | None = None) -> ParsedTable:
    """Parse the manifest's CSV structure; never raises for content problems.

    ``data_root`` confines the files (see the module docstring); ``""`` is the manifest's folder.

    Raises:
        ManifestError: ``data_root`` is not an existing folder (:func:`resolve_data_root`).
    """
    root = resolve_data_root(path, data_root)
    path = Path(os.path.abspath(path))
    issues = _Issues(path)
    try:
        text = read_csv_text(path)
    except CsvTextError as error:
        issues.add("error", error.message, line=error.line, path=str(path))
        return ParsedTable(path, False, (), (), tuple(issues.items), root)
    table = split_table(text)
    header = list(table.header)
    readable = table.header_line is not None and _check_header(header, issues, table.header_line)
    if table.header_line is None or readable:  # else nothing more is read: not a manifest
        for problem in table.problems:
            issues.add("error", problem.message, line=problem.line, path=str(path))
    if table.header_line is None:
        issues.add("error", "is empty (no header, no rows)", path=str(path))
    rows: list[ManifestRow] = []
    first_line: dict[str, int] = {}
    for line, fields in table.rows if readable else ():
        cells: dict[str, str] = {}
        for name, cell in zip(header, fields, strict=True):
            if name and name not in cells:  # a repeated column is read where it first appears
                cells[name] = cell
        row = _parse_row(line, cells, path.parent, issues, root)
        if row is None:
            continue
        if row.case_id in first_line:
            issues.add(
                "error",
                f"duplicate case_id '{row.case_id}' (first on line {first_line[row.case_id]})",
                line=line,
                case_id=row.case_id,
                column="case_id",
            )
        else:
            first_line[row.case_id] = line
        rows.append(row)
    if readable and not rows and not any(i.severity == "error" for i in issues.items):
        issues.add("warning", "the manifest has a header but no cases", path=str(path))
    return ParsedTable(path, readable, tuple(header), tuple(rows), tuple(issues.items), root)


def load_manifest(path: str | Path, *, data_root: str | Path | None = None) -> Manifest:
    """The manifest in ``path``, its paths made absolute and its optional columns typed.

    Only the CSV structure is checked here; the image files are read by
    :func:`~model_core.manifest.load_case` and checked by
    :func:`~model_core.manifest.validate_manifest`.

    Raises:
        ManifestError: listing *every* structural problem (missing file, not UTF-8, no header,
            missing required columns, wrong field counts, duplicate case ids, unknown labels,
            bad numbers...), one per line, each with its line and column; or ``data_root`` is
            not an existing folder.
    """
    table = read_table(path, data_root=data_root)
    errors = sorted(
        (issue for issue in table.issues if issue.severity == "error"),
        key=lambda issue: issue.line or 0,
    )
    if errors:
        listed = "\n".join(f"  {issue}" for issue in errors)
        noun = "problem" if len(errors) == 1 else "problems"
        raise ManifestError(f"manifest {table.path}: {len(errors)} {noun}:\n{listed}")
    return table.manifest
