"""What validation finds: one :class:`ValidationIssue` per problem, gathered in a report.

An issue is located as precisely as the problem allows (line of the CSV file, case, column,
the file the cell names), so that a coordinator can fix a 500-case manifest in one pass.
Warnings do not stop a study (a lesion under 5 mm, a mask of several regions); errors do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from model_core.formats.text_safety import escape_unsafe

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class ValidationIssue:
    """One problem of a manifest or of one of its cases.

    Attributes:
        severity: ``"error"`` (the case or manifest cannot be used) or ``"warning"``.
        line: 1-based line in the CSV file (the header's, usually 1, for header problems),
            or ``None`` for the file.
        case_id: the row's case, when known.
        column: the manifest column concerned, when one is.
        path: the file the problem concerns (an image, a mask, or the manifest itself).
        message: what is wrong, in words.
    """

    severity: Severity
    line: int | None
    case_id: str | None
    column: str | None
    path: str | None
    message: str

    def __str__(self) -> str:
        """The issue on one line, control characters of the input escaped."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.case_id:
            where.append(f"case {self.case_id}")
        if self.column is not None:
            where.append(f"column {self.column}")
        location = ", ".join(where)
        if self.path is not None:
            location = f"{location} ({self.path})" if location else self.path
        return escape_unsafe(f"{location}: {self.message}" if location else self.message)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return asdict(self)


def _order(issue: ValidationIssue) -> tuple[int, int]:
    return (0 if issue.severity == "error" else 1, issue.line or 0)


@dataclass(frozen=True)
class ValidationReport:
    """Everything :func:`~model_core.manifest.validate_manifest` found in one manifest.

    Attributes:
        manifest: the manifest file, as an absolute path.
        cases: number of data rows that name a case.
        issues: every problem, errors first, each group in line order.
        readable: ``False`` when the file is not a manifest at all (missing, not UTF-8 text,
            empty, without the ``case_id``/``low_energy``/``recombined`` columns, or with one of
            them named twice), so that no case could be checked.
        image_shapes: (rows, columns) of the images of every case whose files passed every
            check, so that later steps (a model's heat maps at study init) compare against
            them without decoding the images again.
    """

    manifest: str
    cases: int
    issues: tuple[ValidationIssue, ...]
    readable: bool = True
    image_shapes: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issues", tuple(sorted(self.issues, key=_order)))

    @property
    def errors(self) -> tuple[ValidationIssue, ...]:
        """Issues that make a case or the manifest unusable."""
        return tuple(issue for issue in self.issues if issue.severity == "error")

    @property
    def warnings(self) -> tuple[ValidationIssue, ...]:
        """Issues worth a look that do not stop a study."""
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    @property
    def ok(self) -> bool:
        """The manifest is usable: readable and without errors (warnings allowed)."""
        return self.readable and not self.errors

    def summary(self) -> str:
        """``N cases, E errors, W warnings``."""

        def count(number: int, noun: str) -> str:
            return f"{number} {noun}{'' if number == 1 else 's'}"

        return ", ".join(
            [
                count(self.cases, "case"),
                count(len(self.errors), "error"),
                count(len(self.warnings), "warning"),
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report: the counts, the verdict and every issue."""
        return {
            "manifest": self.manifest,
            "cases": self.cases,
            "readable": self.readable,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [issue.to_dict() for issue in self.issues],
        }
