"""What a study asks of its readers' workstation: the title, the answer fields, the design.

The reading workstation lays out its decision panel from the study's own definition (the
``study.toml`` text the store keeps), so that a study that does not ask for BI-RADS shows no
BI-RADS field and one that shows no clinical history shows none. None of this is secret — the
login screen shows the title before anyone has logged in — so it is read without a reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from studies.engine.definition import parse_study_definition
from studies.engine.designs import SEQUENTIAL
from studies.engine.reader_api import _only_study
from studies.store.database import Store


@dataclass(frozen=True)
class ReadingSettings:
    """The study-wide settings the reading workstation shows or obeys."""

    study_id: str
    title: str
    design: str
    washout_days: int
    #: The reader is asked for a BI-RADS category with each answer.
    asks_bi_rads: bool
    #: The reader may add a free-text comment to each answer.
    asks_comment: bool
    #: The clinical fields shown with each case, in the study's order.
    clinical_fields: tuple[str, ...]
    #: Readers of the store are simulated (a dry run), which every screen must say.
    simulated: bool

    @property
    def sequential(self) -> bool:
        """Each case is read unaided, locked, then aided (one session)."""
        return self.design == SEQUENTIAL


def reading_settings(store: Store, *, study_id: str | None = None) -> ReadingSettings:
    """The settings of the store's study (of ``study_id`` when the store holds several)."""
    with store.session(read_only=True) as session:
        study = _only_study(session, study_id)
        text, study_id, title = study.definition_toml, study.id, study.title
        design, washout, simulated = study.design, study.washout_days, study.simulated
    definition = parse_study_definition(text, source="study.toml (stored)", base_dir=".").definition
    return ReadingSettings(
        study_id=study_id,
        title=title,
        design=design,
        washout_days=washout,
        asks_bi_rads=definition.answers.bi_rads,
        asks_comment=definition.answers.comment,
        clinical_fields=tuple(definition.clinical_fields),
        simulated=bool(simulated),
    )
