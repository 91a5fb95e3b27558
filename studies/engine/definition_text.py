"""Writing a ``study.toml`` from values: what the dashboard's study wizard saves beside the store.

The wizard lets a coordinator fill in a form instead of a file, but the study must still be one
that ``cesm-reader study init study.toml`` can create again: :func:`render_study_toml` turns the
form's values into the file's text (the fields of docs/study_definition.md, in that order) and
:func:`study_toml_values` reads a definition back into such values. Rendering writes nothing and
validates nothing; :func:`~studies.engine.definition.parse_study_definition` does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studies.engine.definition import StudyDefinition

#: Top-level scalar and list fields, in the order the file documents them.
_TOP_FIELDS = (
    "id",
    "title",
    "manifest",
    "data_root",
    "design",
    "washout_days",
    "seed",
    "practice_cases",
    "clinical_fields",
    "allow_revisit",
)
#: Tables, in order (``readers`` is an array of tables, written after them but before ``model``).
_TABLES = ("blocking", "answers")


def _value(value: Any) -> str:
    """One TOML value: strings as basic strings (JSON's escapes are TOML's), lists inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into study.toml")


def _pairs(values: Mapping[str, Any], keys: tuple[str, ...] | None = None) -> list[str]:
    names = keys if keys is not None else tuple(values)
    return [f"{key} = {_value(values[key])}" for key in names if values.get(key) is not None]


def render_study_toml(values: Mapping[str, Any], *, header: str = "") -> str:
    """The ``study.toml`` text of ``values`` (the file's fields; ``None`` values left out).

    ``readers`` is a list of ``{"id", "name", "years_experience"}``; ``model`` a mapping with
    ``scores``, ``heatmaps``, ``thresholds_shown`` and ``thresholds`` (name → probability).
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += _pairs(values, tuple(key for key in _TOP_FIELDS if key in values))
    for table in _TABLES:
        if values.get(table):
            lines += ["", f"[{table}]", *_pairs(values[table])]
    for reader in values.get("readers", ()):
        lines += ["", "[[readers]]", *_pairs(reader, ("id", "name", "years_experience"))]
    model = values.get("model")
    if model:
        plain = {key: model.get(key) for key in ("scores", "heatmaps", "thresholds_shown")}
        lines += ["", "[model]", *_pairs(plain)]
        if model.get("thresholds"):
            lines += ["", "[model.thresholds]", *_pairs(model["thresholds"])]
    return "\n".join(lines) + "\n"


def _relative(path: Path | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def study_toml_values(definition: StudyDefinition, base_dir: Path) -> dict[str, Any]:
    """The values of a validated definition, paths relative to ``base_dir`` where inside it:
    ``render_study_toml(study_toml_values(d, base))`` loads back as ``d``."""
    base = base_dir.absolute()
    values: dict[str, Any] = {
        "id": definition.id,
        "title": definition.title,
        "manifest": _relative(definition.manifest, base),
        "data_root": _relative(definition.data_root, base),
        "design": definition.design,
        "washout_days": definition.washout_days,
        "seed": definition.seed,
        "practice_cases": list(definition.practice_cases),
        "clinical_fields": list(definition.clinical_fields),
        "allow_revisit": definition.allow_revisit,
        "blocking": {
            "enabled": definition.blocking.enabled,
            "block_size": definition.blocking.block_size,
        },
        "answers": {"bi_rads": definition.answers.bi_rads, "comment": definition.answers.comment},
        "readers": [
            {"id": r.id, "name": r.name, "years_experience": r.years_experience}
            for r in definition.readers
        ],
    }
    if definition.model is not None:
        values["model"] = {
            "scores": _relative(definition.model.scores, base),
            "heatmaps": _relative(definition.model.heatmaps, base),
            "thresholds_shown": list(definition.model.thresholds_shown),
            "thresholds": dict(definition.model.thresholds),
        }
    return values
