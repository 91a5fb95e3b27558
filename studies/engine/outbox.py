"""The workstation's outbox: answers kept safely on local disk while the study database is away.

When :meth:`~studies.engine.reader_api.ReaderSession.submit` raises
:class:`~studies.engine.store_access.StoreUnavailable`, the reader's answer must neither be lost
nor be stored twice later. The workstation puts it in a :class:`DecisionOutbox` — one JSON file
per submission in a folder of the reader's own, written so that a crash or a power cut at any
moment leaves either the whole file or none (a temporary file, ``fsync``, ``os.replace``,
``fsync`` of the folder) — and :meth:`DecisionOutbox.deliver` hands the files to the store once
it is back, oldest first, each with its submission id, so that one already committed (the
connection dropped after ``COMMIT``) is recognised instead of doubled. A file is deleted only
after the store acknowledged it.

Every pending answer says which read it is for (session, position, case, stage), and delivery
passes that as ``expected``: an answer is never stored on another case than the one the reader
saw. One that cannot be delivered — a file that is not a pending submission, one of another
reader or study, or one whose case was meanwhile answered elsewhere — is never silently
dropped: it is renamed ``*.corrupt`` or ``*.refused`` next to the others, named in the report,
and left for a coordinator.

**One workstation per outbox.** Two windows of the application on one computer, both logged in
as the same reader, would show the same case twice and deliver one outbox in two orders. A
workstation therefore claims the reader's outbox (:meth:`~DecisionOutbox.claim`) before the
reader reads: an operating-system lock on ``in-use.lock`` in the folder (``filelock``:
``flock`` on POSIX, ``msvcrt.locking`` on Windows), which the system drops when the process
ends — a crash or a SIGKILL never leaves the reader locked out. (Two computers have two
outboxes; there the engine's ``expected`` check refuses an answer to a case already answered on
the other.)

A pending answer also keeps the read's timing as measured when the reader submitted
(:class:`~studies.engine.reader_api.ReadTiming`): the time spent waiting for the database is
not reading time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from model_core.durable_write import fsync_folder, write_durably
from studies.engine.reader_api import (
    AiExposure,
    Answer,
    CaseRef,
    CaseToRead,
    ReaderError,
    ReaderSession,
    ReadTiming,
    RefusedSubmissionError,
    Stage,
    SubmitReceipt,
    check_answer,
    check_submission_id,
)
from studies.engine.store_access import StoreUnavailable
from studies.errors import StudyError
from studies.store.database import display_url, parse_store_url

__all__ = [
    "DecisionOutbox",
    "OutboxError",
    "OutboxInUseError",
    "PendingSubmission",
    "StoreUnavailable",
    "default_outbox_folder",
    "submit_pending",
]

#: The version of the pending-submission file this code writes and reads.
FORMAT = "cesm-reader pending submission 1"
PENDING_SUFFIX = ".json"
CORRUPT_SUFFIX = ".corrupt"
REFUSED_SUFFIX = ".refused"
_TEMP_PREFIX = ".writing-"
LOCK_NAME = "in-use.lock"
_NAME = re.compile(r"^(\d{8})-([0-9A-Za-z_-]{1,64})\.json$")
_log = logging.getLogger(__name__)


class OutboxError(StudyError):
    """A pending-submission file that cannot be read (named in the message)."""


class OutboxInUseError(OutboxError):
    """Another workstation process on this computer holds the reader's outbox."""


# ------------------------------------------------------------------------- pending submission


