"""The files one analysis writes: ``results.json``, the CSV tables and the report.

``cesm-reader analyze`` and the coordinator dashboard write the same files through
:func:`write_analysis_outputs`, into a :class:`~model_core.staged_output.StagedOutput` whose
allowed names are :func:`analysis_output_names`, so that the two can never disagree.
"""

from __future__ import annotations

from pathlib import Path

from studies.analysis.inputs import StudyInputs
from studies.analysis.report import REPORT_HTML, REPORT_PDF, write_report
from studies.analysis.study_results import AnalysisResult
from studies.analysis.tables import TABLE_TITLES, build_tables, write_tables

RESULTS_FILE = "results.json"


def analysis_output_names(pdf: bool) -> set[str]:
    """Every name an analysis may write (each table may be left out when empty)."""
    names = {RESULTS_FILE, REPORT_HTML, *(f"{table}.csv" for table in TABLE_TITLES)}
    return names | {REPORT_PDF} if pdf else names


def write_analysis_outputs(
    result: AnalysisResult, inputs: StudyInputs, staging: Path, *, pdf: bool = False
) -> None:
    """Write ``results.json``, the tables and ``report.html`` (and ``report.pdf``) into
    ``staging``."""
    (staging / RESULTS_FILE).write_text(result.to_json() + "\n", encoding="utf-8")
    write_tables(build_tables(result), staging)
    write_report(result, inputs, staging, pdf=pdf)
