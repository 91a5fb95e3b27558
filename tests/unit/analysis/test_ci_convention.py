"""The per-proportion CI convention: the paper's default, the ``--ci`` grammar, its errors."""

from __future__ import annotations

from dataclasses import fields

import pytest

from studies.analysis.ci_convention import (
    CI_METHODS,
    NAMED_CONVENTIONS,
    PAPER_CI,
    PROPORTION_NAMES,
    CiConvention,
    as_ci_convention,
    parse_ci_convention,
)


def test_fields_are_the_proportions_in_table_order() -> None:
    assert tuple(item.name for item in fields(CiConvention)) == PROPORTION_NAMES


def test_the_papers_convention() -> None:
    assert PAPER_CI.to_dict() == {
        "accuracy": "clopper_pearson",
        "sensitivity": "wilson_cc",
        "specificity": "wilson_cc",
        "ppv": "wilson_cc",
        "npv": "wilson_cc",
    }
    assert parse_ci_convention("paper") == PAPER_CI
    assert PAPER_CI.spec == "paper"


@pytest.mark.parametrize("method", CI_METHODS)
def test_a_method_name_sets_every_proportion(method: str) -> None:
    convention = parse_ci_convention(method)
    assert set(convention.to_dict().values()) == {method}
    assert convention == as_ci_convention(method) == CiConvention.uniform(method)
    assert convention.spec == method


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accuracy=wilson_cc", CiConvention.uniform("wilson_cc")),
        (" wilson_cc , accuracy = clopper_pearson ", PAPER_CI),
        (
            "jeffreys,ppv=wilson",
            CiConvention("jeffreys", "jeffreys", "jeffreys", "wilson", "jeffreys"),
        ),
        (
            "npv=jeffreys,sensitivity=wilson",
            CiConvention("clopper_pearson", "wilson", "wilson_cc", "wilson_cc", "jeffreys"),
        ),
    ],
)
def test_overrides_apply_on_top_of_the_name(text: str, expected: CiConvention) -> None:
    assert parse_ci_convention(text) == expected


@pytest.mark.parametrize(
    "convention",
    [
        PAPER_CI,
        CiConvention("jeffreys", "jeffreys", "jeffreys", "wilson", "jeffreys"),
        CiConvention("clopper_pearson", "wilson", "wilson_cc", "wilson_cc", "jeffreys"),
        CiConvention("wilson", "clopper_pearson", "jeffreys", "wilson_cc", "wilson"),
    ],
)
def test_spec_reads_back_as_the_same_convention(convention: CiConvention) -> None:
    assert parse_ci_convention(convention.spec) == convention


def test_spec_is_the_shortest_and_prefers_the_paper() -> None:
    assert CiConvention.uniform("wilson_cc").spec == "wilson_cc"
    tie = CiConvention(
        "clopper_pearson", "clopper_pearson", "clopper_pearson", "wilson_cc", "wilson_cc"
    )
    assert tie.spec == "paper,sensitivity=clopper_pearson,specificity=clopper_pearson"
    two_off = CiConvention("wilson", "jeffreys", "jeffreys", "jeffreys", "wilson")
    assert two_off.spec == "jeffreys,accuracy=wilson,npv=wilson"


def test_describe_groups_the_proportions_by_method() -> None:
    assert PAPER_CI.describe() == (
        "accuracy: Clopper–Pearson exact (R binom.test); sensitivity, specificity, PPV and "
        "NPV: Wilson score with continuity correction (R prop.test)"
    )
    assert PAPER_CI.describe(("accuracy", "sensitivity", "specificity")) == (
        "accuracy: Clopper–Pearson exact (R binom.test); sensitivity and specificity: "
        "Wilson score with continuity correction (R prop.test)"
    )
    assert CiConvention.uniform("jeffreys").describe(("ppv",)) == "PPV: Jeffreys"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty item"),
        ("paper,", "empty item"),
        ("exact", "'exact' is neither a convention"),
        ("accuracy=agresti", "unknown method 'agresti'"),
        ("f1=wilson", "unknown proportion 'f1'"),
        ("accuracy=wilson,paper", "a convention name must come first"),
        ("accuracy=wilson,accuracy=jeffreys", "accuracy is set twice"),
    ],
)
def test_malformed_text_is_refused_naming_the_item(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_ci_convention(text)
    assert fragment in str(error.value)


def test_unknown_methods_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown CI method 'exact' for ppv"):
        CiConvention("wilson", "wilson", "wilson", "exact", "wilson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown CI method"):
        as_ci_convention("exact")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown proportion 'f1'"):
        PAPER_CI.method("f1")


def test_every_name_is_listed() -> None:
    assert list(NAMED_CONVENTIONS) == ["paper", *CI_METHODS]
