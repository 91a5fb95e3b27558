"""Which confidence interval each diagnostic proportion gets: the paper's convention, and others.

Mao et al. (Br J Cancer 2023) do not give every proportion the same interval. In their Tables 2,
4 and 5, sensitivity, specificity, PPV and NPV carry the Wilson score interval with continuity
correction (R ``prop.test``: 28/33 -> 0.673–0.943), and accuracy carries the exact
Clopper–Pearson interval (R ``binom.test``, which is what ``caret::confusionMatrix`` reports for
accuracy: 78/100 -> 0.686–0.857, where Wilson-cc gives 0.684–0.854). A coordinator who
re-analyses such a study must get the printed tables back, so that mixed convention is the
default, named ``paper`` (:data:`PAPER_CI`); docs/analysis.md lists the printed cells it was
checked against.

A convention is written as a short text, the value of ``cesm-reader analyze --ci``
(:func:`parse_ci_convention`): comma-separated items, each either a convention name — ``paper``
or one interval method for every proportion (``wilson_cc``, ``clopper_pearson``, ``wilson``,
``jeffreys``) — or ``METRIC=METHOD`` for one proportion. A name, if given, comes first; the
overrides apply on top of it (on top of ``paper`` when no name is given)::

    paper                                  the default
    clopper_pearson                        one method for all five proportions
    accuracy=wilson_cc                     the paper's, with Wilson-cc for accuracy too
    wilson,accuracy=clopper_pearson        Wilson without correction, accuracy exact

:attr:`CiConvention.spec` writes a convention back in that form, so the value recorded in
``results.json`` can be passed to ``--ci`` again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import get_args

from studies.analysis.proportions import CI_METHOD_NAMES, CiMethod

#: The binomial proportions of a 2x2 table, in the order of the paper's tables.
PROPORTION_NAMES: tuple[str, ...] = ("accuracy", "sensitivity", "specificity", "ppv", "npv")
#: How the proportions are named in running text.
PROPORTION_LABELS: dict[str, str] = {
    "accuracy": "accuracy",
    "sensitivity": "sensitivity",
    "specificity": "specificity",
    "ppv": "PPV",
    "npv": "NPV",
}
PAPER = "paper"
CI_METHODS: tuple[CiMethod, ...] = get_args(CiMethod)


@dataclass(frozen=True)
class CiConvention:
    """The interval method of each diagnostic proportion (a :data:`CiMethod` each).

    Attributes:
        accuracy, sensitivity, specificity, ppv, npv: the method of that proportion's interval.
    """

    accuracy: CiMethod
    sensitivity: CiMethod
    specificity: CiMethod
    ppv: CiMethod
    npv: CiMethod

    def __post_init__(self) -> None:
        for item in fields(self):
            method = getattr(self, item.name)
            if method not in CI_METHODS:
                raise ValueError(
                    f"unknown CI method {method!r} for {item.name}; choose one of "
                    f"{', '.join(CI_METHODS)}"
                )

    @classmethod
    def uniform(cls, method: CiMethod) -> CiConvention:
        """One method for every proportion."""
        return cls(**dict.fromkeys(PROPORTION_NAMES, method))

    def method(self, proportion: str) -> CiMethod:
        """The method of ``proportion`` (one of :data:`PROPORTION_NAMES`)."""
        if proportion not in PROPORTION_NAMES:
            raise ValueError(
                f"unknown proportion {proportion!r}; one of {', '.join(PROPORTION_NAMES)}"
            )
        method: CiMethod = getattr(self, proportion)
        return method

    def to_dict(self) -> dict[str, str]:
        """Proportion → method, as written under ``settings.ci_methods`` in ``results.json``."""
        return {name: self.method(name) for name in PROPORTION_NAMES}

    @property
    def spec(self) -> str:
        """The shortest ``--ci`` text that gives this convention (``paper``, ``wilson_cc``,
        ``paper,ppv=jeffreys``...): the named convention it differs least from (``paper`` on a
        tie), then the proportions it sets otherwise."""
        best_name, best_changes = "", list(PROPORTION_NAMES)
        for name, named in NAMED_CONVENTIONS.items():
            changes = [p for p in PROPORTION_NAMES if self.method(p) != named.method(p)]
            if len(changes) < len(best_changes):
                best_name, best_changes = name, changes
        return ",".join([best_name] + [f"{p}={self.method(p)}" for p in best_changes])

    def describe(self, proportions: tuple[str, ...] = PROPORTION_NAMES) -> str:
        """The method of each of ``proportions`` in words, proportions that share a method
        together, e.g. ``accuracy: Clopper–Pearson exact (R binom.test); sensitivity,
        specificity, PPV and NPV: Wilson score with continuity correction (R prop.test)``."""
        groups: dict[str, list[str]] = {}
        for name in proportions:
            groups.setdefault(self.method(name), []).append(PROPORTION_LABELS[name])
        return "; ".join(
            f"{_join(labels)}: {CI_METHOD_NAMES[method]}" for method, labels in groups.items()
        )


def _join(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


#: Mao et al.'s convention: accuracy exact (Clopper–Pearson), the others Wilson with continuity
#: correction as R ``prop.test``. The default of the analysis.
PAPER_CI = CiConvention(
    accuracy="clopper_pearson",
    sensitivity="wilson_cc",
    specificity="wilson_cc",
    ppv="wilson_cc",
    npv="wilson_cc",
)
#: Every name ``--ci`` accepts for a whole convention.
NAMED_CONVENTIONS: dict[str, CiConvention] = {
    PAPER: PAPER_CI,
    **{method: CiConvention.uniform(method) for method in CI_METHODS},
}


def as_ci_convention(value: CiMethod | CiConvention) -> CiConvention:
    """A convention as given, or one method for every proportion."""
    if isinstance(value, CiConvention):
        return value
    if value not in CI_METHODS:
        raise ValueError(f"unknown CI method {value!r}; choose one of {', '.join(CI_METHODS)}")
    return CiConvention.uniform(value)


def parse_ci_convention(text: str) -> CiConvention:
    """The convention a ``--ci`` text names (grammar in the module docstring).

    Raises:
        ValueError: naming the item at fault — an empty item, an unknown name, proportion or
            method, a name after an override, or a proportion set twice.
    """
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise ValueError(f"empty item in {text!r}; items are separated by single commas")
    convention, overridden = PAPER_CI, set()
    for position, item in enumerate(items):
        name, equals, method = (part.strip() for part in item.partition("="))
        if not equals:
            if name not in NAMED_CONVENTIONS:
                raise ValueError(
                    f"{item!r} is neither a convention ({', '.join(NAMED_CONVENTIONS)}) nor "
                    "PROPORTION=METHOD"
                )
            if position:
                raise ValueError(f"{item!r}: a convention name must come first")
            convention = NAMED_CONVENTIONS[name]
            continue
        if name not in PROPORTION_NAMES:
            raise ValueError(
                f"{item!r}: unknown proportion {name!r}; one of {', '.join(PROPORTION_NAMES)}"
            )
        if method not in CI_METHODS:
            raise ValueError(f"{item!r}: unknown method {method!r}; one of {', '.join(CI_METHODS)}")
        if name in overridden:
            raise ValueError(f"{item!r}: {name} is set twice")
        overridden.add(name)
        convention = replace(convention, **{name: method})
    return convention
