"""The vocabulary: canonical spellings, and the BI-RADS 4 subgroup with a bare "4"."""

from __future__ import annotations

import pandas as pd
import pytest

from model_core.vocabulary import (
    BI_RADS_4,
    BI_RADS_CATEGORIES,
    LABEL_CODES,
    LABELS,
    canonical_bi_rads,
    canonical_breast_density,
    canonical_label,
    canonical_laterality,
    canonical_session,
    label_name,
)
from studies.analysis.subgroups import subgroup_definition


def test_label_codes_follow_the_label_order() -> None:
    assert [LABEL_CODES[label] for label in LABELS] == [0, 1]
    assert [label_name(code) for code in (0, 1)] == list(LABELS)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (canonical_label, "Malignant", "malignant"),
        (canonical_label, "", None),
        (canonical_bi_rads, "4b", "4B"),
        (canonical_bi_rads, "4", "4"),
        (canonical_laterality, "l", "L"),
        (canonical_breast_density, "c", "C"),
        (canonical_breast_density, "3", "3"),
        (canonical_breast_density, "", None),
        (canonical_session, "Unaided", "unaided"),
        (canonical_session, "AIDED", "aided"),
    ],
)
def test_canonical_spellings(parse, text, expected) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "fragment"),
    [
        (canonical_label, "tumour", "unknown label 'tumour'"),
        (canonical_bi_rads, "4D", "unknown BI-RADS category '4D'"),
        (canonical_laterality, "both", "unknown laterality 'both'"),
        (canonical_breast_density, "E", "unknown breast density 'E'"),
        (canonical_breast_density, "5", "unknown breast density '5'"),
        (canonical_session, "assisted", "'assisted' is not 'unaided' or 'aided'"),
        (canonical_session, "", "'' is not 'unaided' or 'aided'"),
    ],
)
def test_unknown_words_are_refused_by_name(parse, text, fragment) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse(text)


def test_bi_rads_4_is_ordered_and_within_the_categories() -> None:
    positions = [BI_RADS_CATEGORIES.index(category) for category in BI_RADS_4]
    assert positions == sorted(positions)


def test_a_bare_4_is_a_bi_rads_group_of_its_own() -> None:
    values = pd.Series(["4", "4a", "3", "5", "4C", "", "4"])
    groups = subgroup_definition("bi_rads").groups(values)
    assert list(groups) == ["3", "4", "4A", "4C", "5"]  # every level, in ACR order
    assert groups["4"].tolist() == [True, False, False, False, False, False, True]
