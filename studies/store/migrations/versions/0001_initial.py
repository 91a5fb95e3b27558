"""The initial schema of the study store: the tables of docs/study_store.md, the audit chain's
genesis head, and triggers that make submitted decisions and audit events immutable.

The triggers hold for every client of the database, not only this code: an audit event can never
be updated or deleted (nor, on PostgreSQL, truncated); a decision can never be deleted, and an
update may change only its ``current`` flag (a correction). Someone with the rights to drop the
triggers can still edit the tables: :mod:`studies.store.verify` detects that.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
#: Every column of ``decisions`` except ``current``: none may change once submitted.
DECISION_CONTENT_COLUMNS = (
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
TABLES_IN_DROP_ORDER = (
    "order_items",
    "decisions",
    "reading_sessions",
    "model_outputs",
    "case_files",
    "readers",
    "cases",
    "audit_events",
    "studies",
    "audit_chain_head",
)
APPEND_ONLY = "audit events are append-only"
NEVER_DELETED = "submitted decisions are never deleted"
IMMUTABLE = "submitted decisions are immutable: a correction adds a new version"


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_chain_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "studies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("design", sa.String(length=32), nullable=False),
        sa.Column("washout_days", sa.Integer(), nullable=False),
        sa.CheckConstraint("washout_days >= 0", name=op.f("ck_studies_washout_days")),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("seed >= 0", name=op.f("ck_studies_seed")),
        sa.Column("definition_toml", sa.Text(), nullable=False),
        sa.Column("definition_sha256", sa.String(length=64), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("coordinator_password_hash", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_audit_events_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
    )
    op.create_table(
        "cases",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("truth", sa.Integer(), nullable=True),
        sa.Column("practice", sa.Boolean(), nullable=False),
        sa.Column("clinical", sa.JSON(), nullable=False),
        sa.Column("laterality", sa.String(length=1), nullable=True),
        sa.Column("view", sa.String(length=16), nullable=True),
        sa.CheckConstraint("truth IN (0, 1)", name=op.f("ck_cases_truth")),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_cases_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("study_id", "case_id", name=op.f("pk_cases")),
    )
    op.create_table(
        "readers",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("reader_id", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("years_experience", sa.Integer(), nullable=False),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_readers_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("study_id", "reader_id", name=op.f("pk_readers")),
    )
    op.create_table(
        "case_files",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('low_energy', 'recombined', 'mask')", name=op.f("ck_case_files_kind")
        ),
        sa.ForeignKeyConstraint(
            ["study_id", "case_id"],
            ["cases.study_id", "cases.case_id"],
            name=op.f("fk_case_files_study_id_cases"),
        ),
        sa.PrimaryKeyConstraint("study_id", "case_id", "kind", name=op.f("pk_case_files")),
    )
    op.create_table(
        "model_outputs",
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("heatmap", sa.LargeBinary(), nullable=True),
        sa.Column("heatmap_shape", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 1", name=op.f("ck_model_outputs_probability")
        ),
        sa.ForeignKeyConstraint(
            ["study_id", "case_id"],
            ["cases.study_id", "cases.case_id"],
            name=op.f("fk_model_outputs_study_id_cases"),
        ),
        sa.PrimaryKeyConstraint("study_id", "case_id", name=op.f("pk_model_outputs")),
    )
    op.create_table(
        "reading_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("study_id", sa.String(length=64), nullable=False),
        sa.Column("reader_id", sa.Text(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active_seconds", sa.Double(), nullable=False),
        sa.Column("washout_override_reason", sa.Text(), nullable=True),
        sa.CheckConstraint('"index" IN (1, 2)', name=op.f("ck_reading_sessions_index")),
        sa.ForeignKeyConstraint(
            ["study_id", "reader_id"],
            ["readers.study_id", "readers.reader_id"],
            name=op.f("fk_reading_sessions_study_id_readers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_sessions")),
        sa.UniqueConstraint(
            "study_id", "reader_id", "index", name=op.f("uq_reading_sessions_study_id")
        ),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.Integer(), nullable=False),
        sa.Column("pom", sa.Integer(), nullable=False),
        sa.Column("bi_rads", sa.String(length=4), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reading_time_s", sa.Double(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_probability_shown", sa.Double(), nullable=True),
        sa.Column("ai_first_shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heatmap_events", sa.JSON(), nullable=False),
        sa.Column("follows_decision_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("corrected_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "bi_rads IN ('0', '1', '2', '3', '4', '4A', '4B', '4C', '5', '6')",
            name=op.f("ck_decisions_bi_rads"),
        ),
        sa.CheckConstraint("mode IN ('unaided', 'aided')", name=op.f("ck_decisions_mode")),
        sa.CheckConstraint("decision IN (0, 1)", name=op.f("ck_decisions_decision")),
        sa.CheckConstraint("pom >= 0 AND pom <= 100", name=op.f("ck_decisions_pom")),
        sa.CheckConstraint("reading_time_s >= 0", name=op.f("ck_decisions_reading_time")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_decisions_version")),
        sa.ForeignKeyConstraint(
            ["follows_decision_id"],
            ["decisions.id"],
            name=op.f("fk_decisions_follows_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["reading_sessions.id"],
            name=op.f("fk_decisions_session_id_reading_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "session_id", "case_id", "mode", "version", name=op.f("uq_decisions_session_id")
        ),
    )
    op.create_table(
        "order_items",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("practice", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "mode IN ('unaided', 'aided', 'sequential')", name=op.f("ck_order_items_mode")
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_order_items_position")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["reading_sessions.id"],
            name=op.f("fk_order_items_session_id_reading_sessions"),
        ),
        sa.PrimaryKeyConstraint("session_id", "position", name=op.f("pk_order_items")),
    )

    chain_head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer()),
        sa.column("last_seq", sa.BigInteger()),
        sa.column("last_hash", sa.String()),
    )
    op.bulk_insert(chain_head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in DECISION_CONTENT_COLUMNS)
    for name, timing, message in (
        ("audit_events_no_update", "BEFORE UPDATE ON audit_events", APPEND_ONLY),
        ("audit_events_no_delete", "BEFORE DELETE ON audit_events", APPEND_ONLY),
        ("decisions_no_delete", "BEFORE DELETE ON decisions", NEVER_DELETED),
        ("decisions_immutable", f"BEFORE UPDATE ON decisions WHEN {changed}", IMMUTABLE),
    ):
        op.execute(f"CREATE TRIGGER {name} {timing} BEGIN SELECT RAISE(ABORT, '{message}'); END")


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE FUNCTION cesm_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$"
    )
    changed = " OR ".join(
        f'NEW."{c}"::text IS DISTINCT FROM OLD."{c}"::text' for c in DECISION_CONTENT_COLUMNS
    )
    for name, timing, each, message in (
        ("audit_events_no_change", "BEFORE UPDATE OR DELETE ON audit_events", "ROW", APPEND_ONLY),
        ("audit_events_no_truncate", "BEFORE TRUNCATE ON audit_events", "STATEMENT", APPEND_ONLY),
        ("decisions_no_delete", "BEFORE DELETE ON decisions", "ROW", NEVER_DELETED),
        ("decisions_no_truncate", "BEFORE TRUNCATE ON decisions", "STATEMENT", NEVER_DELETED),
        ("decisions_immutable", "BEFORE UPDATE ON decisions", f"ROW WHEN ({changed})", IMMUTABLE),
    ):
        op.execute(
            f"CREATE TRIGGER {name} {timing} FOR EACH {each} "
            f"EXECUTE FUNCTION cesm_refuse_change('{message}')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("audit_events", "decisions"):
            op.execute(f"DROP TABLE {table} CASCADE")
        op.execute("DROP FUNCTION cesm_refuse_change()")
    for table in TABLES_IN_DROP_ORDER:
        op.drop_table(table, if_exists=True)
