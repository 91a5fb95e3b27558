"""Exporting a study store: the reads, the model scores and the MRMC tools' files.

The export is what the analysis reads (docs/formats.md): one row per current, scored answer
(practice reads and superseded versions left out), the reading order as ``order_index`` within the
scored cases, and — for aided reads — the model probability that was shown. A store whose answers
came from simulated readers says so in every file that can carry it and in ``export.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from model_core.errors import ExportError
from model_core.formats.imrmc import write_imrmc
from model_core.formats.reads import READS_COLUMNS, write_reads
from model_core.formats.rjafroc import write_rjafroc_workbook
from model_core.formats.scores import write_scores
from model_core.staged_output import StagedOutput
from studies.engine.clock import Clock, SystemClock
from studies.engine.reader_api import _only_study
from studies.store.audit import append_event
from studies.store.database import Store
from studies.store.schema import (
    AuditEventRow,
    CaseRow,
    DecisionRow,
    ModelOutputRow,
    OrderItemRow,
    ReadingSessionRow,
    StudyRow,
)


@dataclass(frozen=True)
class StudyExport:
    """A study's reads and model scores as data frames, with what describes them."""

    study: StudyRow
    reads: pd.DataFrame
    scores: pd.DataFrame
    truth: dict[str, int]
    unlabelled_read: tuple[str, ...]
    unread: tuple[str, ...]


def collect_export(store: Store, *, study_id: str | None = None) -> StudyExport:
    """The study's current, scored answers in the reads layout, and its model scores."""
    with store.session(read_only=True) as session:
        study = _only_study(session, study_id)
        cases = {
            case.case_id: case
            for case in session.scalars(select(CaseRow).where(CaseRow.study_id == study.id))
        }
        rows = []
        sessions = session.scalars(
            select(ReadingSessionRow).where(ReadingSessionRow.study_id == study.id)
        ).all()
        for reading in sessions:
            items = session.scalars(
                select(OrderItemRow)
                .where(OrderItemRow.session_id == reading.id, OrderItemRow.practice.is_(False))
                .order_by(OrderItemRow.position)
            ).all()
            order = {item.case_id: rank for rank, item in enumerate(items, start=1)}
            for decision in session.scalars(
                select(DecisionRow).where(
                    DecisionRow.session_id == reading.id, DecisionRow.current.is_(True)
                )
            ):
                if decision.case_id not in order:
                    continue  # a practice read
                rows.append(
                    {
                        "study_id": study.id,
                        "reader_id": reading.reader_id,
                        "session": decision.mode,
                        "case_id": decision.case_id,
                        "truth": cases[decision.case_id].truth,
                        "decision": decision.decision,
                        "pom": decision.pom,
                        "bi_rads": decision.bi_rads or "",
                        "reading_time_s": decision.reading_time_s,
                        "order_index": order[decision.case_id],
                        "started_at": decision.started_at.isoformat(timespec="seconds"),
                        "submitted_at": decision.submitted_at.isoformat(timespec="seconds"),
                        "model_probability": decision.model_probability_shown,
                        "simulated": int(study.simulated),
                    }
                )
        outputs = session.scalars(
            select(ModelOutputRow).where(ModelOutputRow.study_id == study.id)
        ).all()
    reads = pd.DataFrame(rows, columns=list(READS_COLUMNS))
    unlabelled = tuple(sorted(set(reads.loc[reads["truth"].isna(), "case_id"])))
    reads = reads.loc[reads["truth"].notna()].astype({"truth": int})
    reads = reads.sort_values(["reader_id", "session", "order_index"], kind="stable")
    scored = {case_id for case_id, case in cases.items() if not case.practice}
    unread = tuple(sorted(scored - set(reads["case_id"])))
    scores = pd.DataFrame(
        [
            {"case_id": output.case_id, "probability": output.probability}
            for output in outputs
            if output.case_id in scored
        ],
        columns=["case_id", "probability"],
    )
    truth = {case_id: int(case.truth) for case_id, case in cases.items() if case.truth is not None}
    return StudyExport(study, reads.reset_index(drop=True), scores, truth, unlabelled, unread)


def export_study(
    store: Store, out: str | Path, *, clock: Clock | None = None
) -> tuple[list[Path], list[str]]:
    """Write ``reads.csv``, ``model_scores.csv``, ``reads.imrmc``, ``reads_rjafroc.xlsx`` and
    ``export.json`` into ``out``; returns the paths and the notes (files skipped and why, cases
    no reader read).
    """
    clock = clock or SystemClock()
    output = StagedOutput(
        out,
        "study export",
        names=("reads.csv", "model_scores.csv", "reads.imrmc", "reads_rjafroc.xlsx", "export.json"),
    )
    exported = collect_export(store)
    notes: list[str] = []
    if exported.unread:
        shown = ", ".join(exported.unread[:10]) + (" ..." if len(exported.unread) > 10 else "")
        notes.append(f"{len(exported.unread)} case(s) of the study no reader read yet: {shown}")
    if exported.unlabelled_read:
        notes.append(
            f"{len(exported.unlabelled_read)} read case(s) have no ground truth and are left out"
        )
    simulated = exported.study.simulated
    with output as staging:
        write_reads(exported.reads, staging / "reads.csv")
        if not exported.scores.empty:
            write_scores(exported.scores, staging / "model_scores.csv")
        if not exported.reads.empty:
            for name, writer in (
                ("reads.imrmc", write_imrmc),
                ("reads_rjafroc.xlsx", write_rjafroc_workbook),
            ):
                try:
                    writer(exported.reads, exported.truth, staging / name, simulated=simulated)
                except ExportError as error:
                    notes.append(f"{name} not written: {error}")
        description = {
            "study_id": exported.study.id,
            "title": exported.study.title,
            "design": exported.study.design,
            "definition_sha256": exported.study.definition_sha256,
            "simulated": simulated,
            "reads": len(exported.reads),
            "notes": notes,
        }
        (staging / "export.json").write_text(json.dumps(description, indent=2) + "\n")
    with store.session() as session:
        append_event(
            session,
            exported.study.id,
            "coordinator",
            "export",
            {"files": [path.name for path in output.written], "reads": len(exported.reads)},
            clock.now(),
        )
    return output.written, notes


def study_manifest(store: Store) -> Path:
    """The manifest the study was created from (recorded, absolute, in its first audit event)."""
    with store.session(read_only=True) as session:
        study = _only_study(session, None)
        event = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.study_id == study.id, AuditEventRow.kind == "study_created")
            .order_by(AuditEventRow.seq)
        ).first()
    if event is None or "manifest" not in json.loads(event.payload):
        raise ExportError(f"study '{study.id}': the store does not record its manifest")
    return Path(json.loads(event.payload)["manifest"])


def write_analysis_inputs(store: Store, folder: Path) -> tuple[Path, Path, Path | None]:
    """Write the study's reads and model scores into ``folder`` for the analysis; returns the
    reads, the manifest and the scores (``None`` without a model)."""
    exported = collect_export(store)
    reads = write_reads(exported.reads, folder / "reads.csv")
    scores = None
    if not exported.scores.empty:
        scores = write_scores(exported.scores, folder / "model_scores.csv")
    return reads, study_manifest(store), scores
