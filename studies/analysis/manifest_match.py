"""The first check across the reads and the manifest: are they about the same cases at all?

Every synthetic cohort numbers its cases ``INT0001``, ``INT0002``…, so the manifest of another
cohort (or of the wrong site) passes every check of its own — and then each of the 240 reads
names a case it does not have. Listing 240 "case … is not in the manifest" lines hides the one
thing to say, so when most of the cases read are missing from the manifest the analysis stops
with one summary line first and a few examples.
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from studies.errors import AnalysisInputError

#: Cases missing from the manifest, as a share of the cases read, from which the whole
#: manifest is suspected rather than individual rows.
MOSTLY_MISSING = 0.5
#: Examples listed under the summary.
EXAMPLES = 5


def check_manifest_matches(
    read_case_ids: pd.Series, manifest_case_ids: Collection[str], reads: str, manifest: str
) -> None:
    """Raise one summary error when most cases read are not in the manifest.

    Raises:
        AnalysisInputError: "reads name N cases; K of them are in the manifest — is it the
            right manifest?", with a few of the missing ids.
    """
    named = [case for case in pd.unique(read_case_ids) if case != ""]
    if not named:
        return
    known = set(manifest_case_ids)
    missing = [case for case in named if case not in known]
    if len(missing) <= MOSTLY_MISSING * len(named):
        return
    examples = ", ".join(repr(case) for case in missing[:EXAMPLES])
    more = f" and {len(missing) - EXAMPLES} more" if len(missing) > EXAMPLES else ""
    raise AnalysisInputError(
        f"{reads}: the reads name {len(named)} cases; {len(named) - len(missing)} of them are "
        f"in the manifest {manifest} — is it the right manifest? (nothing was analysed)\n"
        f"  not in the manifest: {examples}{more}"
    )
