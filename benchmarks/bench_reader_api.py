"""Speed of reading through the reader API: submit → committed → next case known, and study init.

Prints figures, asserts nothing. The workstation's budget for a whole case switch is one 16 ms
frame; the submit step (one transaction: the decision, its audit event, the session's time,
then the next case's files, clinical data and — aided — model output read back) should take a
median ≤ 5 ms. Beside it, the bare commit of a decision and its event (the floor set by the
disk's fsync) as ``bench_store.py`` measures it.

* ``submit``: one reader answers every case of a crossover session, on SQLite (the store's own
  ``synchronous=FULL``) and, under ``pg_virtualenv -t``, on PostgreSQL over loopback.
* ``init``: :func:`~studies.engine.study_init.plan_study` + :func:`create_study` of ``--cases``
  cases with precomputed model outputs; the images are small PNGs, so the figure is the
  store's and the validation's cost — hashing full-size images adds about 2 × 9 MB per case at
  the SHA-256 rate printed.

Run: ``.venv/bin/python benchmarks/bench_reader_api.py [--cases 500]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from store_fixtures import drop_postgresql_database, new_postgresql_database, postgresql_url
from study_files import DROP, write_study_toml

from model_core.formats.scores import write_scores
from model_core.manifest import write_manifest
from studies.engine.definition import load_study_definition
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.study_init import create_study, plan_study


def _study_files(folder: Path, n_cases: int) -> Path:
    cohort = folder / "cohort"
    (cohort / "img").mkdir(parents=True)
    pixels = (np.arange(96 * 64, dtype=np.uint16).reshape(96, 64) * 7 % 4096).astype(np.uint16)
    rows = []
    for i in range(1, n_cases + 1):
        case_id = f"C{i:04d}"
        for kind in ("le", "rc"):
            Image.fromarray(pixels + i % 50).save(cohort / "img" / f"{case_id}_{kind}.png")
        rows.append(
            {
                "case_id": case_id,
                "low_energy": f"img/{case_id}_le.png",
                "recombined": f"img/{case_id}_rc.png",
                "label": "malignant" if i % 2 else "benign",
                "age": 40 + i % 30,
                "pixel_spacing_mm": "0.1",
            }
        )
    write_manifest(cohort / "manifest.csv", rows)
    (folder / "model").mkdir()
    rng = np.random.default_rng(0)
    write_scores(
        pd.DataFrame(
            {
                "case_id": [r["case_id"] for r in rows],
                "probability": rng.uniform(size=n_cases).round(4),
            }
        ),
        folder / "model" / "scores.csv",
    )
    return write_study_toml(
        folder,
        {
            "practice_cases": [],
            "model": {"scores": "model/scores.csv", "heatmaps": DROP, "thresholds_shown": []},
        },
    )


def _submit_times(url: str, definition: Path) -> tuple[float, list[float]]:
    started = time.perf_counter()
    plan = plan_study(load_study_definition(definition), pins={"R1": "1234", "R2": "1234"})
    store = create_study(plan, url)
    init_seconds = time.perf_counter() - started
    reader = ReaderSession.login(store, "R1", "1234")
    case = reader.open(1)
    times = []
    while case is not None:
        begin = time.perf_counter()
        receipt = reader.submit(Answer(1, 60))
        times.append((time.perf_counter() - begin) * 1000)
        case = receipt.next_case
    store.close()
    return init_seconds, times


def _sha256_rate() -> float:
    data = os.urandom(64 * 1024 * 1024)
    begin = time.perf_counter()
    hashlib.sha256(data).hexdigest()
    return len(data) / (time.perf_counter() - begin) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        definition = _study_files(Path(folder), args.cases)
        backends = {"sqlite": f"sqlite:///{Path(folder) / 'study.db'}"}
        database = None
        if os.environ.get("PGHOST"):
            database = new_postgresql_database()
            backends["postgresql"] = postgresql_url(database)
        try:
            print(f"{args.cases} cases, 2 readers, crossover; small PNG images")
            header = ("back-end", "init s", "submit median ms", "p90 ms", "max ms")
            print(f"{header[0]:<11} {header[1]:>7} {header[2]:>17} {header[3]:>7} {header[4]:>7}")
            for name, url in backends.items():
                init_seconds, times = _submit_times(url, definition)
                p90 = float(np.percentile(times, 90))
                print(
                    f"{name:<11} {init_seconds:7.1f} {statistics.median(times):17.2f} "
                    f"{p90:7.2f} {max(times):7.2f}"
                )
            if database is None:
                print("PostgreSQL skipped: run under `pg_virtualenv -t --` to include it")
        finally:
            if database is not None:
                drop_postgresql_database(database)
    rate = _sha256_rate()
    print(
        f"SHA-256 rate {rate:.0f} MB/s: full-size pairs (2 × 9 MB) add about "
        f"{args.cases * 18 / rate:.0f} s to init for {args.cases} cases"
    )


if __name__ == "__main__":
    main()
