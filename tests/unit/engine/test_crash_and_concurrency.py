"""No decision is lost or duplicated: readers killed with SIGKILL, and eight at once.

Each reader runs in a real process (``reader_process.py``) against a real store (a SQLite file,
and PostgreSQL under ``pg_virtualenv``). The crash test kills a reader before, during (flushed,
not committed) and just after the commit of a submission, at several positions, restarts it,
and checks the store: every position answered exactly once, the resume point right, the audit
chain and every decision's event intact (``verify``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from store_fixtures import store_url  # noqa: F401 (a fixture)
from study_files import DROP, write_study_toml

from model_core.formats.scores import write_scores
from model_core.manifest import write_manifest
from studies.engine.definition import load_study_definition
from studies.engine.study_init import create_study, plan_study
from studies.store.schema import DecisionRow, ReadingSessionRow
from studies.store.verify import verify_store

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
N_CASES = 12
READERS = [f"R{k}" for k in range(1, 9)]


def _study(folder: Path, url: str):  # type: ignore[no-untyped-def]
    """A 12-case crossover study with eight readers; image files are small placeholders."""
    import pandas as pd

    cohort = folder / "cohort"
    (cohort / "img").mkdir(parents=True)
    rows = []
    for i in range(1, N_CASES + 1):
        case_id = f"C{i:02d}"
        rows.append(
            {
                "case_id": case_id,
                "low_energy": f"img/{case_id}_le.png",
                "recombined": f"img/{case_id}_rc.png",
                "label": "malignant" if i % 2 else "benign",
                "pixel_spacing_mm": "0.1",
            }
        )
    _write_images(cohort, rows)
    write_manifest(cohort / "manifest.csv", rows)
    (folder / "model").mkdir()
    write_scores(
        pd.DataFrame({"case_id": [r["case_id"] for r in rows], "probability": 0.5}),
        folder / "model" / "scores.csv",
    )
    path = write_study_toml(
        folder,
        {
            "practice_cases": [],
            "readers": [{"id": r, "name": r, "years_experience": 1} for r in READERS],
            "model": {"scores": "model/scores.csv", "heatmaps": DROP, "thresholds_shown": []},
        },
    )
    plan = plan_study(load_study_definition(path), pins=dict.fromkeys(READERS, "1234"))
    return create_study(plan, url)


def _write_images(cohort: Path, rows: list[dict[str, str]]) -> None:
    import numpy as np
    from PIL import Image

    pixels = (np.arange(64 * 48, dtype=np.uint16).reshape(64, 48) % 4096).astype(np.uint16)
    for row in rows:
        for column in ("low_energy", "recombined"):
            Image.fromarray(pixels).save(cohort / row[column])


def _reader(url: str, reader: str, *kill: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    return subprocess.run(
        [sys.executable, str(HERE / "reader_process.py"), url, reader, "1234", *kill],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )


def _answered(store, reader: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    with store.session(read_only=True) as session:
        row = session.scalars(
            select(ReadingSessionRow).where(
                ReadingSessionRow.reader_id == reader, ReadingSessionRow.index == 1
            )
        ).one()
        return Counter(
            session.scalars(select(DecisionRow.case_id).where(DecisionRow.session_id == row.id))
        )


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before", "during", "after"])
def test_sigkill_at_any_point_loses_and_duplicates_nothing(
    tmp_path: Path,
    store_url: str,  # noqa: F811
    point: str,
) -> None:
    store = _study(tmp_path, store_url)
    reader = "R1"
    committed_before_kill = []
    for kill_at in (1, 3, 2, 4):  # submissions counted per process run
        result = _reader(store_url, reader, point, str(kill_at))
        assert result.returncode == -signal.SIGKILL, result.stderr
        committed_before_kill.append(result.stdout.count("answered"))
        answered = _answered(store, reader)
        assert max(answered.values(), default=1) == 1  # never twice
        # what the reader saw committed is in the store; an uncommitted answer is not
        unprinted = len(committed_before_kill) if point == "after" else 0  # killed after commit
        expected = sum(committed_before_kill) + unprinted
        assert sum(answered.values()) == expected
    final = _reader(store_url, reader)
    assert final.returncode == 0, final.stderr
    assert final.stdout.strip().endswith("done")
    answered = _answered(store, reader)
    assert sorted(answered) == [f"C{i:02d}" for i in range(1, N_CASES + 1)]
    assert set(answered.values()) == {1}
    report = verify_store(store)
    assert report.ok, report.summary()
    store.close()


@pytest.mark.slow
def test_eight_readers_at_once_lose_and_duplicate_nothing(
    tmp_path: Path,
    store_url: str,  # noqa: F811
) -> None:
    store = _study(tmp_path, store_url)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    processes = [
        subprocess.Popen(
            [sys.executable, str(HERE / "reader_process.py"), store_url, reader, "1234"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for reader in READERS
    ]
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        assert out.count("answered") == N_CASES
    for reader in READERS:
        answered = _answered(store, reader)
        assert len(answered) == N_CASES and set(answered.values()) == {1}
    report = verify_store(store)
    assert report.ok, report.summary()
    store.close()
