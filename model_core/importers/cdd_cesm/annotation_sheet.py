"""The dataset's annotation workbook (``Radiology manual annotations.xlsx``, sheet ``all``).

One row per image, sometimes several (one per finding); columns ``Image_name`` (no extension),
``Patient_ID``, ``Side``, ``Type`` (``DM`` | ``CESM``), ``Age``, ``Breast density (ACR)``,
``BIRADS``, ``Findings``, ``View``, ``Tags``, ``Machine`` and ``Pathology Classification/ Follow
up`` (``Normal`` | ``Benign`` | ``Malignant``). A cell may hold several values joined by ``$``.

What is read: the image name, pathology, BI-RADS, age and breast density, each cell split at
``$`` into its values; ``Patient_ID``, ``Side``, ``View`` and ``Type`` only to check them against
the image name, which is what pairs images and regions. A value that cannot be used is reported
with its row and column and left out; the row's other values are still used. A workbook without
the sheet or without the ``Image_name`` or pathology column is not the dataset's: the import
stops there, naming the file and what is missing.

Header names are compared without letter case and runs of spaces, as spreadsheets edited by
hand vary (``Pathology Classification / Follow up``).
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from model_core.errors import DatasetImportError
from model_core.importers.cdd_cesm.file_names import ImageName, parse_image_name
from model_core.importers.cdd_cesm.issues import ImportIssue
from model_core.manifest.columns import parse_age
from model_core.vocabulary import canonical_bi_rads, canonical_breast_density

SHEET_NAME: Final = "all"
#: The workbook is a few hundred kB; a larger file is not the dataset's annotation sheet.
MAX_SHEET_BYTES: Final = 64 * 1024 * 1024
#: Pathology words of the sheet, canonical (lower case).
NORMAL: Final = "normal"
PATHOLOGY_WORDS: Final[tuple[str, ...]] = (NORMAL, "benign", "malignant")

IMAGE_NAME = "Image_name"
PATHOLOGY = "Pathology Classification/ Follow up"
_OPTIONAL = ("Patient_ID", "Side", "Type", "Age", "Breast density (ACR)", "BIRADS", "View")
#: The sheet's ``Type`` for each file-name energy code.
_TYPE_OF_ENERGY = {"DM": "DM", "CM": "CESM"}


def _header_key(name: object) -> str:
    return re.sub(r"\s+", "", str(name or "")).lower()


def split_cell(value: object) -> tuple[str, ...]:
    """The values of one cell: text split at ``$`` and stripped; ``4.0`` read as ``4``."""
    if value is None:
        return ()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return tuple(part.strip() for part in str(value).split("$") if part.strip())


@dataclass(frozen=True)
class SheetRow:
    """What one row says about one image.

    Attributes:
        row: the row's number in the sheet, as the spreadsheet shows it (the header is row 1).
        image: the image the row describes.
        pathology: ``normal``, ``benign``, ``malignant`` values of the pathology cell.
        bi_rads: canonical BI-RADS categories of the cell.
        age: age in years, when the cell holds one usable value.
        breast_density: canonical ACR categories of the cell.
    """

    row: int
    image: ImageName
    pathology: tuple[str, ...]
    bi_rads: tuple[str, ...]
    age: float | None
    breast_density: tuple[str, ...]


@dataclass(frozen=True)
class AnnotationSheet:
    """The sheet's usable rows and every problem met reading it."""

    rows: tuple[SheetRow, ...]
    issues: tuple[ImportIssue, ...]


class _RowReader:
    """Reads the cells of one row, reporting unusable values with the row and column."""

    def __init__(self, source: str, row: int, cells: dict[str, Any]) -> None:
        self.source = f"{source}, row {row}"
        self.row = row
        self.cells = cells
        self.issues: list[ImportIssue] = []

    def note(self, reason: str, detail: str, case_id: str | None) -> None:
        self.issues.append(ImportIssue(self.source, reason, detail, False, case_id))

    def values(self, column: str) -> tuple[str, ...]:
        return split_cell(self.cells.get(_header_key(column)))

    def pathology(self, case_id: str) -> tuple[str, ...]:
        words = []
        for value in self.values(PATHOLOGY):
            if value.lower() in PATHOLOGY_WORDS:
                words.append(value.lower())
            else:
                detail = (
                    f"column '{PATHOLOGY}': '{value}' is not Normal, Benign or Malignant; ignored"
                )
                self.note("unusable_value", detail, case_id)
        return tuple(words)

    def categories(self, column: str, parse: Any, case_id: str) -> tuple[str, ...]:
        found = []
        for value in self.values(column):
            try:
                found.append(parse(value))
            except ValueError as error:
                self.note("unusable_value", f"column '{column}': {error}; left empty", case_id)
        return tuple(found)

    def age(self, case_id: str) -> float | None:
        values = self.values("Age")
        if len(values) > 1:
            detail = f"column 'Age': several values {'$'.join(values)}; left empty"
            self.note("unusable_value", detail, case_id)
            return None
        try:
            return parse_age(values[0]) if values else None
        except ValueError as error:
            self.note("unusable_value", f"column 'Age': {error}; left empty", case_id)
            return None

    def check_against_name(self, image: ImageName) -> None:
        """``Patient_ID``, ``Side``, ``View`` and ``Type`` should say what the name says."""
        expected = {
            "Patient_ID": {str(image.patient), image.key.patient_id},
            "Side": {image.laterality},
            "View": {image.view},
            "Type": {_TYPE_OF_ENERGY[image.energy]},
        }
        for column, accepted in expected.items():
            values = self.values(column)
            if values and not {value.upper() for value in values} <= accepted:
                detail = (
                    f"column '{column}' says {'$'.join(values)}, the image name {image.stem} "
                    "says otherwise; the image name is used"
                )
                self.note("disagreeing_value", detail, image.key.case_id)


