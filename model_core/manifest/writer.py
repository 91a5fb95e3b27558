"""Writing a case manifest: the columns in the documented order, one row per case.

Tools that make cohorts (the synthetic cohort generator, the simulators, importers of public
datasets) write their manifests here, so that every manifest the project writes has the same
column order and reads back through :func:`~model_core.manifest.load_manifest` unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from model_core.manifest.columns import COLUMN_ORDER, REQUIRED_COLUMNS


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def write_manifest(path: str | Path, rows: Sequence[Mapping[str, object]]) -> Path:
    """Write ``rows`` (column → value; ``None`` is an empty cell) as a manifest CSV.

    The columns are those any row fills, the format's own in the documented order, then any
    others in the order first met. Paths are written as given (relative to the manifest's
    folder, by the format's rule).

    Raises:
        ValueError: a row lacks a required column (a programming error, not user input).
    """
    present: dict[str, None] = {}
    for row in rows:
        present.update(dict.fromkeys(row))
    for index, row in enumerate(rows):
        missing = [column for column in REQUIRED_COLUMNS if column not in row]
        if missing:
            raise ValueError(f"manifest row {index} lacks required column(s) {missing}")
    columns = [c for c in COLUMN_ORDER if c in present]
    columns += [c for c in present if c not in COLUMN_ORDER]
    target = Path(path)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(row.get(column)) for column in columns] for row in rows)
    return target
