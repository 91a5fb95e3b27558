"""A study from ``study.toml`` to export, through the reader API, on SQLite and PostgreSQL.

The cohort is a small synthetic one with real image files, so that ``plan_study`` validates them
as it would a coordinator's, and the model outputs are a scores CSV and heat maps on disk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from store_fixtures import store_url  # noqa: F401 (a fixture)
from study_files import write_study_toml

from model_core.formats.scores import write_scores
from model_core.manifest import load_manifest
from studies.engine.clock import SimulatedClock
from studies.engine.coordinator_api import override_washout, study_status
from studies.engine.definition import load_study_definition
from studies.engine.export import collect_export
from studies.engine.reader_api import Answer, LoginError, ReaderError, ReaderSession
from studies.engine.simulate import simulate_readers
from studies.engine.study_init import StudyInitError, create_study, plan_study
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    synthesize_cohort(
        CohortSettings(cases=9, seed=4, size="small", malignant_fraction=0.5), folder / "cohort"
    )
    return folder


def _definition(folder: Path, overrides: dict | None = None) -> Path:
    manifest = load_manifest(folder / "cohort" / "manifest.csv")
    ids = list(manifest.case_ids)
    model = folder / "model"
    (model / "heatmaps").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    write_scores(
        pd.DataFrame({"case_id": ids, "probability": np.round(rng.uniform(size=len(ids)), 4)}),
        model / "scores.csv",
    )
    for case_id in ids:
        np.save(model / "heatmaps" / f"{case_id}.npy", rng.uniform(size=(8, 6)).astype(np.float32))
    base = {"practice_cases": [ids[0]], "washout_days": 30}
    return write_study_toml(folder, {**base, **(overrides or {})})


def _study(cohort: Path, url: str, overrides: dict | None = None):  # type: ignore[no-untyped-def]
    loaded = load_study_definition(_definition(cohort, overrides))
    plan = plan_study(loaded, pins={"R1": "1234", "R2": "5678"})
    return plan, create_study(plan, url, clock=SimulatedClock(START))


def test_a_reader_reads_in_the_stored_order_blinded(cohort: Path, store_url: str) -> None:  # noqa: F811
    plan, store = _study(cohort, store_url)
    clock = SimulatedClock(START)
    with pytest.raises(LoginError):
        ReaderSession.login(store, "R1", "0000", clock=clock)
    reader = ReaderSession.login(store, "R1", "1234", clock=clock)
    case = reader.open(1)
    expected = [item.case_id for item in plan.plans["R1"][0].items]
    seen = []
    while case is not None:
        assert case.stage == "unaided" and case.model is None  # blinded to the model
        assert not hasattr(case, "truth")
        seen.append(case.case_id)
        clock.advance(timedelta(seconds=20))
        receipt = reader.submit(Answer(1, 70, "4B"))
        if case.practice:
            assert receipt.practice_truth in (0, 1)
        else:
            assert receipt.practice_truth is None
        case = receipt.next_case
    assert seen == expected
    # the washout keeps session 2 closed, an audited override opens it
    with pytest.raises(ReaderError, match="washout"):
        reader.open(2)
    override_washout(store, "R1", "reader leaves the hospital", clock=clock)
    aided = reader.open(2)
    assert aided is not None and aided.stage == "aided" and aided.model is not None
    assert aided.model.heatmap is not None and aided.model.thresholds == {"youden": 0.42}
    store.close()


def test_a_crash_resumes_at_the_first_unanswered_case(cohort: Path, store_url: str) -> None:  # noqa: F811
    _, store = _study(cohort, store_url)
    clock = SimulatedClock(START)
    reader = ReaderSession.login(store, "R2", "5678", clock=clock)
    first = reader.open(1)
    assert first is not None
    for _ in range(3):
        reader.submit(Answer(0, 20))
    # a new process: log in again, the open session is taken up where it stopped
    again = ReaderSession.login(store, "R2", "5678", clock=clock)
    resumed = again.open(1)
    assert resumed is not None and resumed.position == 4
    store.close()


def test_simulated_readers_complete_the_study_and_the_export_is_complete(
    cohort: Path,
    store_url: str,  # noqa: F811
) -> None:
    _, store = _study(cohort, store_url, {"washout_days": 2})
    summary = simulate_readers(store, seed=3, start=START, stop_after=7)
    assert summary.answers == 7
    summary = simulate_readers(store, seed=3, start=START)  # continues where it stopped
    status = study_status(store)
    assert status.simulated
    assert all(s.state == "completed" for r in status.readers for s in r.sessions)
    exported = collect_export(store)
    reads = exported.reads
    assert len(reads) == 2 * 2 * 8  # readers × sessions × scored cases (practice left out)
    assert not reads.duplicated(["reader_id", "session", "case_id"]).any()
    aided = reads[reads.session == "aided"]
    assert aided.model_probability.notna().all()
    assert reads[reads.session == "unaided"].model_probability.isna().all()
    unaided_end = reads[reads.session == "unaided"].groupby("reader_id").submitted_at.max()
    aided_start = aided.groupby("reader_id").started_at.min()
    for reader_id in ("R1", "R2"):
        gap = datetime.fromisoformat(aided_start[reader_id]) - datetime.fromisoformat(
            unaided_end[reader_id]
        )
        assert gap >= timedelta(days=2)  # the simulated clock honoured the washout
    store.close()


def test_every_problem_is_reported_before_a_store_exists(cohort: Path, tmp_path: Path) -> None:
    path = _definition(cohort, {"practice_cases": ["NOPE"]})
    (cohort / "model" / "heatmaps" / "INT0002.npy").write_bytes(b"not numpy")
    loaded = load_study_definition(path)
    with pytest.raises(StudyInitError) as error:
        plan_study(loaded, pins={"R1": "12"})
    message = str(error.value)
    assert "practice_cases: case 'NOPE' is not in the manifest" in message
    assert "INT0002.npy: not a NumPy .npy array" in message
    assert "PIN of reader 'R1'" in message
    assert not list(tmp_path.iterdir())


def test_a_session_refuses_to_start_when_an_image_changed(
    cohort: Path,
    tmp_path: Path,
    store_url: str,  # noqa: F811
) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(cohort / "cohort", copy / "cohort")
    plan, store = _study(copy, store_url)
    first = plan.plans["R1"][0].items[0].case_id
    image = copy / "cohort" / "cases" / first / "recombined.dcm"
    image.write_bytes(image.read_bytes() + b"\0")
    reader = ReaderSession.login(store, "R1", "1234", clock=SimulatedClock(START))
    with pytest.raises(ReaderError, match=f"(?s)cannot start.*case {first}, recombined"):
        reader.open(1)
    assert reader.sessions()[0].state.value == "not_started"
    store.close()


def test_a_correction_is_a_new_version_and_the_original_is_kept(
    cohort: Path,
    store_url: str,  # noqa: F811
) -> None:
    from sqlalchemy import select

    from studies.engine.coordinator_api import correct_decision
    from studies.store.schema import DecisionRow
    from studies.store.verify import verify_store

    _, store = _study(cohort, store_url)
    clock = SimulatedClock(START)
    reader = ReaderSession.login(store, "R1", "1234", clock=clock)
    case = reader.open(1)
    while case is not None and case.practice:
        case = reader.submit(Answer(0, 5)).next_case
    assert case is not None
    reader.submit(Answer(0, 30, "3"))
    with pytest.raises(ReaderError, match="needs a reason"):
        correct_decision(store, "R1", 1, case.case_id, "unaided", Answer(1, 80), " ")
    new_id = correct_decision(
        store, "R1", 1, case.case_id, "unaided", Answer(1, 80, "4C"), "typed in the wrong field"
    )
    with store.session(read_only=True) as session:
        versions = session.scalars(
            select(DecisionRow)
            .where(DecisionRow.case_id == case.case_id)
            .order_by(DecisionRow.version)
        ).all()
    assert [(v.version, v.current, v.pom) for v in versions] == [(1, False, 30), (2, True, 80)]
    assert versions[1].id == new_id and versions[1].correction_reason == "typed in the wrong field"
    exported = collect_export(store).reads
    row = exported[(exported.reader_id == "R1") & (exported.case_id == case.case_id)]
    assert row.pom.tolist() == [80]
    assert verify_store(store, check_files=False).ok
    store.close()


def test_a_reader_added_later_changes_nobody_else_s_order(
    cohort: Path,
    store_url: str,  # noqa: F811
) -> None:
    from sqlalchemy import select

    from studies.engine.coordinator_api import add_reader
    from studies.engine.study_init import reader_plans
    from studies.store.schema import OrderItemRow, ReadingSessionRow

    def orders(store) -> dict[tuple[str, int], list[str]]:  # type: ignore[no-untyped-def]
        with store.session(read_only=True) as session:
            result = {}
            for row in session.scalars(select(ReadingSessionRow)):
                result[(row.reader_id, row.index)] = list(
                    session.scalars(
                        select(OrderItemRow.case_id)
                        .where(OrderItemRow.session_id == row.id)
                        .order_by(OrderItemRow.position)
                    )
                )
            return result

    plan, store = _study(cohort, store_url)
    before = orders(store)
    add_reader(store, "R3", "Reader Three", 7, "4321")
    after = orders(store)
    assert {k: v for k, v in after.items() if k[0] != "R3"} == before
    scored = [(c.row.case_id, c.truth) for c in plan.cases if not c.practice]
    expected = reader_plans(plan.definition, scored, "R3")
    assert after[("R3", 1)] == [item.case_id for item in expected[0].items]
    with pytest.raises(ReaderError, match="already has a reader 'R3'"):
        add_reader(store, "R3", "Again", 1, "4321")
    assert ReaderSession.login(store, "R3", "4321").sessions()[0].total == len(expected[0].items)
    store.close()


def test_the_coordinator_password_is_hashed_and_checked(
    cohort: Path,
    store_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from studies.engine import coordinator_api
    from studies.engine.coordinator_api import check_coordinator, set_coordinator_password
    from studies.engine.pins import CredentialError
    from studies.store.schema import StudyRow

    _, store = _study(cohort, store_url)
    with pytest.raises(LoginError, match="no coordinator password is set"):
        check_coordinator(store, "whatever1")
    with pytest.raises(CredentialError):
        set_coordinator_password(store, "short")
    set_coordinator_password(store, "correct horse")
    with store.session(read_only=True) as session:
        stored = session.get(StudyRow, "study-1").coordinator_password_hash
    assert stored is not None and "correct horse" not in stored and stored.startswith("scrypt$")
    check_coordinator(store, "correct horse")
    monkeypatch.setattr(coordinator_api, "_COORDINATOR_DELAY_S", 0.0)  # not what is tested
    with pytest.raises(LoginError, match="wrong coordinator password"):
        check_coordinator(store, "wrong horse")
    store.close()
