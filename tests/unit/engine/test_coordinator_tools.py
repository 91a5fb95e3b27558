"""The engine's coordinator tools behind the dashboard and their `cesm-reader study` commands:
deactivating readers, a reader's answers with every version, corrections from the command line,
creating a study from a definition's text (cancellable, nothing left behind), writing
study.toml back from a definition, and the coordinator's access proof."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_fixtures import store_url  # noqa: F401 (a fixture)
from test_study_flow import _definition, _study, cohort  # noqa: F401 (a fixture)

from cesm_cli.main import main
from studies.engine.coordinator_api import (
    check_coordinator,
    correct_decision,
    reader_answers,
    set_coordinator_password,
    set_reader_active,
)
from studies.engine.definition import load_study_definition, parse_study_definition
from studies.engine.definition_text import render_study_toml, study_toml_values
from studies.engine.pins import CredentialError
from studies.engine.reader_api import Answer, LoginError, ReaderError, ReaderSession
from studies.engine.study_creation import create_study_from_text, store_folder
from studies.engine.study_init import InitCancelled, StudyInitError, plan_study


def _read_all(store, reader_id: str, pin: str, index: int = 1) -> None:  # type: ignore[no-untyped-def]
    reader = ReaderSession.login(store, reader_id, pin)
    case = reader.open(index)
    while case is not None:
        case = reader.submit(Answer(0, 20, "2")).next_case


def test_a_deactivated_reader_cannot_log_in_and_keeps_their_answers(
    cohort: Path,  # noqa: F811
    store_url: str,  # noqa: F811
) -> None:
    _, store = _study(cohort, store_url)
    try:
        _read_all(store, "R1", "1234")
        set_reader_active(store, "R1", False, reason="left the study")
        with pytest.raises(LoginError):
            ReaderSession.login(store, "R1", "1234")
        with pytest.raises(ReaderError, match="already deactivated"):
            set_reader_active(store, "R1", False)
        with pytest.raises(ReaderError, match="no reader 'R9'"):
            set_reader_active(store, "R9", False)
        assert len(reader_answers(store, "R1")) == 9  # 8 scored + 1 practice, kept
        set_reader_active(store, "R1", True)
        ReaderSession.login(store, "R1", "1234")
    finally:
        store.close()


def test_reader_answers_list_every_version_in_reading_order(
    cohort: Path,  # noqa: F811
    store_url: str,  # noqa: F811
) -> None:
    plan, store = _study(cohort, store_url)
    try:
        _read_all(store, "R2", "5678")
        answers = reader_answers(store, "R2")
        order = [item.case_id for item in plan.plans["R2"][0].items]
        assert [a.case_id for a in answers] == order
        assert answers[0].practice and not any(a.practice for a in answers[1:])
        target = answers[3]
        correct_decision(store, "R2", 1, target.case_id, "unaided", Answer(1, 90, "5"), "typo")
        again = reader_answers(store, "R2")
        assert [(a.case_id, a.version, a.current) for a in again[3:5]] == [
            (target.case_id, 1, False),
            (target.case_id, 2, True),
        ]
        assert again[4].correction_reason == "typo" and again[4].corrected_by == "coordinator"
        assert json.loads(json.dumps(again[4].to_dict()))["pom"] == 90
    finally:
        store.close()


def test_the_command_line_has_the_same_tools(
    cohort: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    definition = _definition(cohort)
    assert main(["study", "init", str(definition), "--db", url, "--pin", "R1=1234"]) == 0
    from studies.store.database import open_store

    store = open_store(url)
    try:
        _read_all(store, "R1", "1234")
    finally:
        store.close()
    capsys.readouterr()
    db = ["--db", url]
    assert main(["study", "answers", "R1", *db, "--json"]) == 0
    answers = json.loads(capsys.readouterr().out)
    case = answers[2]["case_id"]
    assert main(
        [
            "study", "correct", "R1", *db, "--session", "1", "--case", case, "--stage",
            "unaided", "--decision", "malignant", "--pom", "85", "--reason", "mis-click",
        ]
    ) == 0  # fmt: skip
    assert "original answer is kept" in capsys.readouterr().out
    assert main(["study", "answers", "R1", *db]) == 0
    listing = capsys.readouterr().out
    assert f"{case:<12} v1 replaced" in listing and "corrected by coordinator: mis-click" in listing
    assert main(["study", "deactivate", "R1", *db, "--reason", "moved away"]) == 0
    assert "may no longer log in" in capsys.readouterr().out
    assert main(["study", "deactivate", "R1", *db]) == 2
    assert "already deactivated" in capsys.readouterr().err
    assert main(["study", "reactivate", "R1", *db]) == 0
    assert main(["study", "verify", *db]) == 0


def test_a_study_from_text_saves_its_definition_and_can_be_cancelled(
    cohort: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    text = _definition(cohort).read_text(encoding="utf-8")
    base = cohort  # the definition's relative paths are relative to the cohort's folder
    absolute = render_study_toml(
        study_toml_values(
            parse_study_definition(text, source="t", base_dir=base).definition, tmp_path
        )
    )
    folder = tmp_path / "study"
    url = f"sqlite:///{tmp_path / 'study.db'}"

    def leftovers() -> list[str]:
        return sorted(p.name for p in tmp_path.rglob("*") if p.is_file())

    # during the checks (1, 5), while hashing (12), before the store exists (20), and after
    # everything was written, before the commit (21): each time, nothing is left behind
    for stop_at in (1, 5, 12, 20, 21):
        calls = 0

        def should_stop(limit: int = stop_at) -> bool:
            nonlocal calls
            calls += 1
            return calls >= limit

        with pytest.raises(InitCancelled):
            create_study_from_text(absolute, folder, url, should_stop=should_stop)
        assert leftovers() == [], stop_at
    assert calls == 21  # the last cancellation came at the last check

    with pytest.raises(CredentialError):
        create_study_from_text(absolute, folder, url, coordinator_password="short")
    assert leftovers() == []

    seen: list[tuple[int, int]] = []
    created = create_study_from_text(
        absolute,
        folder,
        url,
        coordinator_password="a good password",
        progress=lambda d, t: seen.append((d, t)),
    )
    try:
        assert seen[-1] == (18, 18)  # 9 cases validated, then 9 hashed
        assert (folder / "study.toml").read_text(encoding="utf-8") == absolute
        assert (
            load_study_definition(folder / "study.toml").definition.id == created.plan.definition.id
        )
        assert created.access is not None and created.access.grants(created.store)
        assert {"study.db", "study.toml"} <= set(leftovers())
        assert not [name for name in leftovers() if name.endswith(".tmp")]
    finally:
        created.store.close()
    other = absolute.replace("washout_days = 30", "washout_days = 40")
    with pytest.raises(StudyInitError, match="already exists with another definition"):
        create_study_from_text(other, folder, f"sqlite:///{tmp_path / 'other.db'}")
    assert not (tmp_path / "other.db").exists()


def test_study_toml_written_back_loads_as_the_same_definition(cohort: Path) -> None:  # noqa: F811
    loaded = load_study_definition(_definition(cohort, {"data_root": "cohort"}))
    values = study_toml_values(loaded.definition, cohort)
    assert values["manifest"] == "cohort/manifest.csv" and values["data_root"] == "cohort"
    assert values["model"]["heatmaps"] == "model/heatmaps"
    text = render_study_toml(values, header="a comment\nover two lines")
    assert text.startswith("# a comment\n# over two lines\n")
    again = parse_study_definition(text, source="again", base_dir=cohort)
    assert again.definition == loaded.definition


def test_plan_lists_file_problems_with_a_malformed_manifests(
    cohort: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    lines = (cohort / "cohort" / "manifest.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("low_energy.dcm", "missing.dcm")
    lines.append(lines[2])  # a duplicated case: load_manifest refuses the file
    (cohort / "cohort" / "twice.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    definition = _definition(cohort)
    text = definition.read_text(encoding="utf-8").replace("manifest.csv", "twice.csv")
    loaded = parse_study_definition(text, source="study.toml", base_dir=cohort)
    with pytest.raises(StudyInitError) as raised:
        plan_study(loaded)
    message = str(raised.value)
    assert "no such file" in message and "duplicate case_id" in message
    assert "no study was created" in message


def test_check_coordinator_returns_the_access_the_dashboard_needs(
    cohort: Path,  # noqa: F811
    store_url: str,  # noqa: F811
) -> None:
    plan, store = _study(cohort, store_url)
    try:
        set_coordinator_password(store, "a good password")
        access = check_coordinator(store, "a good password")
        assert access.grants(store) and access.study_id == plan.definition.id
        assert store_folder(store_url) == (
            Path(store_url.removeprefix("sqlite:///")).parent
            if store_url.startswith("sqlite")
            else None
        )
    finally:
        store.close()
