"""The case manifest (docs/formats.md): parsing, validating, and loading cases from it.

* :func:`load_manifest` reads the CSV structure and refuses a malformed manifest, listing
  every problem with its line and column;
* :func:`validate_manifest` checks the structure *and* every file, and reports all problems as
  data (it never raises for content problems);
* :func:`write_manifest` writes one, columns in the documented order;
* :func:`load_case` reads one case's images and mask into a :class:`~model_core.case.CesmCase`;
  :func:`check_case` does the same and also returns the warnings.
"""

from model_core.manifest.case_check import CaseCheck, check_case, load_case
from model_core.manifest.issues import ValidationIssue, ValidationReport
from model_core.manifest.table import Manifest, ManifestRow, load_manifest
from model_core.manifest.validation import validate_manifest
from model_core.manifest.writer import write_manifest

__all__ = [
    "CaseCheck",
    "Manifest",
    "ManifestRow",
    "ValidationIssue",
    "ValidationReport",
    "check_case",
    "load_case",
    "load_manifest",
    "validate_manifest",
    "write_manifest",
]
