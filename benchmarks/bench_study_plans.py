"""Speed of the study engine's planning: study.toml loading, reading orders, PIN hashing.

Prints figures, asserts nothing (timings vary with the machine and its load). No goals: these
run once per study (init) or once per login, far from the 16 ms case-switch budget, and are
measured so that a regression shows. Each figure is printed next to its naive peer:

* every session plan of 5 readers × 500 cases with blocking, against a plain
  ``numpy.random.default_rng(seed).permutation`` per session (what blocking adds);
* loading and validating ``resources/demo_study/study.toml``, against ``tomllib`` alone;
* one scrypt PIN hash/verify (chosen to cost ~50 ms: the price of a login), against one SHA-256.

Run: ``.venv/bin/python benchmarks/bench_study_plans.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studies.engine.definition import load_study_definition
from studies.engine.designs import session_plans
from studies.engine.pins import hash_secret, verify_secret
from studies.engine.randomisation import derive_seed

DEMO_STUDY = Path(__file__).parents[1] / "resources" / "demo_study" / "study.toml"
READERS = [f"R{i}" for i in range(1, 6)]
N_CASES = 500


def _median_ms(function: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _row(name: str, ours: float, peer_name: str, peer: float) -> None:
    print(f"{name:<44} {ours:9.3f} ms   | {peer_name:<34} {peer:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat

    ids = [f"case{i:04d}" for i in range(N_CASES)]
    labels: list[int | None] = [int(i % 3 == 0) for i in range(N_CASES)]  # a third malignant

    def all_plans() -> None:
        for reader in READERS:
            for design in ("crossover", "counterbalanced"):
                session_plans(design, ids, labels, 20260101, reader, 4)  # type: ignore[arg-type]

    def all_permutations() -> None:
        for reader in READERS:
            for _design in ("crossover", "counterbalanced"):
                for session in (1, 2):
                    rng = np.random.default_rng(derive_seed(20260101, reader, session))
                    [ids[i] for i in rng.permutation(N_CASES)]

    print(
        f"{len(READERS)} readers × {N_CASES} cases, crossover + counterbalanced, "
        f"median of {repeat}:"
    )
    _row(
        "session plans, blocked (4)",
        _median_ms(all_plans, repeat),
        "plain permutations",
        _median_ms(all_permutations, repeat),
    )
    text = DEMO_STUDY.read_text(encoding="utf-8")
    _row(
        "load + validate demo study.toml",
        _median_ms(lambda: load_study_definition(DEMO_STUDY), repeat),
        "tomllib.loads alone",
        _median_ms(lambda: tomllib.loads(text), repeat),
    )
    stored = hash_secret("73920518")
    _row(
        "scrypt verify (N=2^14, r=8, p=1)",
        _median_ms(lambda: verify_secret("73920518", stored), max(3, repeat // 4)),
        "one SHA-256 (what a guess would cost)",
        _median_ms(lambda: hashlib.sha256(b"73920518").digest(), repeat),
    )


if __name__ == "__main__":
    main()
