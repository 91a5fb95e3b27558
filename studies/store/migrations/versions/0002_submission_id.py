"""Decisions carry the workstation's submission id, so that a retried submission is stored once.

A workstation whose connection dropped just after ``COMMIT`` cannot know whether its decision
was stored; it retries with the same id, and the store finds the decision it already holds
(``decisions.submission_id``, unique when given; earlier decisions have none). The column is
part of a decision's content: the immutability triggers of 0001 are recreated with it, so that
it can never be changed once submitted.

On SQLite the column is added with ``ALTER TABLE`` and the uniqueness is a unique index (a
batch copy of the table would drop its triggers); PostgreSQL does the same.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_decisions_submission_id"
#: 0001's immutable columns of ``decisions`` (every column but ``current``), as of 0001.
CONTENT_COLUMNS_0001 = (
    "id",
    "session_id",
    "case_id",
    "mode",
    "version",
    "decision",
    "pom",
    "bi_rads",
    "comment",
    "reading_time_s",
    "started_at",
    "submitted_at",
    "model_probability_shown",
    "ai_first_shown_at",
    "heatmap_events",
    "follows_decision_id",
    "correction_reason",
    "corrected_by",
)
CONTENT_COLUMNS_0002 = (*CONTENT_COLUMNS_0001, "submission_id")
IMMUTABLE = "submitted decisions are immutable: a correction adds a new version"


def upgrade() -> None:
    op.add_column("decisions", sa.Column("submission_id", sa.String(length=64), nullable=True))
    op.create_index(INDEX, "decisions", ["submission_id"], unique=True)
    _replace_immutability_trigger(CONTENT_COLUMNS_0002)


def downgrade() -> None:
    _replace_immutability_trigger(CONTENT_COLUMNS_0001)
    op.drop_index(INDEX, table_name="decisions")
    op.drop_column("decisions", "submission_id")


def _replace_immutability_trigger(columns: tuple[str, ...]) -> None:
    """0001's ``decisions_immutable`` trigger, over ``columns``."""
    if op.get_bind().dialect.name == "postgresql":
        changed = " OR ".join(f'NEW."{c}"::text IS DISTINCT FROM OLD."{c}"::text' for c in columns)
        op.execute("DROP TRIGGER decisions_immutable ON decisions")
        op.execute(
            f"CREATE TRIGGER decisions_immutable BEFORE UPDATE ON decisions "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION cesm_refuse_change('{IMMUTABLE}')"
        )
    else:
        changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in columns)
        op.execute("DROP TRIGGER decisions_immutable")
        op.execute(
            f"CREATE TRIGGER decisions_immutable BEFORE UPDATE ON decisions WHEN {changed} "
            f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END"
        )
