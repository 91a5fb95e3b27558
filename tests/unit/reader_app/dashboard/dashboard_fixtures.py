"""Fixtures and helpers of the dashboard tests: a small demo cohort made once, and demo studies
on it (imported by ``conftest.py``; tests import the helpers from here by this unique name).

The cohort (12 small synthetic cases) is generated once per test session and shared read-only;
each test's study lives in its own folder and store (SQLite, and PostgreSQL under
``pg_virtualenv``) with the coordinator's password set and checked, as the login does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from store_fixtures import store_url  # noqa: F401 (a fixture)

from studies.engine.coordinator_api import CoordinatorAccess
from studies.engine.definition import parse_study_definition
from studies.engine.definition_text import render_study_toml, study_toml_values
from studies.engine.demo_study import prepare_demo_files
from studies.engine.study_creation import create_study_from_text
from studies.store.database import Store

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSWORD = "coordinator-pass"
SMALL_DEMO = {"cases": 12, "size": "small"}


@pytest.fixture(scope="session")
def demo_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the demo's ``cohort/`` (12 small cases, simulated scores: ``bundle=None``
    keeps the embedded demo model, and TensorFlow, out of the dashboard's tests)."""
    folder = tmp_path_factory.mktemp("demo")
    prepare_demo_files(folder, bundle=None, **SMALL_DEMO)  # type: ignore[arg-type]
    return folder


def demo_text(demo_cohort: Path, **changes: object) -> str:
    """The demo's study.toml with absolute paths into the shared cohort (and ``changes``)."""
    from studies.engine.demo_study import DEMO_DEFINITION

    text = DEMO_DEFINITION.read_text(encoding="utf-8")
    definition = parse_study_definition(text, source="demo", base_dir=demo_cohort).definition
    values = study_toml_values(definition, Path("/nonexistent-base"))  # paths stay absolute
    values.update(changes)
    return render_study_toml(values)


@dataclass
class DemoStudy:
    """A demo study made for one test."""

    url: str
    store: Store
    access: CoordinatorAccess
    folder: Path
    pins: dict[str, str]


@pytest.fixture
def demo_study(
    demo_cohort: Path,
    store_url: str,  # noqa: F811
    tmp_path: Path,
) -> Iterator[DemoStudy]:
    """The small demo study, on each back-end."""
    created = create_study_from_text(
        demo_text(demo_cohort),
        tmp_path / "study",
        store_url,
        coordinator_password=PASSWORD,
    )
    assert created.access is not None
    try:
        yield DemoStudy(
            store_url, created.store, created.access, tmp_path / "study", dict(created.plan.pins)
        )
    finally:
        created.store.close()


def settle(qtbot: object, page: object, timeout: int = 60000) -> None:
    """Wait until ``page``'s job (if any) has run and its result was shown."""
    qtbot.waitUntil(lambda: not page.busy(), timeout=timeout)  # type: ignore[attr-defined]
