"""Reading orders: the documented seed derivation, reproducibility, independence, and the balance
that blocking promises (checked exhaustively over small studies)."""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import Counter

import numpy as np
import pytest

from studies.engine.randomisation import derive_seed, reading_order


def cases(n_benign: int, n_malignant: int, n_unlabelled: int = 0) -> tuple[list[str], list]:
    """Case ids and labels, interleaved so that the input order differs from the sorted one."""
    labelled: list[tuple[str, int | None]] = (
        [(f"b{i:03d}", 0) for i in range(n_benign)]
        + [(f"m{i:03d}", 1) for i in range(n_malignant)]
        + [(f"u{i:03d}", None) for i in range(n_unlabelled)]
    )
    labelled = labelled[1::2] + labelled[0::2]
    return [c for c, _ in labelled], [label for _, label in labelled]


# ------------------------------------------------------------------------------------ seeds


@pytest.mark.parametrize(
    ("study_seed", "reader", "session"), [(0, "R1", 1), (20260101, "R2", 2), (7, "Dr_Ä-1", 0)]
)
def test_seed_is_the_documented_sha256_prefix(study_seed: int, reader: str, session: int) -> None:
    text = f"cesm-reader/{study_seed}/{reader}/{session}".encode()
    expected = int.from_bytes(hashlib.sha256(text).digest()[:8], byteorder="big", signed=False)
    assert derive_seed(study_seed, reader, session) == expected


def test_seeds_differ_by_study_reader_and_session() -> None:
    seeds = {
        derive_seed(study, reader, session)
        for study in (1, 2, 12)
        for reader in ("R1", "R2", "R12")
        for session in (0, 1, 2)
    }
    assert len(seeds) == 27
    # "1/R12" and "11/R2" would collide without the separators
    assert derive_seed(1, "1R2", 1) != derive_seed(11, "R2", 1)


@pytest.mark.parametrize(
    ("study_seed", "reader", "session"), [(-1, "R1", 1), (1, "", 1), (1, "R1", -1), (True, "R", 1)]
)
def test_seed_arguments_are_checked(study_seed: int, reader: str, session: int) -> None:
    with pytest.raises(ValueError):
        derive_seed(study_seed, reader, session)


# ------------------------------------------------------------------------------------ orders


@pytest.mark.parametrize("block_size", [None, 2, 4, 6])
def test_order_is_a_reproducible_permutation(block_size: int | None) -> None:
    ids, labels = cases(13, 8, 2)
    seed = derive_seed(99, "R1", 1)
    order = reading_order(ids, labels, seed, block_size=block_size)
    assert sorted(order) == sorted(ids)
    assert reading_order(ids, labels, seed, block_size=block_size) == order
    other = reading_order(ids, labels, derive_seed(99, "R1", 2), block_size=block_size)
    assert other != order


@pytest.mark.parametrize("block_size", [None, 4])
def test_order_does_not_depend_on_the_manifest_row_order(block_size: int | None) -> None:
    ids, labels = cases(10, 10)
    shuffled = np.random.default_rng(5).permutation(len(ids))
    seed = derive_seed(3, "R2", 1)
    assert reading_order(ids, labels, seed, block_size=block_size) == reading_order(
        [ids[i] for i in shuffled], [labels[i] for i in shuffled], seed, block_size=block_size
    )


def test_unblocked_order_is_numpy_permutation_of_sorted_ids() -> None:
    ids, labels = cases(5, 6)
    seed = derive_seed(1, "R1", 1)
    expected = [sorted(ids)[i] for i in np.random.default_rng(seed).permutation(len(ids))]
    assert reading_order(ids, labels, seed, block_size=None) == expected


def test_adding_a_reader_leaves_the_other_orders_alone() -> None:
    ids, labels = cases(12, 12)

    def orders(readers: list[str]) -> dict[tuple[str, int], list[str]]:
        return {
            (r, s): reading_order(ids, labels, derive_seed(2026, r, s), block_size=4)
            for r in readers
            for s in (1, 2)
        }

    before = orders(["R1", "R2"])
    after = orders(["R1", "R2", "R3"])
    assert {key: after[key] for key in before} == before
    assert after["R3", 1] not in (before["R1", 1], before["R2", 1])


def test_orders_are_spread_evenly_over_many_seeds() -> None:
    """Each of 6 cases opens the session about 1/6 of the time (2400 fixed seeds: no flakiness;
    the bound is 5 standard deviations of a binomial count)."""
    ids, labels = cases(3, 3)
    firsts = Counter(
        reading_order(ids, labels, derive_seed(seed, "R1", 1), block_size=None)[0]
        for seed in range(2400)
    )
    sd = math.sqrt(2400 * (1 / 6) * (5 / 6))
    assert set(firsts) == set(ids)
    assert all(abs(count - 400) < 5 * sd for count in firsts.values())


