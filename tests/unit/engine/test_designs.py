"""Session plans of the three designs: every case read once per mode, the counterbalanced split
balanced and per reader, practice cases first and unscored, plans reproducible from study.toml."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from model_core.vocabulary import AIDED, UNAIDED
from studies.engine.definition import load_study_definition
from studies.engine.designs import (
    SEQUENTIAL,
    SESSIONS_PER_DESIGN,
    PlannedRead,
    SessionPlan,
    session_plans,
    split_halves,
)
from studies.engine.randomisation import derive_seed, reading_order

DEMO_STUDY = Path(__file__).parents[3] / "resources" / "demo_study" / "study.toml"

IDS = [f"case{i:02d}" for i in range(14)]
LABELS: list[int | None] = [0] * 7 + [1] * 6 + [None]
LABEL_OF = dict(zip(IDS, LABELS, strict=True))


def scored(plan: SessionPlan) -> list[PlannedRead]:
    return [read for read in plan.items if not read.practice]


def plans(design: str, reader: str = "R1", **kwargs) -> list[SessionPlan]:
    return session_plans(design, IDS, LABELS, 2026, reader, 4, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("design", ["crossover", "counterbalanced", "sequential"])
def test_positions_count_from_one_and_sessions_from_one(design: str) -> None:
    result = plans(design, practice_cases=["case00"])
    assert [plan.index for plan in result] == list(range(1, SESSIONS_PER_DESIGN[design] + 1))
    for plan in result:
        assert [read.position for read in plan.items] == list(range(1, len(IDS) + 1))


def test_crossover_reads_every_case_unaided_then_aided_in_two_orders() -> None:
    first, second = plans("crossover")
    assert {read.mode for read in first.items} == {UNAIDED}
    assert {read.mode for read in second.items} == {AIDED}
    assert sorted(r.case_id for r in first.items) == sorted(r.case_id for r in second.items)
    assert sorted(r.case_id for r in first.items) == sorted(IDS)
    assert [r.case_id for r in first.items] != [r.case_id for r in second.items]


def test_each_session_order_is_reading_order_with_its_own_seed() -> None:
    """Reproducible by hand from the documented derivation."""
    for plan in plans("crossover"):
        expected = reading_order(IDS, LABELS, derive_seed(2026, "R1", plan.index), block_size=4)
        assert [read.case_id for read in plan.items] == expected


def test_counterbalanced_reads_each_case_once_per_mode_across_the_sessions() -> None:
    first, second = plans("counterbalanced")
    mode_1 = {read.case_id: read.mode for read in first.items}
    mode_2 = {read.case_id: read.mode for read in second.items}
    assert set(mode_1) == set(mode_2) == set(IDS)
    assert all({mode_1[c], mode_2[c]} == {UNAIDED, AIDED} for c in IDS)
    half_a, half_b = split_halves(IDS, LABELS, 2026, "R1")
    assert {c for c, mode in mode_1.items() if mode == UNAIDED} == half_a
    assert {c for c, mode in mode_1.items() if mode == AIDED} == half_b


@pytest.mark.parametrize("reader", [f"R{i}" for i in range(1, 21)])
def test_counterbalanced_halves_are_balanced_by_label(reader: str) -> None:
    half_a, half_b = split_halves(IDS, LABELS, 7, reader)
    assert half_a | half_b == set(IDS)
    assert not half_a & half_b
    assert abs(len(half_a) - len(half_b)) <= 1
    for stratum in (0, 1, None):
        in_a = sum(LABEL_OF[c] == stratum for c in half_a)
        in_b = sum(LABEL_OF[c] == stratum for c in half_b)
        assert abs(in_a - in_b) <= 1


def test_counterbalanced_split_differs_between_readers_and_is_unbiased() -> None:
    """Over 400 readers each case lands in A about half the time (5 binomial SDs = 50)."""
    in_a: Counter[str] = Counter()
    splits = set()
    for number in range(400):
        half_a, _ = split_halves(IDS, LABELS, 7, f"R{number}")
        in_a.update(half_a)
        splits.add(half_a)
    assert len(splits) > 300
    assert all(abs(in_a[c] - 200) < 50 for c in IDS)


def test_sequential_is_one_session_of_sequential_reads() -> None:
    (plan,) = plans("sequential")
    assert {read.mode for read in plan.items} == {SEQUENTIAL}
    assert sorted(read.case_id for read in plan.items) == sorted(IDS)


@pytest.mark.parametrize("design", ["crossover", "counterbalanced", "sequential"])
def test_practice_cases_come_first_in_every_session_and_are_not_scored(design: str) -> None:
    practice = ["case13", "case02", "case07"]
    for plan in plans(design, practice_cases=practice):
        head = plan.items[: len(practice)]
        assert [read.case_id for read in head] == practice
        assert all(read.practice for read in head)
        rest = scored(plan)
        assert sorted(read.case_id for read in rest) == sorted(set(IDS) - set(practice))
        assert len(rest) == len(IDS) - len(practice)


def test_practice_modes_follow_the_session() -> None:
    practice = ["case13", "case02", "case07"]
    first, second = plans("crossover", practice_cases=practice)
    assert [r.mode for r in first.items[:3]] == [UNAIDED] * 3
    assert [r.mode for r in second.items[:3]] == [AIDED] * 3
    for plan in plans("counterbalanced", practice_cases=practice):
        assert [r.mode for r in plan.items[:3]] == [UNAIDED, AIDED, UNAIDED]


def test_practice_cases_do_not_change_the_counterbalanced_split_of_the_others() -> None:
    """The split is of the scored cases; a practice case is simply not among them."""
    with_practice = plans("counterbalanced", practice_cases=["case13"])
    modes = {read.case_id: read.mode for read in scored(with_practice[0])}
    ids = [c for c in IDS if c != "case13"]
    half_a, _ = split_halves(ids, [LABEL_OF[c] for c in ids], 2026, "R1")
    assert {c for c, mode in modes.items() if mode == UNAIDED} == half_a


def test_plans_are_reproducible_from_the_study_definition_alone() -> None:
    study = load_study_definition(DEMO_STUDY).definition
    block = study.blocking.block_size if study.blocking.enabled else None

    def all_plans() -> dict[str, list[SessionPlan]]:
        return {
            reader.id: session_plans(
                study.design, IDS, LABELS, study.seed, reader.id, block,
                practice_cases=study.practice_cases,
            )
            for reader in study.readers
        }  # fmt: skip

    first, again = all_plans(), all_plans()
    assert first == again
    assert first["R1"] != first["R2"]


def test_unknown_design_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown design 'parallel'"):
        plans("parallel")


def test_mismatched_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="14 case ids but 13 labels"):
        session_plans("crossover", IDS, LABELS[:-1], 1, "R1", 4)
