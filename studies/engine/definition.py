"""The study definition, ``study.toml``: what a coordinator decides before the first case is read.

The file is documented field by field in docs/study_definition.md. It is read with :mod:`tomllib`
and validated by the pydantic models below (unknown fields refused, every value typed and
bounded), so that a mistake is reported before a store exists. The loader reports **every**
problem at once, each as ``<file>: <field path>: <message>`` with list positions counted from 0
(``readers[2].id`` is the third ``[[readers]]`` table), because a coordinator who fixes one
error per run gives up.

What needs more than the file is checked later, by the init step: that the manifest and model
files exist and are valid, and that the practice cases are in the manifest. A value that is
legal but unwise (a washout shorter than 28 days) is a *warning*, returned with the definition.

Relative paths (``manifest``, ``data_root``, ``model.scores``, ``model.heatmaps``) are relative
to the folder holding ``study.toml`` and are made absolute on loading; the text itself is kept
exactly as read, with its SHA-256, so that the store records what the coordinator wrote.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from model_core.limits import MAX_READERS
from studies.errors import StudyError

#: The reading designs (docs/study_definition.md#designs).
Design = Literal["crossover", "counterbalanced", "sequential"]
#: The clinical fields a study may show its readers, in display order.
ClinicalField = Literal["age", "clinical_history", "family_history"]
CLINICAL_FIELDS: Final[tuple[ClinicalField, ...]] = ("age", "clinical_history", "family_history")
#: The operating points of the model a study may show with its probability.
ThresholdName = Literal["youden", "high_sensitivity", "high_specificity"]

#: The washout the paper used (two months), the default.
DEFAULT_WASHOUT_DAYS: Final = 56
#: Shorter washouts draw a warning: four weeks is the FDA's usual minimum between readings.
MIN_ADVISED_WASHOUT_DAYS: Final = 28
#: Upper bounds that catch typing slips (a seed typed into the washout), not real studies.
MAX_WASHOUT_DAYS: Final = 3650
MAX_BLOCK_SIZE: Final = 1000
#: A study.toml is a page of text; anything larger is not one.
MAX_DEFINITION_BYTES: Final = 1024 * 1024

_SLUG = r"^[A-Za-z0-9_-]{1,64}$"
_SLUG_RULE = "1–64 letters, digits, '_' or '-'"


def is_valid_id(text: str) -> bool:
    """Whether ``text`` is a valid study or reader id (``[A-Za-z0-9_-]{1,64}``)."""
    return re.fullmatch(_SLUG, text) is not None


class StudyDefinitionError(StudyError):
    """``study.toml`` cannot be read or is invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = tuple(problems)


# ------------------------------------------------------------------------------ value types


def _plain_number(value: object) -> object:
    """TOML's ``true`` is not the number 1, and ``nan``/``inf`` are not probabilities: refuse
    them before the bounds are checked (``nan`` would otherwise be "not at least 0")."""
    if isinstance(value, bool):
        raise PydanticCustomError("not_a_number", "must be a number, not true/false")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "not_finite", "must be a finite number; got {value}", {"value": value}
        )
    return value


def _text_path(value: object) -> object:
    """A path is a non-empty TOML string (``Path("")`` would silently mean the current folder)."""
    if not isinstance(value, str):
        raise PydanticCustomError("path_type", "must be a path in quotes")
    if not value.strip():
        raise PydanticCustomError("path_empty", "must not be empty")
    if "\x00" in value:
        raise PydanticCustomError("path_nul", "must not contain a NUL character")
    return value


def _relative_to_definition(value: Path, info: ValidationInfo) -> Path:
    """A relative path is relative to the folder of ``study.toml`` (given as validation context)."""
    base = (info.context or {}).get("base_dir")
    if base is None or value.is_absolute():
        return value
    return Path(base) / value


Slug = Annotated[str, Field(strict=True, pattern=_SLUG)]
Text = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
Count = Annotated[int, Field(strict=True, ge=0)]
Probability = Annotated[
    float, BeforeValidator(_plain_number), Field(ge=0.0, le=1.0, allow_inf_nan=False)
]
FilePath = Annotated[Path, BeforeValidator(_text_path)]


