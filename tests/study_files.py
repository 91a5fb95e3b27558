"""Test data builders for study definitions (``study.toml``), shared by the engine's tests.

The TOML is written here by hand (no project code, no TOML writer library), so a test of the
loader never depends on a writer of ours. :func:`study_toml` starts from :data:`VALID_STUDY`, a
complete valid definition, and applies overrides: a value replaces the key's, :data:`DROP`
removes it; nested tables are overridden with nested dicts. Import it by bare name
(``from study_files import study_toml``), as ``tests/conftest.py`` explains.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Final

#: Marks a key to remove in :func:`study_toml`'s overrides.
DROP: Final = object()

#: A valid study: every field given, two readers, a model with one threshold shown.
VALID_STUDY: Final[dict[str, Any]] = {
    "id": "study-1",
    "title": "A test study",
    "manifest": "cohort/manifest.csv",
    "design": "crossover",
    "washout_days": 56,
    "seed": 12345,
    "practice_cases": ["P1"],
    "clinical_fields": ["age", "family_history"],
    "allow_revisit": False,
    "blocking": {"enabled": True, "block_size": 4},
    "answers": {"bi_rads": True, "comment": False},
    "readers": [
        {"id": "R1", "name": "Reader One", "years_experience": 3},
        {"id": "R2", "name": "Reader Two", "years_experience": 15},
    ],
    "model": {
        "scores": "model/scores.csv",
        "heatmaps": "model/heatmaps",
        "thresholds_shown": ["youden"],
        "thresholds": {"youden": 0.42, "high_sensitivity": 0.2},
    },
}


def study_toml(overrides: dict[str, Any] | None = None) -> str:
    """The TOML text of :data:`VALID_STUDY` with ``overrides`` applied."""
    study = _merged(copy.deepcopy(VALID_STUDY), overrides or {})
    return _table_text(study, prefix="")


def write_study_toml(folder: Path, overrides: dict[str, Any] | None = None) -> Path:
    """Write ``folder/study.toml`` (see :func:`study_toml`) and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.toml"
    path.write_text(study_toml(overrides), encoding="utf-8")
    return path


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is DROP:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merged(base[key], value)
        else:
            base[key] = value
    return base


def _table_text(table: dict[str, Any], prefix: str) -> str:
    """Plain keys first, then sub-tables and arrays of tables (TOML's order rule)."""
    lines = [f"{key} = {_value(value)}" for key, value in table.items() if not _is_table(value)]
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines.append(f"\n[{name}]")
            lines.append(_table_text(value, prefix=f"{name}."))
        elif _is_table(value):
            for item in value:
                lines.append(f"\n[[{name}]]")
                lines.append(_table_text(item, prefix=f"{name}."))
    return "\n".join(lines) + "\n"


def _is_table(value: Any) -> bool:
    """A dict, or a non-empty list of dicts (an array of tables)."""
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")
