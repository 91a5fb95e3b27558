"""Subgroup analyses: diagnostic performance within the groups of one manifest column.

Mao et al. (Table 5) report readers and model separately for BI-RADS 4 lesions (4A, 4B, 4C)
and for lesions ≤ 2 cm and > 2 cm, because that is where a second opinion matters: BI-RADS 4 is
the "suspicious, biopsy" category whose subcategories span 2–95 % malignancy, and small lesions
are the ones readers miss. Here every BI-RADS category the manifest uses is a group of its own,
in the ACR order (3, 4, 4A, 4B, 4C, 5...; a bare "4" from a site that does not subdivide is its
own group), so that no category silently disappears.

Any other manifest column can be used too:

* a **numeric** column (every non-empty value a number, such as ``age``) is cut into bins —
  those given (``--bins age=40,50,60``: < 40, 40 to < 50, 50 to < 60, ≥ 60), else the default
  bins of :data:`DEFAULT_BINS` (age < 50 / ≥ 50, the usual screening-age split), else at the
  column's median (< median / ≥ median) — never one group per distinct value;
* a **text** column (``center``, ``split``...) has one group per distinct non-empty value.

A column whose cases all fall into one group (one centre) is not analysed, with a note: its
only group would repeat the whole cohort. A case outside every group (no BI-RADS, no diameter)
is not counted. Within a group that has no malignant (or no benign) case, sensitivity
(specificity) is undefined and is exported as ``null`` by the n = 0 policy of
:mod:`studies.analysis.proportions`. Groups under 10 cases are reported with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from model_core.vocabulary import BI_RADS_CATEGORIES, SESSIONS
from studies.analysis.ci_convention import PAPER_CI, CiConvention
from studies.analysis.diagnostic import DiagnosticResult, diagnostic_metrics
from studies.analysis.proportions import CiMethod

#: Manifest columns analysed by default when the manifest has them (the paper's Table 5 + centre).
DEFAULT_SUBGROUP_COLUMNS: tuple[str, ...] = ("bi_rads", "diameter_cm", "center")
#: Lesion-size cut-off of the paper's size subgroups, in cm.
DIAMETER_CUTOFF_CM = 2.0
#: Default bin edges of numeric manifest columns (lower edges of the upper bins).
DEFAULT_BINS: dict[str, tuple[float, ...]] = {"age": (50.0,)}


def _bi_rads(values: pd.Series) -> pd.Series:
    category = values.astype(str).str.strip().str.upper()
    return category.where(category.isin(BI_RADS_CATEGORIES), "")


def _numbers(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    return pd.to_numeric(text.where(text != "", None), errors="coerce")


def is_numeric_column(values: pd.Series) -> bool:
    """Whether every non-empty value of a manifest column is a number (and there is one)."""
    text = values.astype(str).str.strip()
    filled = text != ""
    return bool(filled.any()) and bool(_numbers(values)[filled].notna().all())


def bin_labels(edges: Sequence[float]) -> tuple[str, ...]:
    """``(50,)`` → ``("< 50", "≥ 50")``; ``(40, 50)`` → ``("< 40", "40 to < 50", "≥ 50")``."""
    labels = [f"< {edges[0]:g}"]
    labels += [f"{low:g} to < {high:g}" for low, high in pairwise(edges)]
    labels.append(f"≥ {edges[-1]:g}")
    return tuple(labels)


def _binned(edges: Sequence[float]) -> Callable[[pd.Series], pd.Series]:
    labels = np.array(bin_labels(edges), dtype=object)

    def assign(values: pd.Series) -> pd.Series:
        numbers = _numbers(values)
        positions = np.searchsorted(np.asarray(edges, dtype=float), numbers.fillna(0), "right")
        return pd.Series(labels[positions], index=values.index).where(numbers.notna(), "")

    return assign


def _diameter(values: pd.Series) -> pd.Series:
    size = pd.to_numeric(values.astype(str).where(values.astype(str) != "", None), errors="coerce")
    labels = np.where(
        size <= DIAMETER_CUTOFF_CM,
        f"≤ {DIAMETER_CUTOFF_CM:g} cm",
        f"> {DIAMETER_CUTOFF_CM:g} cm",
    )
    return pd.Series(labels, index=values.index).where(size.notna(), "")


def _distinct_values(values: pd.Series) -> pd.Series:
    return values.astype(str).str.strip()


@dataclass(frozen=True)
class SubgroupDefinition:
    """How one manifest column splits the cases into groups.

    Attributes:
        column: the manifest column.
        title: a short name for tables ("BI-RADS 4", "Lesion diameter").
        description: one sentence for the report and ``results.json``.
        assign: maps the column's values to a group label ("" = in no group).
        order: group labels in display order; ``None`` = sorted labels.
    """

    column: str
    title: str
    description: str
    assign: Callable[[pd.Series], pd.Series]
    order: tuple[str, ...] | None = None
    bins: tuple[float, ...] = field(default=())

    def groups(self, values: pd.Series) -> dict[str, NDArray[np.bool_]]:
        """Group label → boolean mask over ``values`` (groups without cases are left out)."""
        labels = self.assign(values).to_numpy(dtype=object)
        present = sorted({label for label in labels if label})
        ordered = [g for g in self.order if g in present] if self.order else present
        return {label: labels == label for label in ordered}


def subgroup_definition(
    column: str, values: pd.Series | None = None, bins: Sequence[float] | None = None
) -> SubgroupDefinition:
    """The definition for ``column``: BI-RADS categories, the paper's size split, bins of a
    numeric column (``bins``, else :data:`DEFAULT_BINS`, else the median), else values."""
    if column == "bi_rads":
        return SubgroupDefinition(
            column,
            "BI-RADS",
            "one group per BI-RADS category, in ACR order (4A–4C separately; a bare 4 is its "
            "own group; cases without a category are not counted)",
            _bi_rads,
            BI_RADS_CATEGORIES,
        )
    if bins:
        edges = tuple(sorted(float(edge) for edge in bins))
        return SubgroupDefinition(
            column,
            column,
            f"'{column}' in bins {', '.join(bin_labels(edges))} (given)",
            _binned(edges),
            bin_labels(edges),
            edges,
        )
    if column == "diameter_cm":
        return SubgroupDefinition(
            column,
            "Lesion diameter",
            f"lesion diameter ≤ {DIAMETER_CUTOFF_CM:g} cm vs > {DIAMETER_CUTOFF_CM:g} cm "
            "(cases without a diameter are not counted)",
            _diameter,
            (f"≤ {DIAMETER_CUTOFF_CM:g} cm", f"> {DIAMETER_CUTOFF_CM:g} cm"),
        )
    if values is not None and is_numeric_column(values):
        if column in DEFAULT_BINS:
            edges, source = DEFAULT_BINS[column], "default bins"
        else:
            edges, source = (float(_numbers(values).median()),), "split at the median"
        return SubgroupDefinition(
            column,
            column,
            f"'{column}' in bins {', '.join(bin_labels(edges))} ({source}; --bins to change)",
            _binned(edges),
            bin_labels(edges),
            edges,
        )
    return SubgroupDefinition(
        column, column, f"one group per value of the manifest column '{column}'", _distinct_values
    )


def parse_bins(text: str) -> tuple[str, tuple[float, ...]]:
    """``"age=40,50,60"`` → ``("age", (40.0, 50.0, 60.0))``, the ``--bins`` option's value.

    Raises:
        ValueError: not ``COLUMN=EDGE[,EDGE...]`` with distinct numbers.
    """
    column, sign, edges_text = text.partition("=")
    column = column.strip()
    try:
        edges = tuple(sorted(float(edge) for edge in edges_text.split(",")))
    except ValueError:
        edges = ()
    if not sign or not column or not edges or len(set(edges)) != len(edges):
        raise ValueError(
            f"{text!r}: give COLUMN=EDGE[,EDGE...] with distinct numbers, e.g. age=40,50,60"
        )
    if not all(np.isfinite(edges)):
        raise ValueError(f"{text!r}: bin edges must be finite numbers")
    return column, edges


def default_subgroup_columns(manifest_columns: Iterable[str]) -> tuple[str, ...]:
    """The default subgroup columns the manifest has."""
    present = set(manifest_columns)
    return tuple(column for column in DEFAULT_SUBGROUP_COLUMNS if column in present)


@dataclass(frozen=True)
class SubgroupGroup:
    """Readers' and model's performance on the cases of one group.

    Attributes:
        label: e.g. ``"4A"`` or ``"≤ 2 cm"``.
        n_cases, n_malignant: group size and malignant cases in it.
        readers: reader id → session → metrics.
        model: the model's metrics at the analysis's model threshold, or ``None``.
    """

    label: str
    n_cases: int
    n_malignant: int
    readers: dict[str, dict[str, DiagnosticResult]]
    model: DiagnosticResult | None

    def to_dict(self) -> dict[str, object]:
        """``n_cases, n_malignant, n_benign, readers{reader{session}}, model``."""
        return {
            "n_cases": self.n_cases,
            "n_malignant": self.n_malignant,
            "n_benign": self.n_cases - self.n_malignant,
            "readers": {
                reader: {session: metrics.to_dict() for session, metrics in sessions.items()}
                for reader, sessions in self.readers.items()
            },
            "model": None if self.model is None else self.model.to_dict(),
        }


@dataclass(frozen=True)
class SubgroupAnalysis:
    """All groups of one manifest column."""

    column: str
    title: str
    description: str
    groups: tuple[SubgroupGroup, ...]
    note: str = ""
    bins: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """``{"title", "definition", "groups": {label: group}}``, plus ``bins`` (edges) of a
        binned column and ``note`` (why it was not analysed) when there is one."""
        out: dict[str, object] = {
            "title": self.title,
            "definition": self.description,
            "groups": {group.label: group.to_dict() for group in self.groups},
        }
        if self.bins:
            out["bins"] = list(self.bins)
        if self.note:
            out["note"] = self.note
        return out


def analyse_subgroups(
    column: str,
    values: pd.Series,
    truth: NDArray[np.int_],
    decision: NDArray[np.int_],
    reader_ids: Sequence[str],
    model_decision: NDArray[np.int_] | None,
    *,
    ci_method: CiMethod | CiConvention = PAPER_CI,
    alpha: float = 0.05,
    bins: Sequence[float] | None = None,
) -> SubgroupAnalysis:
    """Diagnostic metrics of every reader, session and the model within each group of ``column``.

    Args:
        column: the manifest column (chooses the definition, see :func:`subgroup_definition`).
        values: that column's value for each case, aligned with ``truth``.
        truth: shape (cases,), 1 = malignant.
        decision: shape (2, readers, cases), sessions unaided then aided.
        reader_ids: one id per reader.
        model_decision: shape (cases,), the model's 0/1 call, or ``None``.
        ci_method, alpha: passed to :func:`~studies.analysis.diagnostic.diagnostic_metrics`.
        bins: bin edges of a numeric column (see :func:`subgroup_definition`).
    """
    definition = subgroup_definition(column, values, bins)
    masks = definition.groups(values)
    if len(masks) < 2:
        only = f"only one group ('{next(iter(masks))}')" if masks else "no group"
        note = f"'{column}' has {only} among the cases read: not analysed as a subgroup"
        return SubgroupAnalysis(
            column, definition.title, definition.description, (), note, definition.bins
        )
    groups = []
    for label, mask in masks.items():
        group_truth = truth[mask]
        readers = {
            reader: {
                session: diagnostic_metrics(group_truth, decision[s, r, mask], ci_method, alpha)
                for s, session in enumerate(SESSIONS)
            }
            for r, reader in enumerate(reader_ids)
        }
        model = (
            None
            if model_decision is None
            else diagnostic_metrics(group_truth, model_decision[mask], ci_method, alpha)
        )
        groups.append(SubgroupGroup(label, int(mask.sum()), int(group_truth.sum()), readers, model))
    return SubgroupAnalysis(
        column, definition.title, definition.description, tuple(groups), "", definition.bins
    )
