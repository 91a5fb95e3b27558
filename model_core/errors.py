"""Exception hierarchy of the project's core.

Every error a user can cause (a missing file, a malformed manifest, an impossible setting) is a
:class:`CesmError`. Its message names the file, row and field, so that the command line can print it
without a traceback. Other packages derive their own errors from :class:`CesmError`.
"""

from __future__ import annotations

from pathlib import Path


class CesmError(Exception):
    """Base class of every error caused by user input; the CLI prints these without a traceback."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) or SIGTERM as an exception, so that both run the same clean-up.

    A :class:`KeyboardInterrupt`, not a :class:`CesmError`: nothing the user typed is wrong.

    Attributes:
        signum: the signal; the command line exits with 128 + ``signum`` (130, 143).
        completed: outputs that were complete when it came: it arrived while they moved into
            place, and the move finished first (:mod:`model_core.staged_output`).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.completed: list[Path] = []


class ImageReadError(CesmError):
    """An image or mask file is missing, unreadable, or not what it claims to be."""


class CaseError(CesmError):
    """A case is inconsistent: shapes differ, the mask is empty, the pixel spacing is unknown..."""


class ManifestError(CesmError):
    """A case manifest is malformed or references unusable files."""


class PreprocessingError(CesmError):
    """The paper's preprocessing cannot be applied with the given inputs or settings."""


class OutputError(CesmError):
    """An output cannot be written where asked: not a folder, not writable, or in the way of
    files the tool did not make."""


class ExportError(CesmError):
    """Reads cannot be written in another tool's format (iMRMC, RJafroc): an id that the format
    cannot carry, a score out of range, a missing truth, or data the tool would refuse."""


class DatasetImportError(CesmError):
    """A public dataset's folder cannot be imported: a file it must have is missing, or one of
    its tables is not the table its authors describe (no such sheet, columns missing)."""