class _Section(BaseModel):
    """Every table of ``study.toml``: unknown keys refused, immutable once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Reader(_Section):
    """One reader: ``id`` is what the reads export and the store use; ``name`` is shown."""

    id: Slug
    name: Text
    years_experience: Annotated[int, Field(strict=True, ge=0, le=80)]


class Blocking(_Section):
    """Balance of benign and malignant cases through a session (see :mod:`.randomisation`)."""

    enabled: Annotated[bool, Field(strict=True)] = True
    block_size: Annotated[int, Field(strict=True, ge=2, le=MAX_BLOCK_SIZE)] = 4

    @field_validator("block_size")
    @classmethod
    def _even(cls, value: int) -> int:
        if value % 2:
            raise PydanticCustomError(
                "odd_block", "must be even (a block holds as many benign as malignant cases)"
            )
        return value


class Answers(_Section):
    """Optional answers; the decision (benign/malignant) and the probability are always asked."""

    bi_rads: Annotated[bool, Field(strict=True)] = True
    comment: Annotated[bool, Field(strict=True)] = True


class ModelOutputs(_Section):
    """Precomputed model outputs: a scores CSV (docs/formats.md#model-scores), optional heat maps
    (the ``heatmaps.npz`` file of ``cesm-reader predict``, or a folder of ``<case_id>.npy``
    float arrays in [0, 1]) and the operating points shown to readers."""

    scores: FilePath
    heatmaps: FilePath | None = None
    thresholds_shown: tuple[ThresholdName, ...] = ()
    thresholds: dict[ThresholdName, Probability] = Field(default_factory=dict)

    _resolve = field_validator("scores", "heatmaps")(_relative_to_definition)

    @model_validator(mode="after")
    def _shown_thresholds_have_values(self) -> ModelOutputs:
        for position, name in enumerate(self.thresholds_shown):
            if name in self.thresholds_shown[:position]:
                raise _at(("thresholds_shown", position), f"'{name}' is listed twice")
            if name not in self.thresholds:
                raise _at(
                    ("thresholds_shown", position),
                    f"'{name}' is shown but has no value: add {name} = <probability> "
                    "under [model.thresholds]",
                )
        return self


class StudyDefinition(_Section):
    """A validated ``study.toml`` (field reference: docs/study_definition.md)."""

    id: Slug
    title: Text
    manifest: FilePath
    data_root: FilePath | None = None
    readers: Annotated[tuple[Reader, ...], Field(min_length=1, max_length=MAX_READERS)]
    design: Design
    washout_days: Annotated[int, Field(strict=True, ge=0, le=MAX_WASHOUT_DAYS)] = (
        DEFAULT_WASHOUT_DAYS
    )
    seed: Count
    blocking: Blocking = Blocking()
    practice_cases: tuple[Annotated[str, Field(strict=True, min_length=1)], ...] = ()
    clinical_fields: tuple[ClinicalField, ...] = CLINICAL_FIELDS
    answers: Answers = Answers()
    allow_revisit: Annotated[bool, Field(strict=True)] = False
    model: ModelOutputs | None = None

    _resolve = field_validator("manifest", "data_root")(_relative_to_definition)

    @field_validator("readers", mode="wrap")
    @classmethod
    def _unique_reader_ids(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        return _validate_unique(value, handler, key=_reader_id, what="reader id", field="readers")

    @field_validator("practice_cases", mode="wrap")
    @classmethod
    def _unique_practice_cases(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        return _validate_unique(value, handler, key=_text, what="case", field="practice_cases")

    @field_validator("clinical_fields", mode="wrap")
    @classmethod
    def _unique_clinical_fields(
        cls, value: object, handler: ValidatorFunctionWrapHandler
    ) -> object:
        return _validate_unique(value, handler, key=_text, what="field", field="clinical_fields")

    @property
    def files_root(self) -> Path:
        """The folder the manifest's files are confined to: ``data_root``, else the manifest's."""
        return self.data_root if self.data_root is not None else self.manifest.parent

    def reader(self, reader_id: str) -> Reader:
        """The reader with this id (``KeyError`` if none)."""
        for reader in self.readers:
            if reader.id == reader_id:
                return reader
        raise KeyError(reader_id)


def _reader_id(item: object) -> str | None:
    identifier = item.get("id") if isinstance(item, dict) else None
    return identifier if isinstance(identifier, str) else None


def _text(item: object) -> str | None:
    return item if isinstance(item, str) else None


def _validate_unique(
    value: object,
    handler: ValidatorFunctionWrapHandler,
    *,
    key: Callable[[object], str | None],
    what: str,
    field: str,
) -> object:
    """Validate a list and refuse repeated keys, reporting repeats *and* the items' own errors
    (an after-validator would only run once every item is valid)."""
    repeats: list[InitErrorDetails] = []
    if isinstance(value, list | tuple):
        first: dict[str, int] = {}
        for position, item in enumerate(value):
            item_key = key(item)
            if item_key is None:
                continue
            if item_key in first:
                message = f"duplicate {what} '{item_key}' (also {field}[{first[item_key]}])"
                where: tuple[int | str, ...] = (
                    (position, "id") if what == "reader id" else (position,)
                )
                repeats.append(
                    InitErrorDetails(
                        type=PydanticCustomError("duplicate", "{message}", {"message": message}),
                        loc=where,
                        input=item_key,
                    )
                )
            else:
                first[item_key] = position
    try:
        result = handler(value)
    except ValidationError as error:
        raise ValidationError.from_exception_data(
            error.title, [*_reraised(error), *repeats]
        ) from None
    if repeats:
        raise ValidationError.from_exception_data(field, repeats)
    return result


def _reraised(error: ValidationError) -> list[InitErrorDetails]:
    """Errors of an inner validation, in the form that can be raised again with others."""
    return [
        InitErrorDetails(
            # The message goes in through the context: templates have no escape for braces.
            type=PydanticCustomError(
                item["type"], "{message}", {**item.get("ctx", {}), "message": str(item["msg"])}
            ),
            loc=tuple(item["loc"]),
            input=item.get("input"),
        )
        for item in error.errors(include_url=False)
    ]


def _at(subpath: tuple[str | int, ...], message: str) -> PydanticCustomError:
    """An error located below the field whose validator raises it (pydantic locates it at the
    field itself): the formatter appends ``subpath`` to the location."""
    return PydanticCustomError("study_definition", message, {"at": subpath})


# ----------------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class LoadedDefinition:
    """A definition with what the store records beside it.

    Attributes:
        definition: the validated definition, paths made absolute.
        warnings: legal but unwise settings, one message each in the error format.
        toml_text: the file's text exactly as read (a UTF-8 byte-order mark dropped).
        sha256: hex SHA-256 of ``toml_text`` encoded as UTF-8, so it can be checked from the
            stored text alone.
    """

    definition: StudyDefinition
    warnings: tuple[str, ...]
    toml_text: str
    sha256: str


def load_study_definition(path: str | Path) -> LoadedDefinition:
    """Read and validate ``study.toml``; relative paths in it are relative to its folder.

    Raises:
        StudyDefinitionError: the file is missing, not a regular file, too large, not UTF-8, not
            TOML (line and column given), or invalid (every problem listed).
    """
    path = Path(path)
    text = _read_definition_text(path)
    return parse_study_definition(text, source=str(path), base_dir=path.absolute().parent)


def parse_study_definition(text: str, *, source: str, base_dir: str | Path) -> LoadedDefinition:
    """Validate the text of a study definition (e.g. as kept in a store).

    Args:
        text: the TOML text.
        source: the name that starts every message (the file's path).
        base_dir: the folder relative paths are taken from.

    Raises:
        StudyDefinitionError: not TOML, or invalid; every problem listed.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = f"(at the end of the file, line {text.count(chr(10)) + 1})"
        reason = str(error).replace("(at end of document)", where)
        raise StudyDefinitionError([f"{source}: not valid TOML: {reason}"]) from None
    try:
        definition = StudyDefinition.model_validate(raw, context={"base_dir": Path(base_dir)})
    except ValidationError as error:
        raise StudyDefinitionError(
            [f"{source}: {where}: {message}" for where, message in _problems(error)]
        ) from None
    return LoadedDefinition(
        definition=definition,
        warnings=tuple(f"{source}: {warning}" for warning in _warnings(definition)),
        toml_text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _read_definition_text(path: Path) -> str:
    """The text of a regular, small, UTF-8 file; opened without blocking so that a named pipe
    given by mistake is refused instead of hanging the command."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise StudyDefinitionError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise StudyDefinitionError([f"{path}: is a folder, not a study.toml file"]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise StudyDefinitionError([f"{path}: cannot be read ({reason})"]) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise StudyDefinitionError([f"{path}: is a folder, not a study.toml file"])
        raise StudyDefinitionError([f"{path}: is not a regular file (a pipe or a device?)"])
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(MAX_DEFINITION_BYTES + 1)
        except OSError as error:
            reason = error.strerror or str(error)
            raise StudyDefinitionError([f"{path}: cannot be read ({reason})"]) from None
    if len(data) > MAX_DEFINITION_BYTES:
        raise StudyDefinitionError(
            [f"{path}: is larger than 1 MiB; a study definition is a page of text"]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise StudyDefinitionError(
            [f"{path}: line {line}: not UTF-8 text (byte 0x{data[error.start]:02X})"]
        ) from None


def _warnings(definition: StudyDefinition) -> list[str]:
    if definition.design == "sequential":
        if "washout_days" in definition.model_fields_set:
            return [
                "washout_days: ignored by the sequential design (one session, the aided answer "
                "right after the unaided one)"
            ]
        return []
    if definition.washout_days < MIN_ADVISED_WASHOUT_DAYS:
        return [
            f"washout_days: {definition.washout_days} days is shorter than "
            f"{MIN_ADVISED_WASHOUT_DAYS}, the usual minimum between the unaided and the aided "
            "reading: readers may remember the cases"
        ]
    return []


# ------------------------------------------------------------------------ error messages


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """Pydantic's errors as (field path, message), reworded for a coordinator."""
    errors = error.errors(include_url=False)
    located = [(_location(item), item) for item in errors]
    problems: list[tuple[str, str]] = []
    for loc, item in located:
        # "at least 1 item after validation, not 0" when every item failed: the items say more.
        if item["type"] == "too_short" and any(
            other != loc and other[: len(loc)] == loc for other, _ in located
        ):
            continue
        problems.append((_path_text(loc), _message(loc, item)))
    return problems


def _location(item: Any) -> tuple[str | int, ...]:
    loc = tuple(item["loc"])
    return loc + tuple((item.get("ctx") or {}).get("at", ()))


def _path_text(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for an invalid key of a table: the key is named
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _message(loc: tuple[str | int, ...], item: Any) -> str:
    kind = item["type"]
    value = item.get("input")
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        # The value is never echoed: a PIN typed into the file must not reach a log.
        allowed = _field_names(loc[:-1])
        return f"unknown field; expected one of: {', '.join(allowed)}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}; got {_shown(value)}"
    if kind == "string_pattern_mismatch":
        return f"must be {_SLUG_RULE}; got {_shown(value)}"
    expected = _TYPE_WORDS.get(kind)
    if expected is not None:
        return f"must be {expected}; got {_shown(value)}"
    bound = _BOUND_WORDS.get(kind)
    if bound is not None:
        return f"must be {bound.format(**ctx)}; got {_shown(value)}"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} entry; got {ctx['actual_length']}"
    if kind == "too_long":
        return f"must have at most {ctx['max_length']} entries; got {ctx['actual_length']}"
    if kind == "finite_number":
        return f"must be a finite number; got {_shown(value)}"
    return str(item["msg"])


_TYPE_WORDS: Final[dict[str, str]] = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text in quotes",
    "tuple_type": "a list [...]",
    "list_type": "a list [...]",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


_BOUND_WORDS: Final[dict[str, str]] = {
    "greater_than_equal": "at least {ge}",
    "greater_than": "more than {gt}",
    "less_than_equal": "at most {le}",
    "less_than": "less than {lt}",
    "string_too_short": "at least {min_length} character(s) long",
    "string_too_long": "at most {max_length} characters long",
}


def _shown(value: object) -> str:
    """A value as it is written in TOML (strings quoted, booleans lower case), tables elided."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value[:80]}"' + ("..." if len(value) > 80 else "")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _field_names(loc: tuple[str | int, ...]) -> list[str]:
    """The fields allowed in the table at ``loc`` (for an "unknown field" message)."""
    model: type[BaseModel] = StudyDefinition
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``tuple[Reader, ...]`` or ``X | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            found = _model_in(argument)
            if found is not None:
                return found
    return None
