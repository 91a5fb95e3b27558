"""Subgroup analyses: diagnostic performance within the groups of one manifest column.

Mao et al. (Table 5) report readers and model separately for BI-RADS 4 lesions (4A, 4B, 4C; a
bare "4" from a site that does not subdivide counts too, as its own group)
and for lesions ≤ 2 cm and > 2 cm, because that is where a second opinion matters: BI-RADS 4 is
the "suspicious, biopsy" category whose subcategories span 2–95 % malignancy, and small lesions
are the ones readers miss. Any other manifest column (``center``, ``split``...) can be used too;
its distinct non-empty values become the groups.

A case outside every group (no BI-RADS 4 category, no diameter) is simply not counted. Within a
group that has no malignant (or no benign) case, sensitivity (specificity) is undefined and is
exported as ``null`` by the n = 0 policy of :mod:`studies.analysis.proportions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from model_core.vocabulary import BI_RADS_4, SESSIONS
from studies.analysis.ci_convention import PAPER_CI, CiConvention
from studies.analysis.diagnostic import DiagnosticResult, diagnostic_metrics
from studies.analysis.proportions import CiMethod

#: Manifest columns analysed by default when the manifest has them (the paper's Table 5 + centre).
DEFAULT_SUBGROUP_COLUMNS: tuple[str, ...] = ("bi_rads", "diameter_cm", "center")
#: Lesion-size cut-off of the paper's size subgroups, in cm.
DIAMETER_CUTOFF_CM = 2.0


def _bi_rads_4(values: pd.Series) -> pd.Series:
    category = values.astype(str).str.strip().str.upper()
    return category.where(category.isin(BI_RADS_4), "")


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

    def groups(self, values: pd.Series) -> dict[str, NDArray[np.bool_]]:
        """Group label → boolean mask over ``values`` (groups without cases are left out)."""
        labels = self.assign(values).to_numpy(dtype=object)
        present = sorted({label for label in labels if label})
        ordered = [g for g in self.order if g in present] if self.order else present
        return {label: labels == label for label in ordered}


def subgroup_definition(column: str) -> SubgroupDefinition:
    """The definition for ``column``: the paper's for ``bi_rads``/``diameter_cm``, else values."""
    if column == "bi_rads":
        return SubgroupDefinition(
            column,
            "BI-RADS 4",
            "BI-RADS 4, undivided or by subcategory (cases in other categories are not counted)",
            _bi_rads_4,
            BI_RADS_4,
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
    return SubgroupDefinition(
        column, column, f"one group per value of the manifest column '{column}'", _distinct_values
    )


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

    def to_dict(self) -> dict[str, object]:
        """``{"title", "definition", "groups": {label: group}}``."""
        return {
            "title": self.title,
            "definition": self.description,
            "groups": {group.label: group.to_dict() for group in self.groups},
        }


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
    """
    definition = subgroup_definition(column)
    groups = []
    for label, mask in definition.groups(values).items():
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
    return SubgroupAnalysis(column, definition.title, definition.description, tuple(groups))
