"""verify_store finds each kind of tampering, names the row or file, and passes a clean store.

Tampering goes around the application as an intruder with database rights would: it drops the
first migration's immutability triggers, then edits the tables with plain SQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from store_fixtures import (
    T0,
    SmallStudy,
    build_small_study,
    drop_immutability_triggers,
    submit_decision,
)

import studies.store.verify as verify_module
from studies.store.audit import append_decision_event, event_hash
from studies.store.database import Store
from studies.store.schema import AuditEventRow, DecisionRow
from studies.store.verify import FINDING_KINDS, VerifyReport, case_file_findings, verify_store


@pytest.fixture
def study(store: Store, tmp_path: Path) -> SmallStudy:
    return build_small_study(store, tmp_path / "images", readers=2, cases=3)


def _tamper(store: Store, statement: str, **values: object) -> None:
    drop_immutability_triggers(store)
    with store.session() as session:
        assert session.execute(text(statement), values).rowcount >= 1


def _kinds(report: VerifyReport) -> list[str]:
    return [finding.kind for finding in report.findings]


def _decision_event_seq(store: Store, decision_id: int) -> int:
    with store.session(read_only=True) as session:
        rows = session.execute(
            text("SELECT seq, payload FROM audit_events WHERE kind = 'decision' ORDER BY seq")
        ).all()
    return next(seq for seq, payload in rows if json.loads(payload)["decision_id"] == decision_id)


def test_a_clean_store_passes(store: Store, study: SmallStudy) -> None:
    report = verify_store(store)
    assert report.ok, report.summary()
    # 1 study_created + 2 reader_added + 6 decisions; 2 files of 3 cases
    assert (report.events_checked, report.decisions_checked, report.files_checked) == (9, 6, 6)
    assert report.summary().endswith("no problems found")
    assert report.to_dict()["ok"] is True


def test_an_altered_event(store: Store, study: SmallStudy) -> None:
    _tamper(store, "UPDATE audit_events SET actor = 'R2' WHERE seq = 2")
    report = verify_store(store)
    assert _kinds(report) == ["event_altered"]
    assert report.findings[0].message.startswith("audit event seq 2 (reader_added by R2)")


def test_an_event_replaced_with_its_hash_recomputed(store: Store, study: SmallStudy) -> None:
    """Resealing the edited event hides it from its own hash check, not from the next link."""
    with store.session(read_only=True) as session:
        event = session.get(AuditEventRow, 2)
    payload = '{"reader":"R9"}'
    resealed = event_hash(event.prev_hash, event.at, event.actor, event.kind, payload)
    _tamper(
        store,
        "UPDATE audit_events SET payload = :p, hash = :h WHERE seq = 2",
        p=payload,
        h=resealed,
    )
    report = verify_store(store)
    assert [(f.kind, f.message) for f in report.findings] == [
        ("chain_broken", "audit chain broken at seq 3: its prev_hash is not the hash of seq 2")
    ]


def test_the_last_event_replaced_with_its_hash_recomputed(store: Store, study: SmallStudy) -> None:
    """No later link to break: the chain head still holds the original hash."""
    with store.session(read_only=True) as session:
        event = session.get(AuditEventRow, 9)
    payload = event.payload.replace('"pom":30', '"pom":31')
    resealed = event_hash(event.prev_hash, event.at, event.actor, event.kind, payload)
    _tamper(
        store,
        "UPDATE audit_events SET payload = :p, hash = :h WHERE seq = 9",
        p=payload,
        h=resealed,
    )
    report = verify_store(store)
    assert "the last audit event (seq 9) is not the one the chain head sealed: replaced" in [
        finding.message for finding in report.findings
    ]
    assert "decision_edited" in _kinds(report)  # the decision no longer matches its event


def test_a_deleted_event(store: Store, study: SmallStudy) -> None:
    seq = _decision_event_seq(store, study.decision_ids[1])
    _tamper(store, "DELETE FROM audit_events WHERE seq = :s", s=seq)
    report = verify_store(store)
    assert sorted(_kinds(report)) == ["decision_unaudited", "events_missing"]
    messages = " | ".join(finding.message for finding in report.findings)
    assert f"audit event seq {seq} missing (deleted)" in messages
    assert f"decision {study.decision_ids[1]} (reader R1, case C002, unaided, version 1)" in (
        messages
    )


def test_events_cut_off_the_end(store: Store, study: SmallStudy) -> None:
    _tamper(store, "DELETE FROM audit_events WHERE seq >= 8")
    report = verify_store(store)
    assert "audit events seq 8–9 missing (deleted) (cut off the end of the chain)" in [
        finding.message for finding in report.findings
    ]
    assert _kinds(report).count("decision_unaudited") == 2


def test_an_edited_decision(store: Store, study: SmallStudy) -> None:
    target = study.decision_ids[4]
    _tamper(store, "UPDATE decisions SET pom = 95, decision = 1 WHERE id = :i", i=target)
    report = verify_store(store)
    seq = _decision_event_seq(store, target)
    assert [(f.kind, f.message) for f in report.findings] == [
        (
            "decision_edited",
            f"decision {target} (reader R2, case C002, unaided, version 1) differs from its "
            f"audit event seq {seq}: decision, pom changed",
        )
    ]


def test_a_decision_inserted_around_the_api(store: Store, study: SmallStudy) -> None:
    with store.session() as session:
        session.execute(
            text(
                'INSERT INTO decisions (session_id, case_id, mode, version, "current", '
                "decision, pom, reading_time_s, started_at, submitted_at, heatmap_events) "
                "VALUES (:s, 'C001', 'aided', 1, true, 1, 90, 3.0, :t, :t, '[]')"
            ),
            {"s": study.session_ids["R1"], "t": T0.replace(tzinfo=None)},
        )
    report = verify_store(store)
    assert _kinds(report) == ["decision_unaudited"]
    assert "(reader R1, case C001, aided, version 1) has no audit event" in (
        report.findings[0].message
    )


def test_a_deleted_decision(store: Store, study: SmallStudy) -> None:
    target = study.decision_ids[0]
    _tamper(store, "DELETE FROM decisions WHERE id = :i", i=target)
    report = verify_store(store)
    seq = _decision_event_seq(store, target)
    assert [(f.kind, f.message) for f in report.findings] == [
        (
            "decision_deleted",
            f"decision {target} (reader R1, case C001, unaided) recorded by audit event seq "
            f"{seq} is missing from the store",
        )
    ]


def test_a_correction_is_a_new_version_not_an_edit(store: Store, study: SmallStudy) -> None:
    """The legitimate path: clear current on version 1 and add version 2 with its event."""
    with store.session() as session:
        first = session.get(DecisionRow, study.decision_ids[0])
        first.current = False
        second = DecisionRow(
            session_id=first.session_id,
            case_id=first.case_id,
            mode=first.mode,
            version=2,
            decision=1,
            pom=70,
            reading_time_s=first.reading_time_s,
            started_at=first.started_at,
            submitted_at=first.submitted_at,
            correction_reason="reader mis-clicked (phone call, 2026-01-05)",
            corrected_by="coordinator",
        )
        session.add(second)
        event = append_decision_event(session, second, "coordinator")
    assert event.kind == "correction"
    report = verify_store(store)
    assert report.ok, report.summary()
    # two current versions would be wrong
    _tamper(store, 'UPDATE decisions SET "current" = true WHERE id = :i', i=first.id)
    assert _kinds(verify_store(store)) == ["decision_versions"]


def test_a_changed_image(store: Store, study: SmallStudy) -> None:
    path = study.image_paths[("C002", "recombined")]
    data = bytearray(path.read_bytes())
    data[3] ^= 0xFF  # same size, other bytes
    path.write_bytes(bytes(data))
    report = verify_store(store)
    assert _kinds(report) == ["file_changed"]
    assert report.findings[0].message.startswith(f"case C002, recombined: {path}: SHA-256 changed")


def test_a_grown_image(store: Store, study: SmallStudy) -> None:
    path = study.image_paths[("C001", "low_energy")]
    with path.open("ab") as stream:
        stream.write(b"\0")
    report = verify_store(store)
    assert [f.message for f in report.findings] == [
        f"case C001, low_energy: {path}: size changed (120 → 121 bytes)"
    ]


def test_a_missing_image(store: Store, study: SmallStudy) -> None:
    path = study.image_paths[("C003", "low_energy")]
    path.unlink()
    report = verify_store(store)
    assert [(f.kind, f.message) for f in report.findings] == [
        ("file_missing", f"case C003, low_energy: {path}: missing (No such file or directory)")
    ]
    assert verify_store(store, check_files=False).ok


def test_an_image_replaced_by_a_folder(store: Store, study: SmallStudy) -> None:
    path = study.image_paths[("C001", "recombined")]
    path.unlink()
    path.mkdir()
    assert [f.message for f in verify_store(store).findings] == [
        f"case C001, recombined: {path}: not a regular file"
    ]


def test_case_file_findings_for_the_cases_of_a_session(store: Store, study: SmallStudy) -> None:
    study.image_paths[("C003", "recombined")].unlink()
    with store.session(read_only=True) as session:
        assert case_file_findings(session, "S1", ["C001", "C002"]) == []
        found = case_file_findings(session, "S1", ["C003"])
        assert [finding.kind for finding in found] == ["file_missing"]
        assert len(case_file_findings(session, "S1")) == 1


def test_an_edited_study_definition(store: Store, study: SmallStudy) -> None:
    with store.session() as session:
        session.execute(text("UPDATE studies SET washout_days = 0, definition_toml = 'x = 1'"))
    report = verify_store(store)
    assert [f.message for f in report.findings] == [
        "study S1: its stored study.toml no longer matches its SHA-256"
    ]


def test_decisions_submitted_later_still_verify(store: Store, study: SmallStudy) -> None:
    submit_decision(store, study.session_ids["R2"], "C003", "R2", mode="aided", pom=64)
    assert verify_store(store).ok


def test_every_finding_kind_is_documented() -> None:
    documented = verify_module.__doc__ or ""
    assert [kind for kind in FINDING_KINDS if f"``{kind}``" not in documented] == []
