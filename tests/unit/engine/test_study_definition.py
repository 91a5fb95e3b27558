"""study.toml: a valid file loads with its defaults and absolute paths; every kind of bad file is
refused with every problem named by file and field, and nothing is written."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pydantic
import pytest
from study_files import DROP, VALID_STUDY, study_toml, write_study_toml

from model_core.errors import CesmError
from studies.engine.definition import (
    CLINICAL_FIELDS,
    DEFAULT_WASHOUT_DAYS,
    MAX_DEFINITION_BYTES,
    StudyDefinitionError,
    load_study_definition,
    parse_study_definition,
)
from studies.errors import StudyError

DEMO_STUDY = Path(__file__).parents[3] / "resources" / "demo_study" / "study.toml"


def problems_of(folder: Path, overrides: dict) -> tuple[str, ...]:
    path = write_study_toml(folder, overrides)
    with pytest.raises(StudyDefinitionError) as caught:
        load_study_definition(path)
    return caught.value.problems


# ------------------------------------------------------------------------------- valid files


def test_valid_file_loads_every_field(tmp_path: Path) -> None:
    loaded = load_study_definition(write_study_toml(tmp_path))
    study = loaded.definition
    assert study.id == VALID_STUDY["id"]
    assert [r.id for r in study.readers] == ["R1", "R2"]
    assert study.reader("R2").years_experience == 15
    assert study.clinical_fields == ("age", "family_history")
    assert study.answers.comment is False
    assert study.model is not None
    assert study.model.thresholds == {"youden": 0.42, "high_sensitivity": 0.2}
    assert study.model.thresholds_shown == ("youden",)
    assert loaded.warnings == ()


def test_relative_paths_are_relative_to_the_files_folder(tmp_path: Path) -> None:
    folder = tmp_path / "studies" / "one"
    study = load_study_definition(write_study_toml(folder)).definition
    assert study.manifest == folder / "cohort" / "manifest.csv"
    assert study.files_root == folder / "cohort"  # no data_root: the manifest's folder
    assert study.model is not None
    assert study.model.scores == folder / "model" / "scores.csv"
    assert study.model.heatmaps == folder / "model" / "heatmaps"


def test_absolute_paths_and_data_root_kept(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere" / "manifest.csv"
    overrides = {"manifest": str(elsewhere), "data_root": "images"}
    study = load_study_definition(write_study_toml(tmp_path / "s", overrides)).definition
    assert study.manifest == elsewhere
    assert study.files_root == tmp_path / "s" / "images"


def test_defaults_of_optional_fields(tmp_path: Path) -> None:
    optional = ("washout_days", "blocking", "practice_cases", "clinical_fields", "answers")
    overrides = dict.fromkeys((*optional, "allow_revisit", "model"), DROP)
    study = load_study_definition(write_study_toml(tmp_path, overrides)).definition
    assert study.washout_days == DEFAULT_WASHOUT_DAYS == 56
    assert (study.blocking.enabled, study.blocking.block_size) == (True, 4)
    assert study.practice_cases == ()
    assert study.clinical_fields == CLINICAL_FIELDS
    assert (study.answers.bi_rads, study.answers.comment) == (True, True)
    assert study.allow_revisit is False
    assert study.model is None


def test_text_and_checksum_are_what_was_read(tmp_path: Path) -> None:
    text = study_toml().replace("\n", "\r\n")
    path = tmp_path / "study.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as Windows Notepad saves it
    loaded = load_study_definition(path)
    assert loaded.toml_text == text
    assert loaded.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_definition_is_immutable(tmp_path: Path) -> None:
    study = load_study_definition(write_study_toml(tmp_path)).definition
    with pytest.raises(pydantic.ValidationError):
        study.seed = 1  # type: ignore[misc]


def test_parse_from_stored_text_takes_paths_from_the_given_folder(tmp_path: Path) -> None:
    loaded = parse_study_definition(study_toml(), source="stored", base_dir=tmp_path)
    assert loaded.definition.manifest == tmp_path / "cohort" / "manifest.csv"


def test_demo_study_loads_and_warns_about_its_short_washout() -> None:
    loaded = load_study_definition(DEMO_STUDY)
    study = loaded.definition
    assert [(r.id, r.name) for r in study.readers] == [
        ("R1", "Demo reader 1"),
        ("R2", "Demo reader 2"),
    ]
    assert (study.design, study.washout_days, study.seed) == ("crossover", 0, 20260101)
    assert study.manifest == DEMO_STUDY.parent / "cohort" / "manifest.csv"
    assert "simulated" in study.title.lower()
    assert len(loaded.warnings) == 1
    assert "washout_days" in loaded.warnings[0]


# ---------------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(("days", "warned"), [(0, True), (27, True), (28, False), (56, False)])
def test_short_washout_is_a_warning_not_an_error(tmp_path: Path, days: int, warned: bool) -> None:
    loaded = load_study_definition(write_study_toml(tmp_path, {"washout_days": days}))
    assert loaded.definition.washout_days == days
    assert bool(loaded.warnings) is warned
    if warned:
        assert loaded.warnings[0].startswith(f"{tmp_path / 'study.toml'}: washout_days: {days}")


def test_sequential_design_warns_that_a_washout_is_ignored(tmp_path: Path) -> None:
    given = load_study_definition(write_study_toml(tmp_path, {"design": "sequential"}))
    assert any("ignored by the sequential design" in w for w in given.warnings)
    default = {"design": "sequential", "washout_days": DROP}
    assert load_study_definition(write_study_toml(tmp_path, default)).warnings == ()


# ----------------------------------------------------------------------------- invalid values

#: (overrides, the field path named, a part of the message)
BAD_VALUES = [
    ({"id": DROP}, "id", "required"),
    ({"id": "has space"}, "id", "letters, digits"),
    ({"id": "x" * 65}, "id", "letters, digits"),
    ({"id": 7}, "id", "text in quotes"),
    ({"title": ""}, "title", "at least 1 character"),
    ({"title": DROP}, "title", "required"),
    ({"manifest": ""}, "manifest", "must not be empty"),
    ({"manifest": 3}, "manifest", "path in quotes"),
    ({"data_root": "   "}, "data_root", "must not be empty"),
    ({"readers": []}, "readers", "at least 1"),
    ({"readers": DROP}, "readers", "required"),
    ({"readers": [{"id": "R1", "name": "A"}]}, "readers[0].years_experience", "required"),
    (
        {"readers": [{"id": "R/1", "name": "A", "years_experience": 1}]},
        "readers[0].id",
        "letters, digits",
    ),
    (
        {"readers": [{"id": "R1", "name": "A", "years_experience": -2}]},
        "readers[0].years_experience",
        "at least 0",
    ),
    (
        {"readers": [{"id": "R1", "name": "A", "years_experience": 2.5}]},
        "readers[0].years_experience",
        "whole number",
    ),
    (
        {
            "readers": [
                {"id": "R1", "name": "A", "years_experience": 1},
                {"id": "R2", "name": "B", "years_experience": 1},
                {"id": "R1", "name": "C", "years_experience": 1},
            ]
        },
        "readers[2].id",
        "duplicate reader id 'R1' (also readers[0])",
    ),
    ({"design": "parallel"}, "design", "'crossover', 'counterbalanced' or 'sequential'"),
    ({"design": DROP}, "design", "required"),
    ({"washout_days": -1}, "washout_days", "at least 0"),
    ({"washout_days": 100000}, "washout_days", "at most 3650"),
    ({"washout_days": 56.0}, "washout_days", "whole number"),
    ({"washout_days": True}, "washout_days", "whole number; got true"),
    ({"seed": -5}, "seed", "at least 0"),
    ({"seed": "42"}, "seed", "whole number"),
    ({"seed": DROP}, "seed", "required"),
    ({"blocking": {"block_size": 3}}, "blocking.block_size", "must be even"),
    ({"blocking": {"block_size": 0}}, "blocking.block_size", "at least 2"),
    ({"blocking": {"enabled": "yes"}}, "blocking.enabled", "true or false"),
    ({"blocking": {"size": 4}}, "blocking.size", "unknown field; expected one of: enabled"),
    ({"practice_cases": ["P1", "P2", "P1"]}, "practice_cases[2]", "duplicate case 'P1'"),
    ({"practice_cases": [""]}, "practice_cases[0]", "at least 1 character"),
    ({"practice_cases": "P1"}, "practice_cases", "a list"),
    ({"clinical_fields": ["age", "weight"]}, "clinical_fields[1]", "'age', 'clinical_history'"),
    ({"clinical_fields": ["age", "age"]}, "clinical_fields[1]", "duplicate field 'age'"),
    ({"answers": {"decision": False}}, "answers.decision", "unknown field"),
    ({"answers": {"bi_rads": 1}}, "answers.bi_rads", "true or false"),
    ({"allow_revisit": "no"}, "allow_revisit", "true or false"),
    ({"model": {"scores": DROP}}, "model.scores", "required"),
    ({"model": {"heatmaps": ""}}, "model.heatmaps", "must not be empty"),
    ({"model": {"thresholds_shown": ["median"]}}, "model.thresholds_shown[0]", "'youden'"),
    (
        {"model": {"thresholds_shown": ["high_specificity"]}},
        "model.thresholds_shown[0]",
        "'high_specificity' is shown but has no value",
    ),
    (
        {"model": {"thresholds_shown": ["youden", "youden"]}},
        "model.thresholds_shown[1]",
        "listed twice",
    ),
    ({"model": {"thresholds": {"youden": 1.5}}}, "model.thresholds.youden", "at most 1"),
    ({"model": {"thresholds": {"youden": -0.1}}}, "model.thresholds.youden", "at least 0"),
    ({"model": {"thresholds": {"youden": float("nan")}}}, "model.thresholds.youden", "finite"),
    ({"model": {"thresholds": {"youden": True}}}, "model.thresholds.youden", "not true/false"),
    ({"model": {"thresholds": {"best": 0.5}}}, "model.thresholds.best", "'youden'"),
    ({"model": {"bundle": "x.keras"}}, "model.bundle", "unknown field"),
    ({"model": "scores.csv"}, "model", "a table"),
    ({"washout": 56}, "washout", "unknown field; expected one of: id, title, manifest"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_VALUES)
def test_each_bad_value_is_named_by_its_field(
    tmp_path: Path, overrides: dict, field: str, message: str
) -> None:
    problems = problems_of(tmp_path, overrides)
    path = tmp_path / "study.toml"
    assert any(p.startswith(f"{path}: {field}: ") and message in p for p in problems), problems
    assert list(tmp_path.rglob("*")) == [path]  # nothing written beside it


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    overrides = {
        "id": "bad id",
        "design": "other",
        "seed": -1,
        "blocking": {"block_size": 5},
        "readers": [
            {"id": "R1", "name": "A", "years_experience": "ten"},
            {"id": "R1", "name": "B", "years_experience": 1},
        ],
        "model": {"thresholds": {"youden": 2.0}},
    }
    problems = problems_of(tmp_path, overrides)
    fields = [p.split(": ")[1] for p in problems]
    assert sorted(fields) == sorted(
        [
            "id",
            "design",
            "seed",
            "blocking.block_size",
            "readers[0].years_experience",
            "readers[1].id",
            "model.thresholds.youden",
        ]
    )


def test_a_secret_typed_into_an_unknown_field_is_not_echoed(tmp_path: Path) -> None:
    overrides = {"readers": [{"id": "R1", "name": "A", "years_experience": 1, "pin": "918273"}]}
    problems = problems_of(tmp_path, overrides)
    assert any("readers[0].pin: unknown field" in p for p in problems)
    assert not any("918273" in p for p in problems)


def test_the_error_is_a_study_error_the_cli_prints(tmp_path: Path) -> None:
    path = write_study_toml(tmp_path, {"seed": -1})
    with pytest.raises(StudyError) as caught:
        load_study_definition(path)
    assert isinstance(caught.value, CesmError)
    assert str(caught.value) == "\n".join(caught.value.problems)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------- unreadable files


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_text('id = "a"\ntitle = "b\nseed = 1\n', encoding="utf-8")
    with pytest.raises(StudyDefinitionError) as caught:
        load_study_definition(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}: not valid TOML: ")
    assert "line 2, column" in problem


def test_toml_cut_short_names_the_last_line(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_text('id = "a"\nreaders = [1,', encoding="utf-8")
    with pytest.raises(StudyDefinitionError, match="at the end of the file, line 2"):
        load_study_definition(path)


def test_a_duplicated_key_is_a_toml_error(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_text(study_toml() + "seed = 2\n[blocking]\nenabled = false\n", encoding="utf-8")
    with pytest.raises(StudyDefinitionError, match=r"not valid TOML: .*line \d+"):
        load_study_definition(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StudyDefinitionError, match=r"study\.toml: file not found"):
        load_study_definition(tmp_path / "study.toml")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(StudyDefinitionError, match="is a folder"):
        load_study_definition(tmp_path)


def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "study.toml"
    os.mkfifo(fifo)
    with pytest.raises(StudyDefinitionError, match="not a regular file"):
        load_study_definition(fifo)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_bytes(study_toml({"title": "Caf"}).encode("utf-8").replace(b"Caf", b"Caf\xe9"))
    with pytest.raises(StudyDefinitionError, match=r"line 2: not UTF-8 text \(byte 0xE9\)"):
        load_study_definition(path)


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "study.toml"
    path.write_text(study_toml() + "#" * MAX_DEFINITION_BYTES, encoding="utf-8")
    with pytest.raises(StudyDefinitionError, match="larger than 1 MiB"):
        load_study_definition(path)


def test_braces_in_values_are_reported_as_written(tmp_path: Path) -> None:
    overrides = {
        "practice_cases": ["a{b}", "a{b}"],
        "readers": [
            {"id": "R1", "name": "A", "years_experience": "{x}"},
            {"id": "R1", "name": "B", "years_experience": 1},
        ],
    }
    problems = problems_of(tmp_path, overrides)
    assert any("practice_cases[1]: duplicate case 'a{b}'" in p for p in problems)
    assert any(
        'readers[0].years_experience: must be a whole number; got "{x}"' in p for p in problems
    )
    assert any("readers[1].id: duplicate reader id 'R1'" in p for p in problems)
