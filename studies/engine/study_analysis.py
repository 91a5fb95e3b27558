"""Analysing a study store: the same files and numbers as ``cesm-reader analyze --study``.

The store is exported through the files the export writes (:func:`write_analysis_inputs`), with
the study's design so that its rules are checked, loaded and validated by the analysis, and
analysed with the command line's default settings and the paper's subgroups where the manifest
has their columns. The command line and the coordinator dashboard both call
:func:`study_inputs`; the dashboard calls :func:`analyse_study`, which adds the writing and
reports its steps so that a progress bar can follow it.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from model_core.staged_output import StagedOutput
from studies.analysis.inputs import StudyInputs, load_inputs
from studies.analysis.outputs import analysis_output_names, write_analysis_outputs
from studies.analysis.pipeline import run_analysis
from studies.analysis.report import REPORT_HTML
from studies.analysis.report.render import key_findings
from studies.analysis.settings import AnalysisSettings
from studies.analysis.study_results import AnalysisResult
from studies.analysis.subgroups import default_subgroup_columns
from studies.engine.coordinator_api import StudyStatus, study_status
from studies.engine.export import collect_export, write_analysis_inputs
from studies.engine.session_state import SessionState
from studies.store.database import Store

#: The steps :func:`analyse_study` reports, in order.
ANALYSIS_STEPS: tuple[str, ...] = (
    "reading the study's answers",
    "computing the statistics",
    "writing the report",
)


def study_inputs(store: Store, subgroup_columns: tuple[str, ...] = ()) -> StudyInputs:
    """The analysis inputs of a store, through the files its export writes (and its design).

    A study whose readers have not all completed their sessions is analysed as it stands (the
    readers without answers left out), with a warning per such reader: the report and
    ``results.json`` then say that the study is incomplete.
    """
    design = collect_export(store).study.design
    with tempfile.TemporaryDirectory(prefix="cesm-analyze-") as folder:
        reads, manifest, scores = write_analysis_inputs(store, Path(folder))
        inputs = load_inputs(
            reads, manifest, scores, subgroup_columns=subgroup_columns, design=design
        )
    unfinished = incomplete_readers(study_status(store))
    if not unfinished:
        return inputs
    return dataclasses.replace(inputs, warnings=(*unfinished, *inputs.warnings))


def incomplete_readers(status: StudyStatus) -> tuple[str, ...]:
    """One sentence per active reader who has not completed every session."""
    sentences = []
    for reader in status.readers:
        if not reader.active:
            continue
        open_sessions = [s for s in reader.sessions if s.state != SessionState.COMPLETED.value]
        if not open_sessions:
            continue
        read = sum(s.read for s in reader.sessions)
        total = sum(s.total for s in reader.sessions)
        analysed = "not analysed" if read == 0 else "analysed as they stand"
        sentences.append(
            f"study incomplete: reader {reader.reader_id} has made {read} of {total} reads "
            f"(session {', '.join(str(s.index) for s in open_sessions)} not completed); "
            f"their answers are {analysed}"
        )
    return tuple(sentences)


@dataclass(frozen=True)
class StudyAnalysis:
    """What :func:`analyse_study` computed and wrote."""

    result: AnalysisResult
    warnings: tuple[str, ...]
    findings: tuple[str, ...]
    written: tuple[Path, ...]

    @property
    def report(self) -> Path:
        """The ``report.html`` written."""
        return next(path for path in self.written if path.name == REPORT_HTML)


def analyse_study(
    store: Store,
    out: str | Path,
    *,
    settings: AnalysisSettings | None = None,
    pdf: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> StudyAnalysis:
    """Analyse ``store`` into ``out`` (``results.json``, tables, ``report.html``) as
    ``cesm-reader analyze --study URL --out OUT`` does with its default options.

    ``progress(step, steps, what)`` is called before each of :data:`ANALYSIS_STEPS`.

    Raises:
        AnalysisInputError: the answers cannot be analysed yet (every problem listed);
            nothing is written then.
    """
    output = StagedOutput(out, "analyze", names=analysis_output_names(pdf))  # before any work

    def step(index: int) -> None:
        if progress is not None:
            progress(index, len(ANALYSIS_STEPS), ANALYSIS_STEPS[index])

    step(0)
    inputs = study_inputs(store)
    chosen = settings or AnalysisSettings()
    if not chosen.subgroup_columns:  # the paper's subgroups, where the manifest has them
        columns = default_subgroup_columns(inputs.cases.columns)
        chosen = dataclasses.replace(chosen, subgroup_columns=columns)
    step(1)
    result = run_analysis(inputs, chosen)
    step(2)
    with output as staging:
        write_analysis_outputs(result, inputs, staging, pdf=pdf)
    return StudyAnalysis(
        result, tuple(inputs.warnings), tuple(key_findings(result)), tuple(output.written)
    )
