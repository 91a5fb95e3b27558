"""Creating a study store from ``study.toml``: validate everything first, then write it all at once.

A coordinator who starts a study must learn every problem before a store exists, so
:func:`plan_study` checks the definition, the manifest and every case file (through the
manifest's own validation, confined to the study's data root), the practice cases, and the model
outputs (one probability per case; heat maps finite and in [0, 1], either one ``<case_id>.npy``
per case or the ``heatmaps.npz`` of ``cesm-reader predict``, stored as whole-image maps at
reduced resolution), and reports all problems in
one :class:`StudyInitError`. Only a clean plan is written, by :func:`create_study`, in one
transaction: the study, its readers (PINs hashed), its cases with each image file's SHA-256, the
model outputs, and every reader's sessions with their stored reading orders — so that the reading
GUI never computes anything, never needs TensorFlow, and a session refuses to start when an
image changed since. If writing fails, the new store is removed again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import MetaData
from sqlalchemy.orm import Session

from model_core.errors import ManifestError
from model_core.formats.heatmaps import (
    HeatmapFileError,
    case_set_problems,
    full_extent_heatmap,
    read_heatmaps,
)
from model_core.formats.problems import ProblemCollector
from model_core.formats.scores import read_scores
from model_core.manifest import Manifest, ManifestRow, load_manifest, validate_manifest
from model_core.vocabulary import LABEL_CODES
from studies.engine.clock import Clock, SystemClock
from studies.engine.definition import LoadedDefinition, StudyDefinition
from studies.engine.designs import SessionPlan, session_plans
from studies.engine.pins import CredentialError, check_pin, hash_secret
from studies.engine.session_state import SessionState
from studies.errors import StudyError
from studies.store.audit import append_event
from studies.store.database import Store, create_store, parse_store_url
from studies.store.file_checksums import file_sha256
from studies.store.heatmaps import encode_heatmap
from studies.store.schema import (
    CaseFileRow,
    CaseRow,
    ModelOutputRow,
    OrderItemRow,
    ReaderRow,
    ReadingSessionRow,
    StudyRow,
)

#: Heat maps larger than this are refused: the GUI draws them at display resolution anyway.
MAX_HEATMAP_PIXELS = 4096 * 4096
#: Longest side of the whole-image heat map stored from a ``heatmaps.npz``. The GUI stretches it
#: over the image; Grad-CAM has ~10 x 10 values over the crop box, which still spans
#: tens of stored pixels at 256 (a 3 cm box of a 2294 x 1914 image: 33), and a full-size case
#: then takes 0.11 MB as float16: the 30-case demo study's store holds 3.3 MB of heat maps (13 MB
#: at 512).
STORED_HEATMAP_MAX_SIDE = 256
_FILE_KINDS: tuple[str, ...] = ("low_energy", "recombined", "mask")


class StudyInitError(StudyError):
    """The study cannot be created; the message lists every problem."""


class InitCancelled(StudyError):  # noqa: N818 - a cancellation, not an error
    """The coordinator cancelled the creation of a study; nothing was created."""

    def __init__(self) -> None:
        super().__init__("cancelled; no study was created")


#: ``progress(done, total)`` of a long step (checking files, writing cases).
Progress = Callable[[int, int], None]
#: Polled between units of work; ``True`` cancels (:class:`InitCancelled`).
ShouldStop = Callable[[], bool]


def _check_stop(should_stop: ShouldStop | None) -> None:
    if should_stop is not None and should_stop():
        raise InitCancelled


@dataclass(frozen=True)
class PlannedCase:
    """A case as the store will hold it."""

    row: ManifestRow
    truth: int | None
    practice: bool
    files: dict[str, tuple[Path, str, int]]  # kind -> (path, sha256, size)
    probability: float | None
    heatmap: np.ndarray | None


@dataclass(frozen=True)
class StudyPlan:
    """Everything :func:`create_study` writes, validated."""

    loaded: LoadedDefinition
    cases: tuple[PlannedCase, ...]
    plans: dict[str, list[SessionPlan]]
    pins: dict[str, str]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def definition(self) -> StudyDefinition:
        """The validated ``study.toml``."""
        return self.loaded.definition


def _needs_model(definition: StudyDefinition) -> bool:
    return True  # every design has aided reads (crossover, counterbalanced, sequential)


def _model_outputs(
    definition: StudyDefinition,
    manifest: Manifest,
    image_shapes: Mapping[str, tuple[int, int]],
    problems: list[str],
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    case_ids = list(manifest.case_ids)
    model = definition.model
    if model is None:
        if _needs_model(definition):
            problems.append(
                f"model: the {definition.design} design has aided reads, so the study needs "
                "the model's outputs ([model] scores = ...)"
            )
        return {}, {}
    collector = ProblemCollector()
    scores = read_scores(model.scores, collector, known_cases=case_ids)
    problems.extend(str(problem) for problem in collector.problems)
    probabilities: dict[str, float] = {}
    if scores is not None:
        probabilities = {str(k): float(v) for k, v in scores["probability"].items() if v == v}
        lacking = [case_id for case_id in case_ids if case_id not in probabilities]
        if lacking:
            shown = ", ".join(lacking[:10]) + (" ..." if len(lacking) > 10 else "")
            problems.append(f"{model.scores}: no probability for {len(lacking)} case(s): {shown}")
    heatmaps: dict[str, np.ndarray] = {}
    if model.heatmaps is not None and model.heatmaps.suffix.lower() == ".npz":
        heatmaps = _heatmaps_file(model.heatmaps, manifest, image_shapes, problems)
    elif model.heatmaps is not None:
        for case_id in case_ids:
            heatmap = _heatmap(model.heatmaps / f"{case_id}.npy", problems)
            if heatmap is not None:
                heatmaps[case_id] = heatmap
    return probabilities, heatmaps


def _heatmaps_file(
    path: Path,
    manifest: Manifest,
    image_shapes: Mapping[str, tuple[int, int]],
    problems: list[str],
) -> dict[str, np.ndarray]:
    """The full-extent maps of a ``heatmaps.npz`` (``cesm-reader predict``'s), each checked to
    have been computed on this case's image size (``image_shapes``, from the manifest's
    validation), so that it cannot overlay another image."""
    try:
        entries = read_heatmaps(path)
    except HeatmapFileError as error:
        problems.extend(error.problems)
        return {}
    problems.extend(
        case_set_problems(str(path), list(entries), manifest.case_ids, str(manifest.path))
    )
    heatmaps = {}
    for case_id, entry in entries.items():
        if case_id not in manifest.case_ids:
            continue
        row = manifest.row(case_id)
        shape = image_shapes.get(case_id)
        if shape is None:
            continue  # the manifest's validation reports the image itself
        if tuple(shape) != entry.source_shape:
            problems.append(
                f"{path}: case {case_id!r}: heat map computed on a "
                f"{entry.source_shape[0]} x {entry.source_shape[1]} image, but {row.low_energy} "
                f"is {shape[0]} x {shape[1]}"
            )
            continue
        heatmaps[case_id] = full_extent_heatmap(entry, STORED_HEATMAP_MAX_SIDE)
    return heatmaps


def _heatmap(path: Path, problems: list[str]) -> np.ndarray | None:
    if not path.is_file():
        problems.append(f"{path}: heat map not found (one <case_id>.npy per case)")
        return None
    try:
        array = np.load(path, allow_pickle=False, mmap_mode="r")
    except (OSError, ValueError) as error:
        problems.append(f"{path}: not a NumPy .npy array ({error})")
        return None
    if array.ndim != 2 or array.size == 0 or array.size > MAX_HEATMAP_PIXELS:
        problems.append(
            f"{path}: a heat map must be a non-empty 2-D array, got shape {array.shape}"
        )
        return None
    values = np.asarray(array, dtype=np.float32)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        problems.append(f"{path}: heat map values must be finite and in [0, 1]")
        return None
    return values


def _case_files(row: ManifestRow) -> dict[str, tuple[Path, str, int]]:
    files = {}
    for kind in _FILE_KINDS:
        path = getattr(row, kind)
        if path is not None:
            files[kind] = (path, file_sha256(path), path.stat().st_size)
    return files


def plan_study(
    loaded: LoadedDefinition,
    *,
    pins: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> StudyPlan:
    """Check everything a study needs and return what :func:`create_study` will write.

    ``pins`` maps reader ids to PINs; readers without one get a random 6-digit PIN (returned in
    the plan's ``pins``, to be shown once). ``progress(done, total)`` follows the checks of the
    cases' files (validated, then hashed: two passes); ``should_stop`` is polled between cases.
    Planning writes nothing, so a cancelled plan leaves nothing behind.

    Raises:
        StudyInitError: listing every problem found.
        InitCancelled: ``should_stop()`` became true.
    """
    definition = loaded.definition
    problems: list[str] = []

    def validated(done: int, total: int) -> None:
        _check_stop(should_stop)
        if progress is not None:
            progress(done, 2 * total)

    report = validate_manifest(
        definition.manifest, progress=validated, data_root=definition.files_root
    )
    _check_stop(should_stop)
    problems.extend(f"{report.manifest}: {issue}" for issue in report.errors)
    if not report.readable:
        raise StudyInitError(_listing(problems))
    try:
        manifest = load_manifest(definition.manifest, data_root=definition.files_root)
    except ManifestError:  # its structural problems are among the validation's, listed above
        raise StudyInitError(_listing(problems)) from None
    case_ids = list(manifest.case_ids)
    if definition.allow_revisit:
        problems.append(
            "allow_revisit: revisiting earlier cases is not supported yet; set it to false"
        )
    for case_id in definition.practice_cases:
        if case_id not in case_ids:
            problems.append(f"practice_cases: case '{case_id}' is not in the manifest")
    probabilities, heatmaps = _model_outputs(definition, manifest, report.image_shapes, problems)
    chosen: dict[str, str] = {}
    known_readers = {reader.id for reader in definition.readers}
    for reader_id, pin in (pins or {}).items():
        if reader_id not in known_readers:
            problems.append(f"PIN given for '{reader_id}', who is not a reader of the study")
            continue
        try:
            check_pin(pin)
        except CredentialError as error:
            problems.append(f"PIN of reader '{reader_id}': {error}")
            continue
        chosen[reader_id] = pin
    if problems:
        raise StudyInitError(_listing(problems))
    for reader in definition.readers:
        chosen.setdefault(reader.id, f"{secrets.randbelow(10**6):06d}")
    practice = set(definition.practice_cases)
    planned = []
    for done, row in enumerate(manifest.rows, start=1):
        _check_stop(should_stop)
        planned.append(
            PlannedCase(
                row=row,
                truth=None if row.label is None else LABEL_CODES[row.label],
                practice=row.case_id in practice,
                files=_case_files(row),
                probability=probabilities.get(row.case_id),
                heatmap=heatmaps.get(row.case_id),
            )
        )
        if progress is not None:
            progress(len(manifest.rows) + done, 2 * len(manifest.rows))
    cases = tuple(planned)
    scored = [(case.row.case_id, case.truth) for case in cases if not case.practice]
    plans = {
        reader.id: reader_plans(definition, scored, reader.id) for reader in definition.readers
    }
    return StudyPlan(loaded, cases, plans, chosen, tuple(loaded.warnings))


def reader_plans(
    definition: StudyDefinition, scored: list[tuple[str, int | None]], reader_id: str
) -> list[SessionPlan]:
    """A reader's sessions and reading orders: a function of ``study.toml`` and the reader's id
    alone, so that a reader added later changes nobody else's order."""
    block = definition.blocking.block_size if definition.blocking.enabled else None
    return session_plans(
        definition.design,
        [case_id for case_id, _ in scored],
        [truth for _, truth in scored],
        definition.seed,
        reader_id,
        block,
        practice_cases=definition.practice_cases,
    )


def _listing(problems: list[str]) -> str:
    noun = "problem" if len(problems) == 1 else "problems"
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return f"{len(problems)} {noun}; no study was created:\n{lines}"


def create_study(
    plan: StudyPlan,
    url: str,
    *,
    clock: Clock | None = None,
    simulated: bool = False,
    should_stop: ShouldStop | None = None,
) -> Store:
    """Create the store at ``url`` and write ``plan`` into it, in one transaction.

    ``should_stop`` is polled before the transaction commits; when it is true the transaction is
    rolled back and the new store removed.

    Raises:
        StoreError: the store cannot be created (exists, unreachable); nothing is left behind.
        InitCancelled: cancelled; nothing is left behind.
    """
    clock = clock or SystemClock()
    _check_stop(should_stop)
    store = create_store(url)
    try:
        with store.session() as session:
            _write(session, plan, clock.now(), simulated)
            _check_stop(should_stop)
    except BaseException:
        remove_new_store(store, url)
        raise
    return store


def remove_new_store(store: Store, url: str) -> None:
    """Undo :func:`create_store` after a failed write: no half-made study is left behind."""
    parsed = parse_store_url(url)
    if parsed.get_backend_name() == "sqlite":
        store.close()
        path = Path(str(parsed.database))
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    tables = MetaData()
    tables.reflect(bind=store.engine)
    tables.drop_all(bind=store.engine)
    store.close()


def _write(session: Session, plan: StudyPlan, now: datetime, simulated: bool) -> None:
    definition = plan.definition
    study_id = definition.id
    session.add(
        StudyRow(
            id=study_id,
            title=definition.title,
            design=definition.design,
            washout_days=definition.washout_days,
            seed=definition.seed,
            definition_toml=plan.loaded.toml_text,
            definition_sha256=plan.loaded.sha256,
            simulated=simulated,
            created_at=now,
        )
    )
    session.flush()
    append_event(
        session,
        study_id,
        "coordinator",
        "study_created",
        {
            "definition_sha256": plan.loaded.sha256,
            "manifest": str(definition.manifest),
            "cases": len(plan.cases),
            "simulated": simulated,
        },
        now,
    )
    shown = set(definition.clinical_fields)
    for case in plan.cases:
        row = case.row
        clinical = {
            name: row.metadata.get(name)
            for name in ("age", "clinical_history", "family_history")
            if name in shown and row.metadata.get(name) is not None
        }
        session.add(
            CaseRow(
                study_id=study_id,
                case_id=row.case_id,
                truth=case.truth,
                practice=case.practice,
                clinical=clinical,
                laterality=row.metadata.get("laterality"),
                view=row.metadata.get("view"),
            )
        )
    session.flush()  # the cases before the rows that refer to them
    for case in plan.cases:
        row = case.row
        for kind, (path, sha256, size) in case.files.items():
            session.add(
                CaseFileRow(
                    study_id=study_id,
                    case_id=row.case_id,
                    kind=kind,
                    path=str(path),
                    sha256=sha256,
                    size_bytes=size,
                )
            )
        if case.probability is not None:
            data, shape = (None, None) if case.heatmap is None else encode_heatmap(case.heatmap)
            session.add(
                ModelOutputRow(
                    study_id=study_id,
                    case_id=row.case_id,
                    probability=case.probability,
                    heatmap=data,
                    heatmap_shape=shape,
                )
            )
    session.flush()
    for reader in definition.readers:
        add_reader_rows(
            session,
            study_id,
            reader.id,
            reader.name,
            reader.years_experience,
            hash_secret(plan.pins[reader.id]),
            plan.plans[reader.id],
            now,
        )
    session.flush()


def add_reader_rows(
    session: Session,
    study_id: str,
    reader_id: str,
    name: str,
    years_experience: int,
    pin_hash: str,
    plans: list[SessionPlan],
    now: datetime,
) -> None:
    """Write a reader, their sessions and reading orders, and the audit events, in ``session``."""
    session.add(
        ReaderRow(
            study_id=study_id,
            reader_id=reader_id,
            display_name=name,
            years_experience=years_experience,
            pin_hash=pin_hash,
            failed_attempts=0,
            active=True,
            added_at=now,
        )
    )
    session.flush()
    append_event(session, study_id, "coordinator", "reader_added", {"reader_id": reader_id}, now)
    append_event(session, study_id, "coordinator", "pin_set", {"reader_id": reader_id}, now)
    for plan_of_session in plans:
        reading = ReadingSessionRow(
            study_id=study_id,
            reader_id=reader_id,
            index=plan_of_session.index,
            state=SessionState.NOT_STARTED.value,
            active_seconds=0.0,
        )
        session.add(reading)
        session.flush()
        for item in plan_of_session.items:
            session.add(
                OrderItemRow(
                    session_id=reading.id,
                    position=item.position,
                    case_id=item.case_id,
                    mode=item.mode,
                    practice=item.practice,
                )
            )
    session.flush()