@dataclass(frozen=True)
class PendingSubmission:
    """One answer waiting for the store, with everything needed to submit it later exactly as
    the reader gave it: which read it is for, the answer, what was seen of the model, the read's
    timing, and the id that makes its delivery idempotent."""

    study_id: str
    reader_id: str
    session_index: int
    position: int
    case_id: str
    stage: Stage
    answer: Answer
    exposure: AiExposure | None
    submission_id: str
    created_at: datetime
    started_at: datetime
    reading_time_s: float

    @classmethod
    def capture(
        cls,
        reader: ReaderSession,
        case: CaseToRead,
        answer: Answer,
        exposure: AiExposure | None = None,
    ) -> PendingSubmission:
        """The submission of ``answer`` to ``case`` as of now, with a new id (uuid4 hex).

        Capture it when the reader submits, then :func:`submit_pending` it; on
        :class:`StoreUnavailable`, :meth:`DecisionOutbox.put` the same object (same id).

        Raises:
            ReaderError: the answer is invalid, no session is open, or
                (:class:`RefusedSubmissionError`) ``case`` is not the case to read now.
            StoreUnavailable: an aided case's model output had to be loaded and could not.
        """
        check_answer(answer)
        now_to_read = reader.current()
        if now_to_read is None or now_to_read.ref != case.ref:
            raise RefusedSubmissionError(
                f"an answer for {case.ref.describe()} cannot be captured: "
                + (
                    "the session has no case left"
                    if now_to_read is None
                    else f"the case to read now is {now_to_read.ref.describe()}"
                )
            )
        return cls.of(reader, case, answer, exposure, reader.timing_now())

    @classmethod
    def of(
        cls,
        reader: ReaderSession,
        case: CaseToRead,
        answer: Answer,
        exposure: AiExposure | None,
        timing: ReadTiming,
    ) -> PendingSubmission:
        """The record of ``answer`` to ``case`` read with ``timing`` (as the workstation measured
        it), under a new submission id; nothing is checked against the store."""
        return cls(
            study_id=reader.study_id,
            reader_id=reader.reader_id,
            session_index=case.session_index,
            position=case.position,
            case_id=case.case_id,
            stage=case.stage,
            answer=answer,
            exposure=exposure,
            submission_id=uuid.uuid4().hex,
            created_at=timing.submitted_at,
            started_at=timing.started_at,
            reading_time_s=timing.reading_time_s,
        )

    @property
    def ref(self) -> CaseRef:
        """The read this answer is for."""
        return CaseRef(self.session_index, self.position, self.case_id, self.stage)

    @property
    def timing(self) -> ReadTiming:
        """The read's timing as measured when the reader submitted."""
        return ReadTiming(self.started_at, self.created_at, self.reading_time_s)

    def to_json(self) -> dict[str, Any]:
        """The file's content (times as ISO 8601 with their UTC offset)."""
        exposure = None
        if self.exposure is not None:
            exposure = {
                "first_shown_at": _time_text(self.exposure.first_shown_at),
                "heatmap_events": [
                    {"at": _time_text(at), "on": on} for at, on in self.exposure.heatmap_events
                ],
            }
        return {
            "format": FORMAT,
            "study_id": self.study_id,
            "reader_id": self.reader_id,
            "session_index": self.session_index,
            "position": self.position,
            "case_id": self.case_id,
            "stage": self.stage,
            "answer": {
                "decision": self.answer.decision,
                "pom": self.answer.pom,
                "bi_rads": self.answer.bi_rads,
                "comment": self.answer.comment,
            },
            "exposure": exposure,
            "submission_id": self.submission_id,
            "created_at": _time_text(self.created_at),
            "started_at": _time_text(self.started_at),
            "reading_time_s": self.reading_time_s,
        }

    @classmethod
    def from_json(cls, data: object) -> PendingSubmission:
        """Read :meth:`to_json`'s content back.

        Raises:
            ValueError: not a pending submission of this format (the message names the field).
        """
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        answer_data = _field(data, "answer", dict)
        answer = Answer(
            decision=_field(answer_data, "decision", int, "answer."),
            pom=_field(answer_data, "pom", int, "answer."),
            bi_rads=_optional(answer_data, "bi_rads", str, "answer."),
            comment=_optional(answer_data, "comment", str, "answer."),
        )
        try:
            check_answer(answer)
        except ReaderError as error:
            raise ValueError(f"answer: {error}") from None
        exposure = None
        exposure_data = _optional(data, "exposure", dict)
        if exposure_data is not None:
            first = _optional(exposure_data, "first_shown_at", str, "exposure.")
            events = []
            for number, event in enumerate(
                _field(exposure_data, "heatmap_events", list, "exposure."), start=1
            ):
                where = f"exposure.heatmap_events[{number}]."
                if not isinstance(event, dict):
                    raise ValueError(f"{where[:-1]} is not an object")
                at = _parse_time(_field(event, "at", str, where), f"{where}at")
                events.append((at, _field(event, "on", bool, where)))
            exposure = AiExposure(
                None if first is None else _parse_time(first, "exposure.first_shown_at"),
                tuple(events),
            )
        stage = _field(data, "stage", str)
        if stage not in ("unaided", "aided"):
            raise ValueError(f"stage is {stage!r}, expected 'unaided' or 'aided'")
        submission_id = _field(data, "submission_id", str)
        try:
            check_submission_id(submission_id)
        except ReaderError as error:
            raise ValueError(str(error)) from None
        reading_time = _field(data, "reading_time_s", (int, float))
        if not reading_time >= 0:
            raise ValueError(f"reading_time_s is {reading_time!r}, expected >= 0")
        return cls(
            study_id=_field(data, "study_id", str),
            reader_id=_field(data, "reader_id", str),
            session_index=_field(data, "session_index", int),
            position=_field(data, "position", int),
            case_id=_field(data, "case_id", str),
            stage=stage,
            answer=answer,
            exposure=exposure,
            submission_id=submission_id,
            created_at=_parse_time(_field(data, "created_at", str), "created_at"),
            started_at=_parse_time(_field(data, "started_at", str), "started_at"),
            reading_time_s=float(reading_time),
        )


