"""One case's label, BI-RADS, age and density from the sheet rows of its two images.

The sheet has a row for the low-energy image and one for the recombined image, sometimes
several per image (one per finding). The rules, in docs/importing.md too:

* **label**: the pathology values of all rows. Only ``Normal`` → a normal breast view, left out
  of the classification manifest. ``Benign`` or ``Malignant`` (alone or beside ``Normal``: a
  lesion seen on one image only) → that label, noting any ``Normal``. ``Benign`` *and*
  ``Malignant`` → contradictory, left out: which lesion is which cannot be told.
* **BI-RADS**: the highest category of all rows (``0`` lowest, ``6`` highest), as BI-RADS
  assesses a breast by its most suspicious finding; several are noted.
* **age** and **breast density**: the one value the rows give; rows that disagree leave the
  cell empty, with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from model_core.importers.cdd_cesm.annotation_sheet import NORMAL, SheetRow
from model_core.importers.cdd_cesm.file_names import PairKey
from model_core.importers.cdd_cesm.issues import ImportIssue
from model_core.vocabulary import BENIGN, BI_RADS_CATEGORIES, MALIGNANT

Verdict = Literal["lesion", "normal", "contradictory", "no_label"]
T = TypeVar("T")


@dataclass(frozen=True)
class CaseFacts:
    """What the sheet says about one breast view.

    Attributes:
        verdict: ``lesion`` (imported when it has a region), ``normal``, ``contradictory`` or
            ``no_label`` (rows without pathology).
        label: ``benign`` / ``malignant`` for a lesion, else ``None``.
        bi_rads, age, breast_density: the values for the manifest, ``None`` when unknown.
        issues: notes about values combined or left empty, and why a case is left out.
    """

    verdict: Verdict
    label: str | None
    bi_rads: str | None
    age: float | None
    breast_density: str | None
    issues: tuple[ImportIssue, ...]


def rows_text(numbers: Sequence[int]) -> str:
    """``row 4`` or ``rows 4, 9``: sheet rows as a source names them."""
    return ("row " if len(numbers) == 1 else "rows ") + ", ".join(map(str, numbers))


def _single(
    values: set[T], what: str, source: str, key: PairKey, issues: list[ImportIssue]
) -> T | None:
    if len(values) > 1:
        shown = ", ".join(sorted(map(str, values)))
        detail = f"{key.case_id}: the rows give several {what} values ({shown}); left empty"
        issues.append(ImportIssue(source, "disagreeing_value", detail, False, key.case_id))
        return None
    return next(iter(values), None)


def combine_rows(key: PairKey, rows: Sequence[SheetRow], sheet: str) -> CaseFacts:
    """The facts of breast view ``key`` from its images' ``rows`` (at least one); ``sheet``
    names the sheet in the issues."""
    source = f"{sheet}, {rows_text([row.row for row in rows])}"
    issues: list[ImportIssue] = []
    pathology = {word for row in rows for word in row.pathology}
    bi_rads_found = {category for row in rows for category in row.bi_rads}
    bi_rads = max(bi_rads_found, key=BI_RADS_CATEGORIES.index, default=None)
    if len(bi_rads_found) > 1:
        detail = (
            f"{key.case_id}: BI-RADS {', '.join(sorted(bi_rads_found))} in its rows; the most "
            f"suspicious, {bi_rads}, is used"
        )
        issues.append(ImportIssue(source, "disagreeing_value", detail, False, key.case_id))
    ages = {row.age for row in rows if row.age is not None}
    densities = {value for row in rows for value in row.breast_density}
    values = CaseFacts(
        verdict="lesion",
        label=None,
        bi_rads=bi_rads,
        age=_single(ages, "age", source, key, issues),
        breast_density=_single(densities, "breast density", source, key, issues),
        issues=(),
    )
    lesion_labels = pathology - {NORMAL}
    verdict: Verdict = "lesion"
    label = None
    if not pathology:
        verdict, reason = "no_label", "no_label"
        detail = f"{key.case_id}: its rows give no Normal, Benign or Malignant; left out"
    elif not lesion_labels:
        verdict, reason = "normal", "normal"
        detail = f"{key.case_id}: Normal (no lesion); left out of the classification manifest"
    elif lesion_labels == {BENIGN, MALIGNANT}:
        verdict, reason = "contradictory", "contradictory_label"
        detail = f"{key.case_id}: its rows say Benign and Malignant; left out"
    else:
        (label,) = lesion_labels
        reason = "mixed_label" if NORMAL in pathology else ""
        detail = f"{key.case_id}: a row says Normal, another {label.capitalize()}; {label} is used"
    if reason:
        issues.append(ImportIssue(source, reason, detail, verdict != "lesion", key.case_id))
    return replace(values, verdict=verdict, label=label, issues=tuple(issues))