def test_blocks_are_shuffled_inside() -> None:
    """Every arrangement of 2 benign and 2 malignant cases appears in the first block."""
    ids, labels = cases(8, 8)
    label_of = dict(zip(ids, labels, strict=True))
    patterns = {
        tuple(label_of[c] for c in reading_order(ids, labels, seed, block_size=4)[:4])
        for seed in range(200)
    }
    assert patterns == set(itertools.permutations((0, 0, 1, 1)))


# ---------------------------------------------------------------------------- the guarantee


def block_ends(n: int, block_size: int) -> list[int]:
    return [*range(block_size, n, block_size), n]


@pytest.mark.parametrize("block_size", [2, 4, 6])
def test_blocking_keeps_its_promise_exhaustively(block_size: int) -> None:
    """For every study of up to 12 benign, 12 malignant and 3 unlabelled cases, at every block
    end: benign within 1/2 of its share of the labelled cases read, unlabelled within 1/2 of its
    share of the positions; without unlabelled cases each full block holds floor or ceil of its
    share of benign cases."""
    for n_benign, n_malignant, n_unlabelled in itertools.product(range(13), range(13), range(4)):
        ids, labels = cases(n_benign, n_malignant, n_unlabelled)
        n, n_labelled = len(ids), n_benign + n_malignant
        if n == 0:
            continue
        label_of = dict(zip(ids, labels, strict=True))
        for seed in (1, 2):
            order = [label_of[c] for c in reading_order(ids, labels, seed, block_size=block_size)]
            previous_benign = 0
            for end in block_ends(n, block_size):
                read = order[:end]
                benign, unlabelled = read.count(0), read.count(None)
                labelled = end - unlabelled
                if n_labelled:
                    assert abs(benign - n_benign * labelled / n_labelled) <= 0.5
                assert abs(unlabelled - n_unlabelled * end / n) <= 0.5
                if n_unlabelled == 0 and end % block_size == 0:
                    share = n_benign * block_size / n
                    assert benign - previous_benign in (math.floor(share), math.ceil(share))
                previous_benign = benign


def test_equal_classes_fill_every_block_half_and_half() -> None:
    ids, labels = cases(20, 20)
    label_of = dict(zip(ids, labels, strict=True))
    for seed in range(20):
        order = reading_order(ids, labels, seed, block_size=4)
        for start in range(0, 40, 4):
            assert sorted(label_of[c] for c in order[start : start + 4]) == [0, 0, 1, 1]


def test_without_blocking_balance_is_not_enforced() -> None:
    """The blocked guarantee is the algorithm's doing: plain permutations break it."""
    ids, labels = cases(20, 20)
    label_of = dict(zip(ids, labels, strict=True))
    unbalanced = 0
    for seed in range(50):
        order = reading_order(ids, labels, seed, block_size=None)
        firsts = [label_of[c] for c in order[:4]]
        unbalanced += firsts.count(0) != 2
    assert unbalanced > 0


# --------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("ids", "labels", "block_size", "message"),
    [
        (["a", "b"], [0], 4, "2 case ids but 1 labels"),
        (["a", "a"], [0, 1], 4, "unique"),
        (["a", "b"], [0, 2], 4, "case b: label must be 0, 1 or None"),
        (["a", "b"], [0, True], 4, "label must be 0, 1 or None"),
        (["a", "b"], [0, 1], 1, "block size must be at least 2"),
    ],
)
def test_bad_input_is_refused(ids: list, labels: list, block_size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reading_order(ids, labels, 1, block_size=block_size)


def test_empty_study_has_an_empty_order() -> None:
    assert reading_order([], [], 1, block_size=4) == []
    assert reading_order([], [], 1, block_size=None) == []


def test_exact_ties_are_broken_at_random_not_for_one_class() -> None:
    """3 benign, 5 malignant, blocks of 4: the first block's benign share is 1.5, so it holds 1
    or 2 benign cases by a coin (200 fixed seeds; 5 binomial standard deviations ≈ 35)."""
    ids, labels = cases(3, 5)
    label_of = dict(zip(ids, labels, strict=True))
    first_blocks = Counter(
        [label_of[c] for c in reading_order(ids, labels, seed, block_size=4)[:4]].count(0)
        for seed in range(200)
    )
    assert set(first_blocks) == {1, 2}
    assert abs(first_blocks[2] - 100) < 35