def submit_pending(reader: ReaderSession, pending: PendingSubmission) -> SubmitReceipt:
    """Submit ``pending`` (idempotent by its id; refused if its case is not the one to read
    now), with the timing it was captured with.

    Raises:
        ReaderError, StoreUnavailable: as :meth:`ReaderSession.submit`.
    """
    return reader.submit(
        pending.answer,
        pending.exposure,
        submission_id=pending.submission_id,
        expected=pending.ref,
        timing=pending.timing,
    )


# ------------------------------------------------------------------------------------ outbox


class DecisionOutbox:
    """A folder of answers waiting for the store, one reader of one study (module docstring).

    One workstation process uses a given outbox at a time: it claims it first with
    :meth:`claim` (module docstring).
    """

    def __init__(self, folder: Path, *, study_id: str, reader_id: str) -> None:
        self.folder = Path(folder)
        self.study_id = study_id
        self.reader_id = reader_id
        self._lock: FileLock | None = None

    def claim(self) -> None:
        """Hold the outbox for this process until :meth:`release` or the process ends.

        Claiming an outbox this object already holds does nothing.

        Raises:
            OutboxInUseError: another process (another window of the application) holds it.
            OutboxError: the folder cannot be made or locked (the reason named).
        """
        if self._lock is not None:
            return
        lock = FileLock(
            self.folder / LOCK_NAME, timeout=0, thread_local=False, fallback_to_soft=False
        )
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock.acquire()
        except Timeout:
            _log.info("outbox %s is held by another process", self.folder)
            raise OutboxInUseError(  # words for the reader; the folder is in the log
                f"reader {self.reader_id} is already logged in to study {self.study_id} in "
                "another window of the application on this computer; read there, or close "
                "that window first"
            ) from None
        except OSError as error:
            raise OutboxError(
                f"cannot use the outbox {self.folder}: {error.strerror or error}"
            ) from error
        self._lock = lock

    def release(self) -> None:
        """Let another process claim the outbox (nothing happens if this one does not hold it)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def claimed(self) -> bool:
        """Whether this object holds the outbox."""
        return self._lock is not None

    def put(self, pending: PendingSubmission) -> Path:
        """Keep ``pending`` on disk, durably, before this returns; returns its file.

        Putting the same submission (same id) again keeps the one file it has.

        Raises:
            OutboxError: ``pending`` is another reader's or study's, or the file cannot be
                written (the folder and the reason named; nothing is left half-written).
        """
        if (pending.study_id, pending.reader_id) != (self.study_id, self.reader_id):
            raise OutboxError(
                f"outbox {self.folder} is reader {self.reader_id}'s of study {self.study_id}; "
                f"got an answer of reader {pending.reader_id} of study {pending.study_id}"
            )
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # the reader's answers
            for existing in self._files(PENDING_SUFFIX):
                if _submission_id_of(existing) == pending.submission_id:
                    return existing
            path = self.folder / f"{self._next_number():08d}-{pending.submission_id}.json"
            text = json.dumps(pending.to_json(), indent=2, ensure_ascii=False) + "\n"
            write_durably(path, text.encode("utf-8"), temporary_prefix=_TEMP_PREFIX)
        except OSError as error:
            raise OutboxError(
                f"cannot keep the answer in the outbox {self.folder}: {error.strerror or error}"
            ) from error
        return path

    def pending(self) -> list[PendingSubmission]:
        """The answers waiting, oldest first.

        Raises:
            OutboxError: a file cannot be read or is not a pending submission (named).
        """
        return [_read(path) for path in self._files(PENDING_SUFFIX)]

    def waiting(self) -> int:
        """How many answers wait, counted by their files without reading them: a file that
        cannot be read must not stop delivery, which sets it aside (:meth:`deliver`)."""
        return len(self._files(PENDING_SUFFIX))

    def holds(self, submission_id: str) -> bool:
        """Whether the answer with ``submission_id`` still waits (not delivered, not set aside)."""
        return any(_submission_id_of(path) == submission_id for path in self._files(PENDING_SUFFIX))

    def set_aside(self) -> list[Path]:
        """The files delivery set aside (``*.corrupt``, ``*.refused``), for a coordinator."""
        return sorted(
            [
                *self._files(PENDING_SUFFIX + CORRUPT_SUFFIX),
                *self._files(PENDING_SUFFIX + REFUSED_SUFFIX),
            ]
        )

    def deliver(
        self, reader: ReaderSession, *, on_problem: Callable[[str], None] | None = None
    ) -> int:
        """Submit every pending answer, oldest first; returns how many the store acknowledged
        (stored now, or found already stored by their id). Each file is deleted only after its
        answer is committed.

        A file that can never be delivered is renamed (``*.corrupt``: not a pending
        submission; ``*.refused``: another reader's or study's, or
        :class:`~studies.engine.reader_api.RefusedSubmissionError`: its case is not the one to
        read now) and reported through ``on_problem`` (and the log) with its name; delivery
        goes on. When the answer's session is not the open one, it is opened.

        Raises:
            StoreUnavailable: the database is still away; the answers not yet delivered stay
                in the outbox, in order.
            ReaderError: the answer cannot be stored now for a reason the reader can change
                (the session is paused, or cannot be opened); it and the rest stay.
        """
        delivered = 0
        for path in self._files(PENDING_SUFFIX):
            try:
                pending = _read(path)
            except OutboxError as error:
                self._set_aside(path, CORRUPT_SUFFIX, str(error), on_problem)
                continue
            if (pending.study_id, pending.reader_id) != (reader.study_id, reader.reader_id):
                self._set_aside(
                    path,
                    REFUSED_SUFFIX,
                    f"{path} is an answer of reader {pending.reader_id} of study "
                    f"{pending.study_id}, not of reader {reader.reader_id} of {reader.study_id}",
                    on_problem,
                )
                continue
            try:
                if reader.open_index != pending.session_index:
                    with contextlib.suppress(ReaderError):  # completed: submit finds its answer
                        reader.open(pending.session_index)
                submit_pending(reader, pending)
            except RefusedSubmissionError as error:
                self._set_aside(
                    path, REFUSED_SUFFIX, f"{path} was not delivered: {error}", on_problem
                )
                continue
            path.unlink()
            fsync_folder(self.folder)
            delivered += 1
        return delivered

    # ----------------------------------------------------------------------------- inside

    def _files(self, suffix: str) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(
            path
            for path in self.folder.iterdir()
            if path.name.endswith(suffix) and not path.name.startswith(_TEMP_PREFIX)
        )

    def _next_number(self) -> int:
        numbers = [
            int(path.name[:8])
            for path in self.folder.iterdir()
            if path.name[:8].isdigit() and path.name[8:9] == "-"
        ]
        return max(numbers, default=0) + 1

    def _set_aside(
        self, path: Path, suffix: str, message: str, on_problem: Callable[[str], None] | None
    ) -> None:
        target = path.with_name(path.name + suffix)
        os.replace(path, target)
        fsync_folder(self.folder)
        text = f"{message}; kept as {target.name}"
        _log.warning("%s", text)
        if on_problem is not None:
            on_problem(text)


def default_outbox_folder(store_url: str, study_id: str, reader_id: str) -> Path:
    """Where a reader's outbox lives by default: in the user's data folder
    (``$XDG_DATA_HOME``, else ``~/.local/share``), ``cesm-reader/outbox/<store>/<study>/<reader>``,
    where ``<store>`` is a short digest of the store's URL (without its password), so that two
    stores holding a study of the same id never share an outbox."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    store = hashlib.sha256(display_url(parse_store_url(store_url)).encode("utf-8")).hexdigest()
    return (
        Path(base)
        / "cesm-reader"
        / "outbox"
        / store[:16]
        / _safe_name(study_id)
        / _safe_name(reader_id)
    )


