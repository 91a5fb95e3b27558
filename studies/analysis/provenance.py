"""Whether the analysed data are simulated: read from the files' own ``simulated`` marks.

A report of simulated reads looks exactly like one of a real study — same tables, same P values.
Forwarded alone it would pass for real evidence, so the mark travels *inside* the data files
(the ``simulated`` column of the reads and of the model scores, docs/formats.md), and the
analysis reads it here: a file copied, renamed or mailed keeps its mark, where a sidecar file or
a study id such as ``SIM`` would be lost or mistaken. The report then shows a "SIMULATED DATA"
banner on screen and on every printed page, and ``results.json`` says so at its top.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from studies.analysis.result_dict import FieldsToDict

SIMULATED_COLUMN = "simulated"


@dataclass(frozen=True)
class DataProvenance(FieldsToDict):
    """What of the analysed data a simulation made.

    Attributes:
        simulated: ``True`` when any read or the model scores are marked simulated.
        simulated_reads: reads (rows of the reads file) marked simulated.
        n_reads: reads analysed.
        simulated_model_scores: the model scores are marked simulated.
    """

    simulated: bool = False
    simulated_reads: int = 0
    n_reads: int = 0
    simulated_model_scores: bool = False

    def summary(self) -> str:
        """One sentence for the report ("" when nothing is simulated)."""
        if not self.simulated:
            return ""
        parts = []
        if self.simulated_reads == self.n_reads and self.n_reads:
            parts.append("every read was made by simulated readers")
        elif self.simulated_reads:
            parts.append(f"{self.simulated_reads} of {self.n_reads} reads are simulated")
        if self.simulated_model_scores:
            parts.append("the model's probabilities are simulated")
        return (
            "SIMULATED DATA: "
            + " and ".join(parts)
            + ". These results describe a simulation, not radiologists or a trained model."
        )


def data_provenance(reads: pd.DataFrame, scores: pd.DataFrame | None) -> DataProvenance:
    """The provenance of validated reads and scores frames (their ``simulated`` columns)."""
    simulated_reads = int(reads[SIMULATED_COLUMN].sum()) if SIMULATED_COLUMN in reads.columns else 0
    simulated_scores = (
        scores is not None
        and SIMULATED_COLUMN in scores.columns
        and bool(scores[SIMULATED_COLUMN].any())
    )
    return DataProvenance(
        simulated=simulated_reads > 0 or simulated_scores,
        simulated_reads=simulated_reads,
        n_reads=len(reads),
        simulated_model_scores=simulated_scores,
    )
