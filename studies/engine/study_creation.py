"""Creating a study from a definition's text, and saving that text beside the store.

The dashboard's wizard produces a ``study.toml`` text; :func:`create_study_from_text` validates
it as ``cesm-reader study init`` validates a file (the same :func:`plan_study`, the same
:func:`create_study`), then saves it as ``FOLDER/study.toml`` so that the study can be created
again from the command line (``cesm-reader study init FOLDER/study.toml --db URL``). Relative
paths in the text are relative to ``FOLDER``, as they are in a file there.

Nothing is left half-made: the text is checked and the file's place verified before the store
exists; the file is written to a temporary name and renamed into place only once the store is
committed; a failure or a cancellation removes both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studies.engine.coordinator_api import (
    CoordinatorAccess,
    check_coordinator,
    set_coordinator_password,
)
from studies.engine.definition import parse_study_definition
from studies.engine.pins import check_password
from studies.engine.study_init import (
    Progress,
    ShouldStop,
    StudyInitError,
    StudyPlan,
    create_study,
    plan_study,
    remove_new_store,
)
from studies.store.database import Store, parse_store_url

DEFINITION_NAME = "study.toml"


@dataclass(frozen=True)
class CreatedStudy:
    """A study created from a text: its plan (PINs included, to be shown once), its open store,
    the ``study.toml`` saved beside it, and — when a coordinator password was set — the
    coordinator's access, checked with that password."""

    plan: StudyPlan
    store: Store
    definition_file: Path
    access: CoordinatorAccess | None


def store_folder(url: str) -> Path | None:
    """The folder of an SQLite store's file (where its exports and analyses are proposed);
    ``None`` for a server's store."""
    parsed = parse_store_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(str(parsed.database)).absolute().parent


def create_study_from_text(
    text: str,
    folder: Path,
    url: str,
    *,
    coordinator_password: str | None = None,
    pins: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> CreatedStudy:
    """Validate ``text`` (relative paths from ``folder``), create the store at ``url``, set the
    coordinator's password, and save ``text`` as ``folder/study.toml``.

    Raises:
        StudyDefinitionError: the text is invalid (every problem listed).
        StudyInitError: what it names is invalid, or ``folder/study.toml`` exists with another
            text; nothing was created.
        InitCancelled: ``should_stop()`` became true; nothing was created.
        CredentialError: the password is too short.
        StoreError: the store cannot be created.
    """
    folder = folder.absolute()
    target = folder / DEFINITION_NAME
    if coordinator_password is not None:
        check_password(coordinator_password)
    if target.exists() and (not target.is_file() or target.read_text(encoding="utf-8-sig") != text):
        raise StudyInitError(
            f"{target} already exists with another definition; choose another folder or move "
            "it away (nothing was created)"
        )
    loaded = parse_study_definition(text, source=str(target), base_dir=folder)
    plan = plan_study(loaded, pins=pins, progress=progress, should_stop=should_stop)
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".{DEFINITION_NAME}.{os.getpid()}.tmp"
    staged.write_text(text, encoding="utf-8")
    try:
        store = create_study(plan, url, should_stop=should_stop)
        try:
            access = None
            if coordinator_password is not None:
                set_coordinator_password(store, coordinator_password)
                access = check_coordinator(store, coordinator_password)
            os.replace(staged, target)
        except BaseException:
            remove_new_store(store, url)
            raise
    finally:
        staged.unlink(missing_ok=True)
    return CreatedStudy(plan, store, target, access)