# ------------------------------------------------------------------------------- the files


def _read(path: Path) -> PendingSubmission:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PendingSubmission.from_json(data)
    except (OSError, UnicodeDecodeError) as error:
        raise OutboxError(f"outbox file {path} cannot be read: {error}") from None
    except ValueError as error:  # json.JSONDecodeError is one
        raise OutboxError(f"outbox file {path} is not a pending submission: {error}") from None


def _submission_id_of(path: Path) -> str | None:
    match = _NAME.match(path.name)
    return match.group(2) if match else None


def _safe_name(value: str) -> str:
    """A folder name for an id: letters, digits, ``.``, ``-`` and ``_`` kept, others as ``%XX``."""
    text = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_") else f"%{ord(c):02X}" for c in value
    )
    return text or "%"


def _time_text(at: datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at.isoformat()} in a pending submission (needs UTC)")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_time(text: str, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} is {text!r}, not an ISO 8601 time") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} is {text!r}, a time without a time zone")
    return at.astimezone(UTC)


def _field(data: dict[str, Any], name: str, kind: Any, prefix: str = "") -> Any:
    if name not in data:
        raise ValueError(f"{prefix}{name} is missing")
    value = data[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ValueError(f"{prefix}{name} is {value!r}, of the wrong type")
    return value


def _optional(data: dict[str, Any], name: str, kind: Any, prefix: str = "") -> Any:
    if data.get(name) is None:
        return None
    return _field(data, name, kind, prefix)
