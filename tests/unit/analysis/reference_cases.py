"""Loader of the R reference vectors in ``shared/reference/stats/cases`` (R 4.2.2, pROC, vcd).

The folder is ``<repo root>/../shared/reference/stats/cases`` unless the environment variable
``CESM_REFERENCE_DIR`` names another one. A missing folder is an error, never a skip: a test run
that silently compares nothing would look green while checking nothing.

Each case is ``<id>.csv`` (input) and ``<id>.json`` (``expected`` values, the R call, notes);
``index.json`` lists them with their kind. R's NaN/NA is ``null`` and ±Inf the strings
``"Inf"``/``"-Inf"``; :func:`number` turns those into floats.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[3]
ENV_VAR = "CESM_REFERENCE_DIR"
#: Relative tolerance against R. The brief asks for 1e-6 (Clopper-Pearson 1e-5); every value
#: agrees to ~1e-14 (the JSON has 15 significant digits), so the tests hold a stricter line.
REL_TOL = 1e-9


def reference_dir() -> Path:
    """The folder of the reference cases; raises if it is missing."""
    override = os.environ.get(ENV_VAR)
    folder = Path(override) if override else REPO_ROOT.parent / "shared/reference/stats/cases"
    if not (folder / "index.json").is_file():
        raise FileNotFoundError(
            f"R reference cases not found: {folder / 'index.json'} does not exist "
            f"(set {ENV_VAR} to the folder holding index.json)"
        )
    return folder


@dataclass(frozen=True)
class ReferenceCase:
    """One reference case: its id, kind, expected values and input table."""

    case_id: str
    kind: str
    expected: dict[str, Any]
    rows: list[dict[str, str]]
    notes: Any

    def column(self, name: str, dtype: type = float) -> np.ndarray:
        """One input column as an array."""
        return np.array([dtype(row[name]) for row in self.rows])


def load_cases(kind: str) -> list[ReferenceCase]:
    """All cases of one kind listed in ``index.json``; raises if there are none."""
    folder = reference_dir()
    index = json.loads((folder / "index.json").read_text())
    cases = []
    for entry in index["cases"]:
        if entry["kind"] != kind:
            continue
        case = json.loads((folder / entry["json"]).read_text())
        with open(folder / entry["csv"], newline="") as handle:
            rows = list(csv.DictReader(handle))
        cases.append(
            ReferenceCase(entry["case_id"], entry["kind"], case["expected"], rows, case["notes"])
        )
    if not cases:
        raise LookupError(f"no reference case of kind {kind!r} in {folder / 'index.json'}")
    return cases


def case_params(kind: str) -> list[Any]:
    """``pytest.param`` per case of ``kind``, with the case id as test id."""
    import pytest

    return [pytest.param(case, id=case.case_id) for case in load_cases(kind)]


def number(value: Any) -> float:
    """A JSON number of the reference: ``None`` -> NaN, ``"Inf"``/``"-Inf"`` -> ±inf."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        return {"Inf": math.inf, "-Inf": -math.inf}[value]
    return float(value)


def assert_close(actual: float, expected: Any, what: str, rel: float = REL_TOL) -> None:
    """Relative comparison (absolute 1e-12 near zero); NaN/inf only match themselves."""
    want = number(expected)
    got = float(actual)
    if math.isnan(want) or math.isinf(want):
        assert (math.isnan(got) and math.isnan(want)) or got == want, f"{what}: {got} != {want}"
        return
    assert math.isclose(got, want, rel_tol=rel, abs_tol=1e-12), (
        f"{what}: got {got!r}, R reference {want!r} (rel. diff "
        f"{abs(got - want) / max(abs(want), 1e-300):.2e})"
    )
