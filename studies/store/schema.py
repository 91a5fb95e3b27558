"""The study store's tables (SQLAlchemy 2 declarative models), one class per table.

The store holds everything a reader study produces and nothing it can recompute: the study
definition exactly as read, readers with their PIN hashes, cases with the paths and SHA-256 of
their image files (images are never copied in), the model's precomputed outputs, each reader's
sessions and stored reading order, every decision with its AI exposure, and the audit chain.
docs/study_store.md describes each table for someone reading the database with other tools.

Two rules are enforced here, below any API:

* **Submitted decisions are immutable.** A correction adds a new version; only the ``current``
  flag of the earlier version may change (in the same transaction). The ORM refuses any other
  update or delete of a :class:`DecisionRow`, and every update or delete of an
  :class:`AuditEventRow` (:func:`_refuse_changes`); :mod:`studies.store.verify` detects edits
  made around the ORM.
* **Times are aware UTC** on both back-ends (:class:`UtcDateTime`): SQLite has no time zones, so
  a naive time written there would come back ambiguous.

The schema changes only through an Alembic migration (``studies/store/migrations/versions``);
a test checks that the migrations build exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Dialect,
    Double,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import JSON, DateTime, TypeDecorator

from model_core.vocabulary import BI_RADS_CATEGORIES, SESSIONS

#: A reading order item's mode: one of the two sessions, or ``sequential`` (the unaided answer
#: recorded and locked, then the aided one, on the same screen).
ORDER_MODES: tuple[str, ...] = (*SESSIONS, "sequential")
#: The image files recorded per case: the manifest's path columns
#: (``model_core.manifest.columns.PATH_COLUMNS``, which a test compares with this). Not imported
#: from there: that package loads the image readers and SciPy, seconds that every process
#: opening a store (a reader's GUI included) would pay for three words.
CASE_FILE_KINDS: tuple[str, ...] = ("low_energy", "recombined", "mask")
#: The genesis ``prev_hash`` of the audit chain.
GENESIS_HASH = "0" * 64


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({quoted})"


class UtcDateTime(TypeDecorator[datetime]):
    """A time stamp stored and returned as aware UTC on SQLite and PostgreSQL alike.

    Naive datetimes are refused (they are a bug: which clock?); PostgreSQL keeps the instant in
    ``timestamptz``; SQLite keeps the UTC wall time as text, to the microsecond.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to the store (needs UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Deterministic constraint names, so that a migration can name the constraint it changes.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The store's declarative base; :attr:`Base.metadata` is what the migrations must build."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class StudyRow(Base):
    """One study: its definition exactly as read (``definition_toml``) and that text's SHA-256."""

    __tablename__ = "studies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    design: Mapped[str] = mapped_column(String(32))
    washout_days: Mapped[int] = mapped_column(
        Integer, CheckConstraint("washout_days >= 0", name="washout_days")
    )
    seed: Mapped[int] = mapped_column(BigInteger, CheckConstraint("seed >= 0", name="seed"))
    definition_toml: Mapped[str] = mapped_column(Text)
    definition_sha256: Mapped[str] = mapped_column(String(64))
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    coordinator_password_hash: Mapped[str | None] = mapped_column(Text)


class ReaderRow(Base):
    """A reader of a study; the PIN only as a salted scrypt hash, with the throttling state."""

    __tablename__ = "readers"

    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    reader_id: Mapped[str] = mapped_column(Text, primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    years_experience: Mapped[int] = mapped_column(Integer)
    pin_hash: Mapped[str | None] = mapped_column(Text)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime]


class CaseRow(Base):
    """A case of a study; ``clinical`` holds only the clinical fields readers may see."""

    __tablename__ = "cases"
    __table_args__ = (CheckConstraint("truth IN (0, 1)", name="truth"),)

    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(Text, primary_key=True)
    truth: Mapped[int | None] = mapped_column(Integer)
    practice: Mapped[bool] = mapped_column(Boolean, default=False)
    clinical: Mapped[dict[str, Any]] = mapped_column(default=dict)
    laterality: Mapped[str | None] = mapped_column(String(1))
    view: Mapped[str | None] = mapped_column(String(16))


class CaseFileRow(Base):
    """An image file of a case: its absolute path, SHA-256 and size when the study was created."""

    __tablename__ = "case_files"
    __table_args__ = (
        ForeignKeyConstraint(["study_id", "case_id"], ["cases.study_id", "cases.case_id"]),
        CheckConstraint(_one_of("kind", CASE_FILE_KINDS), name="kind"),
    )

    study_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)


