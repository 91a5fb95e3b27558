"""Errors of the study engine; all derive from :class:`model_core.errors.CesmError`."""

from __future__ import annotations

from model_core.errors import CesmError


class StudyError(CesmError):
    """Base class of errors raised by the study engine."""


class AnalysisInputError(StudyError):
    """Reads, manifest or model scores given to the analysis are inconsistent or malformed."""


class SynthesisError(StudyError):
    """Impossible settings for a synthetic cohort (e.g. a malignant fraction outside 0..1)."""


class StoreError(StudyError):
    """A study store cannot be created, opened or upgraded: the database is missing, unreachable,
    of another schema version, or already holds something else. Messages name the database's
    URL without its password."""
