"""What a study store holds, as plain data: to compare a store made by the dashboard with one
made by ``cesm-reader study init``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from studies.store.database import Store
from studies.store.schema import (
    CaseFileRow,
    CaseRow,
    ModelOutputRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)


def store_contents(store: Store) -> dict[str, Any]:
    """The study, its readers, cases, files, model outputs and reading orders."""
    with store.session(read_only=True) as session:
        study = session.scalars(select(StudyRow)).one()
        sessions = {
            row.id: (row.reader_id, row.index) for row in session.scalars(select(ReadingSessionRow))
        }
        return {
            "study": (
                study.id,
                study.title,
                study.design,
                study.washout_days,
                study.seed,
                study.definition_sha256,
            ),
            "readers": sorted(
                (r.reader_id, r.display_name, r.years_experience, r.active)
                for r in session.scalars(select(ReaderRow))
            ),
            "cases": sorted(
                (c.case_id, c.truth, c.practice, tuple(sorted(c.clinical.items())), c.laterality)
                for c in session.scalars(select(CaseRow))
            ),
            "files": sorted(
                (f.case_id, f.kind, f.sha256, f.size_bytes)
                for f in session.scalars(select(CaseFileRow))
            ),
            "model": sorted(
                (m.case_id, m.probability) for m in session.scalars(select(ModelOutputRow))
            ),
            "orders": sorted(
                (*sessions[item.session_id], item.position, item.case_id, item.mode, item.practice)
                for item in session.scalars(select(OrderItemRow))
            ),
        }


def orders_of(store: Store, reader_id: str) -> list[tuple[object, ...]]:
    """A reader's stored reading orders."""
    return [row for row in store_contents(store)["orders"] if row[0] == reader_id]


def audit_kinds(store: Store) -> list[tuple[str, str, str]]:
    """Every audit event as (actor, kind, payload), in order."""
    from studies.store.schema import AuditEventRow

    with store.session(read_only=True) as session:
        return [
            (e.actor, e.kind, e.payload)
            for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq))
        ]