class ModelOutputRow(Base):
    """The model's precomputed output for a case: probability and heat map
    (``.npy`` bytes of a float16 array, :mod:`studies.store.heatmaps`)."""

    __tablename__ = "model_outputs"
    __table_args__ = (
        ForeignKeyConstraint(["study_id", "case_id"], ["cases.study_id", "cases.case_id"]),
        CheckConstraint("probability >= 0 AND probability <= 1", name="probability"),
    )

    study_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(Text, primary_key=True)
    probability: Mapped[float] = mapped_column(Double)
    heatmap: Mapped[bytes | None] = mapped_column(LargeBinary)
    heatmap_shape: Mapped[list[Any] | None]


class ReadingSessionRow(Base):
    """One reading session of a reader (index 1 or 2), its state and its active time."""

    __tablename__ = "reading_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["study_id", "reader_id"], ["readers.study_id", "readers.reader_id"]),
        UniqueConstraint("study_id", "reader_id", "index"),
        CheckConstraint('"index" IN (1, 2)', name="index"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_id: Mapped[str] = mapped_column(String(64))
    reader_id: Mapped[str] = mapped_column(Text)
    index: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    active_seconds: Mapped[float] = mapped_column(Double, default=0.0)
    washout_override_reason: Mapped[str | None] = mapped_column(Text)


class OrderItemRow(Base):
    """One position of a session's stored reading order."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("position >= 1", name="position"),
        CheckConstraint(_one_of("mode", ORDER_MODES), name="mode"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("reading_sessions.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    practice: Mapped[bool] = mapped_column(Boolean, default=False)


class DecisionRow(Base):
    """A submitted answer. Immutable: a correction is a new ``version`` (with a reason and who
    made it) and clears ``current`` on the version it replaces; nothing else ever changes.

    ``heatmap_events`` is a list of ``{"at": ISO time, "on": bool}``; ``follows_decision_id`` is,
    in the sequential design, the unaided answer this aided one followed. ``submission_id`` is
    the workstation's id of the submission (unique when given): a retry of a submission whose
    commit the workstation never heard of finds the decision it already made instead of adding
    a second one.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("session_id", "case_id", "mode", "version"),
        CheckConstraint(_one_of("mode", SESSIONS), name="mode"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("decision IN (0, 1)", name="decision"),
        CheckConstraint("pom >= 0 AND pom <= 100", name="pom"),
        CheckConstraint(_one_of("bi_rads", BI_RADS_CATEGORIES), name="bi_rads"),
        CheckConstraint("reading_time_s >= 0", name="reading_time"),
        Index("ix_decisions_submission_id", "submission_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("reading_sessions.id"))
    case_id: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    decision: Mapped[int] = mapped_column(Integer)
    pom: Mapped[int] = mapped_column(Integer)
    bi_rads: Mapped[str | None] = mapped_column(String(4))
    comment: Mapped[str | None] = mapped_column(Text)
    reading_time_s: Mapped[float] = mapped_column(Double)
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime]
    model_probability_shown: Mapped[float | None] = mapped_column(Double)
    ai_first_shown_at: Mapped[datetime | None]
    heatmap_events: Mapped[list[Any]] = mapped_column(default=list)
    follows_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[str | None] = mapped_column(String(64))


class AuditEventRow(Base):
    """One event of the append-only audit chain (:mod:`studies.store.audit`).

    ``seq`` is assigned by :func:`studies.store.audit.append_event` from the chain head, not by
    the database, so that a rolled-back transaction never leaves a gap that would look like a
    deleted event.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHeadRow(Base):
    """The one row (``id = 1``) that records the chain's last event. Writers lock it to append
    (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transaction is the lock), and
    :mod:`studies.store.verify` compares it with the last event to detect a cut-off tail."""

    __tablename__ = "audit_chain_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))


# ------------------------------------------------------------------------ immutability (ORM)


class ImmutableRecordError(RuntimeError):
    """Code tried to change a submitted decision or an audit event: a bug, not a user error."""


def _refuse_changes(mapper: Any, connection: Any, target: Any) -> None:
    if isinstance(target, DecisionRow):
        state = inspect(target)
        changed = [
            attr.key for attr in state.attrs if attr.key != "current" and attr.history.has_changes()
        ]
        if not changed:
            return
        raise ImmutableRecordError(
            f"decision {target.id} is submitted and immutable (tried to change "
            f"{', '.join(changed)}); a correction adds a new version"
        )
    raise ImmutableRecordError(f"audit event {target.seq} is append-only")


def _refuse_delete(mapper: Any, connection: Any, target: Any) -> None:
    what = (
        f"decision {target.id}" if isinstance(target, DecisionRow) else f"audit event {target.seq}"
    )
    raise ImmutableRecordError(f"{what} can never be deleted")


for _immutable in (DecisionRow, AuditEventRow):
    event.listen(_immutable, "before_update", _refuse_changes)
    event.listen(_immutable, "before_delete", _refuse_delete)
