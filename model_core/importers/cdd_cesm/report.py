"""The import's report: what was imported, what was left out and why, in three files and a
summary for the terminal.

* ``import_report.json``: the settings (the pixel spacing and whether it was the default), the
  dataset's files, the counts (cases by label, view and BI-RADS; issues by reason) and the
  software versions;
* ``import_issues.csv``: every issue, one row each, with the dataset file and row it comes from;
* ``regions.csv``: every drawn region of an imported case, its area and what became of it.

The two CSV files are for people, so they go through
:func:`~model_core.formats.spreadsheet_csv.write_spreadsheet_csv` (byte-order mark, cells that
a spreadsheet would run as formulas neutralised).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from model_core.formats.spreadsheet_csv import write_spreadsheet_csv
from model_core.importers.cdd_cesm.issues import REASONS, ImportIssue
from model_core.importers.cdd_cesm.lesions import RegionRecord

REPORT_FILE: Final = "import_report.json"
ISSUES_FILE: Final = "import_issues.csv"
REGIONS_FILE: Final = "regions.csv"
#: How a missing value is counted in the summary.
NONE: Final = "(none)"


def count_by(rows: Iterable[Mapping[str, object]], column: str) -> dict[str, int]:
    """How many ``rows`` have each value of ``column``, in sorted order; empty as ``(none)``."""
    counts = Counter(NONE if row.get(column) is None else str(row[column]) for row in rows)
    return dict(sorted(counts.items()))


def issue_counts(issues: Iterable[ImportIssue], *, left_out: bool) -> dict[str, int]:
    """Issues by reason, in the order of :data:`REASONS`."""
    counts = Counter(issue.reason for issue in issues if issue.left_out == left_out)
    return {reason: counts[reason] for reason in REASONS if counts[reason]}


@dataclass(frozen=True)
class ImportSummary:
    """The counts an import reports."""

    cases: int
    by_label: dict[str, int]
    by_view: dict[str, int]
    by_bi_rads: dict[str, int]
    left_out: dict[str, int]
    notes: dict[str, int]

    @classmethod
    def of(
        cls, rows: Sequence[Mapping[str, object]], issues: Sequence[ImportIssue]
    ) -> ImportSummary:
        """The summary of manifest ``rows`` and ``issues``."""
        return cls(
            cases=len(rows),
            by_label=count_by(rows, "label"),
            by_view=count_by(rows, "view"),
            by_bi_rads=count_by(rows, "bi_rads"),
            left_out=issue_counts(issues, left_out=True),
            notes=issue_counts(issues, left_out=False),
        )

    def lines(self) -> list[str]:
        """The summary for the terminal, one line per count."""

        def listed(counts: Mapping[str, int]) -> str:
            return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"

        return [
            f"by label: {listed(self.by_label)}",
            f"by view: {listed(self.by_view)}",
            f"by BI-RADS: {listed(self.by_bi_rads)}",
            f"left out: {listed(self.left_out)}",
            f"imported with a note: {listed(self.notes)}",
        ]


def write_report(
    folder: Path,
    summary: ImportSummary,
    settings: Mapping[str, Any],
    issues: Sequence[ImportIssue],
    regions: Sequence[RegionRecord],
) -> None:
    """Write the three report files into ``folder``."""
    report = {
        **settings,
        "summary": asdict(summary),
        "reasons": {reason: REASONS[reason] for reason in {**summary.left_out, **summary.notes}},
    }
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    (folder / REPORT_FILE).write_text(text, encoding="utf-8")
    issue_table = pd.DataFrame(
        [
            {
                "source": issue.source,
                "reason": issue.reason,
                "left_out": "yes" if issue.left_out else "no",
                "case_id": issue.case_id or "",
                "detail": issue.detail,
            }
            for issue in issues
        ],
        columns=["source", "reason", "left_out", "case_id", "detail"],
    )
    write_spreadsheet_csv(issue_table, folder / ISSUES_FILE)
    region_columns = list(RegionRecord.__dataclass_fields__)
    region_table = pd.DataFrame([asdict(record) for record in regions], columns=region_columns)
    write_spreadsheet_csv(region_table, folder / REGIONS_FILE)
