"""Reading orders: one reproducible random permutation per reader and session.

**Seeds.** The order of reader ``R`` in session ``s`` of a study with seed ``S`` is drawn from
``numpy.random.default_rng(derive_seed(S, R, s))``, where :func:`derive_seed` is the first eight
bytes, read as a big-endian unsigned integer, of the SHA-256 of the UTF-8 text
``cesm-reader/{S}/{R}/{s}`` (``S`` and ``s`` in decimal). It depends on nothing else, so:

* a coordinator reproduces any order from ``study.toml`` and the manifest alone (the orders are
  also stored, and exported);
* readers and sessions are independent: SHA-256 makes their seeds unrelated, and adding a reader
  later changes nobody else's order;
* session ``0`` is not a reading session: the counterbalanced design draws its split of the cases
  from it (:mod:`.designs`).

**The order does not depend on the manifest's row order**: case ids are sorted (by code point)
before anything is drawn.

**Blocking** (``block_size = b``) keeps benign and malignant cases balanced through a session, so
that a reader who stops half-way has read both classes in the study's proportions. The algorithm,
with every random draw from the one generator in this order:

1. the case ids of each stratum — benign (0), malignant (1), unlabelled (``None``) — sorted, then
   shuffled (``rng.permutation``), in that order of strata;
2. a *pattern* of strata for the positions 1..N: first which positions hold labelled and which
   unlabelled cases, then, among the labelled positions, which hold benign and which malignant.
   Each split of ``n_a + n_b`` positions between two groups is the largest-deficit rule: position
   ``k`` goes to the group whose count falls furthest short of its share ``n_g · k / N``; an exact
   tie (shortfalls both 1/2) is broken by ``rng.integers(2)`` (0: the first group);
3. the shuffled cases of each stratum fill its positions in turn;
4. the positions are cut into consecutive blocks of ``b`` (the last may be shorter) and each
   block is shuffled (``rng.permutation``), so the order inside a block is unpredictable.

**Guarantee.** For two groups the largest-deficit rule keeps every prefix within 1/2 of its share:
after ``k`` positions, group ``g`` holds ``c_g`` with ``|c_g − n_g · k / N| ≤ 1/2`` (the two
shortfalls always sum to 1, so the one served is at least 1/2 short, and serving it moves it by
less than 1). Shuffling inside a block leaves the counts at block ends unchanged. With ``p`` the
benign fraction of the labelled cases, at the end of every block:

* the benign count ``B`` and the labelled count ``L`` read so far satisfy ``|B − p·L| ≤ 1/2``,
  and the unlabelled count is within 1/2 of its share of the positions;
* so a block with ``m`` labelled cases holds ``b`` benign with ``|b − p·m| ≤ 1``;
* with no unlabelled cases, every full block holds ``⌊p·b⌋`` or ``⌈p·b⌉`` benign cases, exactly
  ``p·b`` when that is whole (half of every block when the classes are equal): as balanced as
  the totals allow.

Without blocking, the order is ``rng.permutation`` of the sorted case ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

#: The text whose SHA-256 gives a seed (see the module docstring); changing it changes every order.
SEED_TEXT = "cesm-reader/{study_seed}/{reader_id}/{session}"

_STRATA: tuple[int | None, ...] = (0, 1, None)


def derive_seed(study_seed: int, reader_id: str, session: int) -> int:
    """The seed of one reader's order in one session (0 = the counterbalanced split).

    The first 8 bytes, big-endian, of the SHA-256 of the UTF-8 text
    ``f"cesm-reader/{study_seed}/{reader_id}/{session}"``: an integer in [0, 2**64).
    """
    if isinstance(study_seed, bool) or not isinstance(study_seed, int) or study_seed < 0:
        raise ValueError(f"study seed must be an integer >= 0, got {study_seed!r}")
    if not isinstance(reader_id, str) or not reader_id:
        raise ValueError(f"reader id must be non-empty text, got {reader_id!r}")
    if isinstance(session, bool) or not isinstance(session, int) or session < 0:
        raise ValueError(f"session must be an integer >= 0, got {session!r}")
    text = SEED_TEXT.format(study_seed=study_seed, reader_id=reader_id, session=session)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def reading_order(
    case_ids: Sequence[str],
    labels: Sequence[int | None],
    seed: int,
    *,
    block_size: int | None,
) -> list[str]:
    """The case ids in reading order (algorithm and guarantee: the module docstring).

    Args:
        case_ids: unique case ids, in any order.
        labels: each case's truth (0 benign, 1 malignant, ``None`` unknown), aligned with
            ``case_ids``; only used with blocking.
        seed: from :func:`derive_seed`.
        block_size: cases per block (≥ 2), or ``None`` for a plain permutation.

    Raises:
        ValueError: repeated case ids, labels of another length or other than 0/1/None, or a
            block size below 2.
    """
    if len(labels) != len(case_ids):
        raise ValueError(f"{len(case_ids)} case ids but {len(labels)} labels")
    if len(set(case_ids)) != len(case_ids):
        raise ValueError("case ids must be unique")
    if block_size is not None and (isinstance(block_size, bool) or block_size < 2):
        raise ValueError(f"block size must be at least 2, got {block_size!r}")
    label_of = dict(zip(case_ids, labels, strict=True))
    for case_id, label in label_of.items():
        if label not in _STRATA or isinstance(label, bool):
            raise ValueError(f"case {case_id}: label must be 0, 1 or None, got {label!r}")
    rng = np.random.default_rng(seed)
    ordered = sorted(case_ids)
    if block_size is None:
        return [ordered[i] for i in rng.permutation(len(ordered))]

    queues: dict[int | None, list[str]] = {}
    for stratum in _STRATA:
        members = [case_id for case_id in ordered if label_of[case_id] == stratum]
        queues[stratum] = [members[i] for i in rng.permutation(len(members))]
    n_labelled = len(queues[0]) + len(queues[1])
    labelled_slots = iter(_interleave(len(queues[0]), len(queues[1]), rng))
    pattern = [
        (0 if next(labelled_slots) else 1) if is_labelled else None
        for is_labelled in _interleave(n_labelled, len(queues[None]), rng)
    ]
    cursors = dict.fromkeys(_STRATA, 0)
    sequence: list[str] = []
    for stratum in pattern:
        sequence.append(queues[stratum][cursors[stratum]])
        cursors[stratum] += 1

    order: list[str] = []
    for start in range(0, len(sequence), block_size):
        block = sequence[start : start + block_size]
        order.extend(block[i] for i in rng.permutation(len(block)))
    return order


def _interleave(n_first: int, n_second: int, rng: np.random.Generator) -> list[bool]:
    """Positions of two groups (``True`` = the first), each prefix within 1/2 of its share.

    Shortfalls are kept as integers scaled by N (``n_g · k − N · c_g``), so ties are exact.
    """
    total = n_first + n_second
    taken_first = taken_second = 0
    pattern: list[bool] = []
    for k in range(1, total + 1):
        short_first = n_first * k - total * taken_first
        short_second = n_second * k - total * taken_second
        if short_first == short_second:
            first = int(rng.integers(2)) == 0
        else:
            first = short_first > short_second
        pattern.append(first)
        if first:
            taken_first += 1
        else:
            taken_second += 1
    return pattern
