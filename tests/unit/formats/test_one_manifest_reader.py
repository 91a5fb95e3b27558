"""``validate`` and ``analyze`` read a manifest with one reader: they accept and refuse alike.

A manifest that ``validate`` accepts must be analysable, and every error ``validate`` reports
about it must be reported by the analysis too, at the same line and column and in the same
words. Each variant below edits one small synthetic cohort's manifest (with real image files,
so that ``validate`` has nothing else to complain about) in one way a coordinator might.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from model_core.manifest import validate_manifest
from studies.analysis.inputs import load_inputs
from studies.errors import AnalysisInputError
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort
from studies.simulation.reader_study import simulate_from_manifest

Table = list[list[str]]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A six-case cohort (both labels) and a simulated reads file for it."""
    folder = tmp_path_factory.mktemp("agreement")
    result = synthesize_cohort(
        CohortSettings(cases=6, seed=5, size="small", malignant_fraction=0.5), folder / "cohort"
    )
    assert 0 < result.malignant < 6
    study = simulate_from_manifest(result.manifest, n_readers=2, seed=1)
    reads, _ = study.write(folder / "study")
    return result.manifest, reads


def _table(text: str) -> Table:
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def _text(table: Table) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(table)
    return out.getvalue()


def _set_cell(row: int, column: str, value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        table = _table(text)
        table[row][table[0].index(column)] = value
        return _text(table)

    return edit


def _drop_column(column: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        table = _table(text)
        index = table[0].index(column)
        return _text([[cell for i, cell in enumerate(row) if i != index] for row in table])

    return edit


def _add_column(name: str, value: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        table = _table(text)
        return _text([table[0] + [name]] + [[*row, value] for row in table[1:]])

    return edit


def _repeat_row(row: int) -> Callable[[str], str]:
    def edit(text: str) -> str:
        table = _table(text)
        return _text([*table, table[row]])

    return edit


ACCEPTED: dict[str, Callable[[str], str]] = {
    "as written": lambda text: text,
    "blank lines above the header": lambda text: "\n\n" + text,
    "rows of empty cells below": lambda text: text + ",,,,\n\n",
    "labels in capitals": lambda text: text.replace(",benign,", ",BENIGN,"),
    "BI-RADS in lower case": lambda text: text.replace(",4A,", ",4a,").replace(",4B,", ",4b,"),
    "an extra column": _add_column("scanner", "Senographe"),
    "no mask column": _drop_column("mask"),
    "a bare BI-RADS 4": _set_cell(1, "bi_rads", "4"),
    "spaces around cells": lambda text: text.replace(",", " , "),
}

REFUSED: dict[str, Callable[[str], str]] = {
    "diameter 0": _set_cell(2, "diameter_cm", "0"),
    "diameter not a number": _set_cell(2, "diameter_cm", "big"),
    "diameter with a decimal comma": _set_cell(2, "diameter_cm", "2,5"),
    "unknown label": _set_cell(3, "label", "tumour"),
    "unknown BI-RADS": _set_cell(1, "bi_rads", "7"),
    "age out of range": _set_cell(4, "age", "200"),
    "unknown laterality": _set_cell(4, "laterality", "X"),
    "empty case id": _set_cell(5, "case_id", ""),
    "no low-energy file": _set_cell(5, "low_energy", ""),
    "repeated case": _repeat_row(2),
    "label column missing": _drop_column("label"),
    "too few fields": lambda text: text.replace(",CC,", ",", 1),
    "unclosed quote": lambda text: text.replace(",CC,", ',"CC,', 1),
    "semicolons": lambda text: text.replace(",", ";"),
    "empty file": lambda text: "",
    "only a blank line": lambda text: "\n",
}


def _write(cohort: tuple[Path, Path], edit: Callable[[str], str], name: str) -> Path:
    manifest, _ = cohort
    variant = manifest.parent / f"variant_{abs(hash(name))}.csv"
    original = manifest.read_text(encoding="utf-8")
    edited = edit(original)
    assert name == "as written" or edited != original, f"the variant '{name}' changed nothing"
    variant.write_text(edited, encoding="utf-8")
    return variant


def _analysis_problems(reads: Path, manifest: Path) -> str | None:
    try:
        load_inputs(reads, manifest)
    except AnalysisInputError as error:
        return str(error)
    return None


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_what_validate_accepts_analyze_accepts(cohort: tuple[Path, Path], name: str) -> None:
    manifest = _write(cohort, ACCEPTED[name], name)
    report = validate_manifest(manifest)
    assert report.errors == (), report.errors
    assert _analysis_problems(cohort[1], manifest) is None


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_validate_refuses_analyze_refuses_in_the_same_words(
    cohort: tuple[Path, Path], name: str
) -> None:
    manifest = _write(cohort, REFUSED[name], name)
    report = validate_manifest(manifest)
    assert report.errors, f"validate accepted the variant '{name}'"
    problems = _analysis_problems(cohort[1], manifest)
    assert problems is not None, f"analyze accepted the variant '{name}'"
    for issue in report.errors:
        where = [str(manifest)]
        if issue.line is not None:
            where.append(f"line {issue.line}")
        if issue.column is not None:
            where.append(f"column '{issue.column}'")
        assert f"{', '.join(where)}: {issue.message}" in problems, (issue, problems)


def test_the_cohort_reads_are_analysable_only_with_their_labels(
    cohort: tuple[Path, Path],
) -> None:
    """Guards the tests above against passing vacuously: the reads do depend on the manifest."""
    manifest = _write(cohort, _set_cell(1, "label", ""), "unlabelled")
    assert validate_manifest(manifest).errors == ()
    problems = _analysis_problems(cohort[1], manifest)
    assert problems is not None and "was read but has no label" in problems
