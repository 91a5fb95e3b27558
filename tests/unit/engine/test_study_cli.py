"""``cesm-reader study`` end to end, as a coordinator runs it: init → simulate → status → export →
verify → analyze --study, on SQLite and PostgreSQL; and a tampered store fails verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from store_fixtures import store_url  # noqa: F401 (a fixture)
from test_study_flow import _definition, cohort  # noqa: F401 (a fixture)

from cesm_cli.main import main
from studies.store.database import open_store


def test_init_simulate_status_export_verify_analyze(
    cohort: Path,  # noqa: F811
    tmp_path: Path,
    store_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    definition = _definition(cohort, {"washout_days": 0})
    db = ["--db", store_url]
    assert main(["study", "init", str(definition), *db, "--pin", "R1=1234"]) == 0
    out = capsys.readouterr().out
    assert "reader R1 (Reader One): PIN (as given)" in out
    assert "reader R2 (Reader Two): PIN " in out and "stored only as salted hashes" in out
    assert main(["study", "init", str(definition), *db]) == 2  # never over an existing store
    assert "a new study store needs an empty database" in capsys.readouterr().err
    assert main(["study", "simulate", *db, "--seed", "2"]) == 0
    assert "SIMULATED readers R1, R2" in capsys.readouterr().out
    assert main(["study", "status", *db, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["simulated"] is True
    assert [s["state"] for r in status["readers"] for s in r["sessions"]] == ["completed"] * 4
    export = tmp_path / "export"
    assert main(["study", "export", *db, "--out", str(export)]) == 0
    assert {p.name for p in export.iterdir()} >= {
        "reads.csv",
        "model_scores.csv",
        "reads.imrmc",
        "reads_rjafroc.xlsx",
        "export.json",
    }
    assert json.loads((export / "export.json").read_text())["simulated"] is True
    assert main(["study", "verify", *db]) == 0
    assert "no problems found" in capsys.readouterr().out
    from_store = tmp_path / "from_store"
    assert main(["analyze", "--study", store_url, "--out", str(from_store)]) == 0
    from_files = tmp_path / "from_files"
    manifest = cohort / "cohort" / "manifest.csv"
    assert (
        main(
            [
                *("analyze", "--reads", str(export / "reads.csv"), "--manifest", str(manifest)),
                *("--model-scores", str(export / "model_scores.csv"), "--out", str(from_files)),
            ]
        )
        == 0
    )
    store_results = json.loads((from_store / "results.json").read_text())
    file_results = json.loads((from_files / "results.json").read_text())
    for key in ("readers", "kappa", "model", "model_vs_readers", "mrmc"):
        assert store_results[key] == file_results[key]


def test_verify_finds_an_edited_decision_and_exits_1(
    cohort: Path,  # noqa: F811
    store_url: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    definition = _definition(cohort, {"washout_days": 0})
    assert main(["study", "init", str(definition), "--db", store_url]) == 0
    assert main(["study", "simulate", "--db", store_url, "--readers", "R1"]) == 0
    store = open_store(store_url)
    with store.engine.begin() as connection:  # below the application, as a tamperer would
        if store.dialect == "sqlite":
            connection.execute(text("DROP TRIGGER IF EXISTS decisions_immutable"))
        else:
            connection.execute(text("ALTER TABLE decisions DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE decisions SET pom = 99 WHERE id = 3"))
    store.close()
    capsys.readouterr()
    assert main(["study", "verify", "--db", store_url]) == 1
    assert "decision" in capsys.readouterr().out