def _open_rows(path: Path, shown: str) -> Iterable[tuple[Any, ...]]:
    """The rows of the sheet, as tuples of cell values (openpyxl, streaming, values only)."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise DatasetImportError(f"{shown}: cannot read it ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        raise DatasetImportError(f"{shown}: not a regular file")
    if status.st_size > MAX_SHEET_BYTES:
        raise DatasetImportError(
            f"{shown}: {status.st_size / 2**20:.0f} MiB, larger than the "
            f"{MAX_SHEET_BYTES // 2**20} MiB an annotation workbook may have"
        )
    from openpyxl import load_workbook  # imported here: only the importer needs it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file (zip, XML, keys)
        raise DatasetImportError(
            f"{shown}: not a readable Excel workbook (.xlsx): {error}"
        ) from None
    try:
        if SHEET_NAME not in workbook.sheetnames:
            raise DatasetImportError(
                f"{shown}: no sheet '{SHEET_NAME}' (sheets: {', '.join(workbook.sheetnames)})"
            )
        rows = list(workbook[SHEET_NAME].iter_rows(values_only=True))
    except DatasetImportError:
        raise
    except Exception as error:  # a damaged sheet fails only while its rows are read
        raise DatasetImportError(
            f"{shown}, sheet '{SHEET_NAME}': cannot be read: {error}"
        ) from None
    finally:
        workbook.close()
    return rows


def read_annotation_sheet(path: str | Path, shown: str) -> AnnotationSheet:
    """Read the sheet ``all`` of the workbook at ``path``; ``shown`` names it in messages.

    Raises:
        DatasetImportError: not a readable workbook, no sheet ``all``, no header with the
            ``Image_name`` and pathology columns.
    """
    source = f"{shown}, sheet {SHEET_NAME}"
    rows = iter(enumerate(_open_rows(Path(path), shown), start=1))
    header: dict[str, int] = {}
    number = 0
    for number, values in rows:  # noqa: B007 (the header's row number is used below)
        if any(value is not None and str(value).strip() for value in values):
            header = {_header_key(name): index for index, name in enumerate(values) if name}
            break
    if not header:
        raise DatasetImportError(f"{source}: is empty")
    missing = [name for name in (IMAGE_NAME, PATHOLOGY) if _header_key(name) not in header]
    if missing:
        raise DatasetImportError(
            f"{source}, row {number}: no column {' and no column '.join(map(repr, missing))} "
            "in the header row"
        )
    issues: list[ImportIssue] = []
    absent = [name for name in _OPTIONAL if _header_key(name) not in header]
    if absent:
        detail = f"no column {', '.join(map(repr, absent))}: those values stay empty"
        issues.append(ImportIssue(f"{source}, row {number}", "unusable_value", detail, False))
    parsed: list[SheetRow] = []
    for number, values in rows:
        cells = {key: values[index] for key, index in header.items() if index < len(values)}
        if not any(value is not None and str(value).strip() for value in cells.values()):
            continue  # blank rows: spreadsheet leftovers
        reader = _RowReader(source, number, cells)
        written = reader.values(IMAGE_NAME)
        image = parse_image_name(written[0]) if len(written) == 1 else None
        if image is None:
            detail = (
                f"column '{IMAGE_NAME}': {'$'.join(written) or '(empty)'!r} is not an image "
                "name P{id}_{L|R}_{DM|CM}_{CC|MLO}; the row is not used"
            )
            issues.append(ImportIssue(reader.source, "malformed_row", detail, True))
            continue
        case_id = image.key.case_id
        reader.check_against_name(image)
        parsed.append(
            SheetRow(
                row=number,
                image=image,
                pathology=reader.pathology(case_id),
                bi_rads=reader.categories("BIRADS", canonical_bi_rads, case_id),
                age=reader.age(case_id),
                breast_density=reader.categories(
                    "Breast density (ACR)", canonical_breast_density, case_id
                ),
            )
        )
        issues.extend(reader.issues)
    return AnnotationSheet(tuple(parsed), tuple(issues))
