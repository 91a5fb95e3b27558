"""The one place the reading window reads a case's model output — and only for an aided read.

Blinding is a property of the code, not only of the data: the engine hands out unaided cases
without model output, and on this side nothing even *asks* for it. :func:`model_output` is the
only reader of :attr:`CaseToRead.model` in the reading window and returns ``None`` without
looking when the read is unaided; :func:`for_image_preparation` gives the image side (another
package, running in a worker thread) an unaided case rebuilt field by field *without* the model
attribute, so nothing downstream can reach it either. tests/unit/reader_app/reading proves both
with a case that records every access to ``model``.
"""

from __future__ import annotations

from dataclasses import fields

from model_core.vocabulary import AIDED
from studies.engine.reader_api import CaseToRead, ModelOutput


def model_output(case: CaseToRead) -> ModelOutput | None:
    """The model's output to show with ``case``: ``None`` for an unaided read (unread)."""
    if case.stage != AIDED:
        return None
    return case.model


def for_image_preparation(case: CaseToRead) -> CaseToRead:
    """The case as the image preparation gets it: an aided case as it is (its heat map is
    prepared with the images); an unaided case copied without its ``model`` field."""
    if case.stage == AIDED:
        return case
    kept = {
        field.name: getattr(case, field.name) for field in fields(case) if field.name != "model"
    }
    return CaseToRead(**kept)
