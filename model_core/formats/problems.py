"""Problems found in input files, located by file, line and column, and reported all at once.

A reads file assembled by hand (or merged from two sites) goes wrong in many small ways at once,
so readers of the data formats never stop at the first problem: every check runs, every problem
is collected, and one error lists them all, in file and line order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model_core.errors import CesmError
from model_core.formats.text_safety import escape_unsafe


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with one input file, located as precisely as the problem allows.

    ``line`` counts as a text editor does (the header is line 1); ``None`` means the file as a
    whole. ``column`` is the CSV column concerned, when one is.
    """

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """The problem on one line, control characters of the input escaped."""
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return escape_unsafe(f"{', '.join(where)}: {self.message}")


@dataclass
class ProblemCollector:
    """Accumulates :class:`FileProblem` s; raises them all at once."""

    problems: list[FileProblem] = field(default_factory=list)

    def add(self, file: str, line: int | None, column: str | None, message: str) -> None:
        """Record one problem."""
        self.problems.append(FileProblem(file, line, column, message))

    def raise_if_any(self, error: type[CesmError], what: str) -> None:
        """Raise one ``error`` listing every problem, if there is any.

        ``what`` names the inputs and the consequence, e.g. ``"the analysis inputs (nothing was
        analysed)"``.
        """
        if not self.problems:
            return
        count = len(self.problems)
        files = list(dict.fromkeys(problem.file for problem in self.problems))
        ordered = sorted(
            self.problems,
            key=lambda p: (files.index(p.file), p.line is None, p.line or 0),
        )  # stable: problems of one line keep the order of the checks
        lines = "\n".join(f"  - {problem}" for problem in ordered)
        noun = "problem" if count == 1 else "problems"
        raise error(f"{count} {noun} in {what}:\n{lines}")
