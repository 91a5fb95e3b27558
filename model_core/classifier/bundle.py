"""The model bundle: a folder with ``model.json`` and one weights file per fold model.

Layout (``docs/formats.md#model-bundle``)::

    BUNDLE/
      model.json          what the models are and how they were trained (below)
      fold_1.weights.npz  fold 1's inference weights
      fold_2.weights.npz  ...

``model.json`` holds the architecture (``backbone``, ``cbam``, ``input_size``, ``dropout``), the
``preprocessing`` settings, the ``class_order`` (``["benign", "malignant"]``: the models output
the probability of the second), the ``thresholds`` (``youden``, ``high_sensitivity``,
``high_specificity``), one entry per fold under ``folds`` and the SHA-256 of every other file of
the bundle under ``files``, plus whatever the trainer recorded (seed, training-data fingerprint,
metrics, history, out-of-fold predictions, software versions).

A weights file is a NumPy ``.npz`` archive (no pickles): array ``w0000``, ``w0001``, … for each of
the model's weights in ``model.weights`` order, and ``paths``, their Keras variable paths
(``block1_conv1/kernel``), so that a file can never be loaded into a model whose layers differ.
Floating-point weights are stored as float16 when every value survives the conversion (finite,
within float16's range), else as float32; there is no optimizer state. Xception's 21 M parameters
take 43 MB this way, instead of 86 MB as float32.

:func:`load_bundle` checks everything it can without TensorFlow: the JSON's shape, the
architecture and preprocessing settings against what this code would build and compute, and the
SHA-256 of every listed file. Fold models are built only when asked for
(:meth:`ModelBundle.fold_models`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model_core.durable_write import write_durably
from model_core.errors import CesmError
from model_core.output_record import RECORD_FILE, TOOL_PREFIX, entry_of, read_record, unchanged
from model_core.preprocessing.settings import PreprocessingSettings
from model_core.vocabulary import LABELS

#: The bundle's description file.
MODEL_JSON = "model.json"
#: Identifies the JSON as a model bundle's.
FORMAT = "cesm-reader model bundle"
#: Version of the layout written here; loading refuses another.
FORMAT_VERSION = 1
#: The threshold names every bundle defines.
THRESHOLD_NAMES: tuple[str, str, str] = ("youden", "high_sensitivity", "high_specificity")
#: Keys of ``model.json`` that :func:`write_bundle` computes itself.
_WRITTEN_KEYS = ("format", "format_version", "files")
#: Keys the caller's metadata must give.
REQUIRED_KEYS = ("backbone", "cbam", "input_size", "preprocessing", "thresholds")


class BundleError(CesmError, ValueError):
    """A model bundle is missing, incomplete, changed, or describes something this code would not
    reproduce; the message names the file."""


def fold_weights_name(index: int) -> str:
    """File name of fold ``index``'s weights (1-based)."""
    return f"fold_{index}.weights.npz"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- weights files


def save_weights(model: Any, path: Path) -> None:
    """Write ``model``'s inference weights to ``path`` (see the module docstring)."""
    arrays: dict[str, np.ndarray] = {}
    for index, variable in enumerate(model.weights):
        arrays[f"w{index:04d}"] = _compact(np.asarray(variable.numpy()))
    paths = np.array([variable.path for variable in model.weights], dtype=str)
    with path.open("wb") as stream:
        np.savez(stream, paths=paths, **arrays)  # type: ignore[arg-type]


def round_to_stored(model: Any) -> None:
    """Give ``model`` exactly the weights :func:`save_weights` will store (float16-rounded where
    they are stored as float16). Training calls it on each fold's kept weights *before* it
    predicts the validation cases, so that the out-of-fold predictions, the thresholds chosen on
    them and ``--evaluate``'s figures are those of the bundle as shipped, not of float32 weights
    that no one will ever load (up to 7e-4 apart in probability on the demo model's validation
    cases)."""
    for variable in model.weights:
        values = np.asarray(variable.numpy())
        variable.assign(_compact(values).astype(values.dtype))


def _compact(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind != "f" or values.dtype == np.float16:
        return values
    with np.errstate(over="ignore"):
        half = values.astype(np.float16)
    if np.isfinite(half).all() or not np.isfinite(values).all():
        return half
    return values.astype(np.float32)


def load_weights(model: Any, path: Path) -> None:
    """Assign the weights written by :func:`save_weights` to ``model`` (same architecture).

    Raises:
        BundleError: naming ``path`` when the file is unreadable or its weights do not match
            the model's (count, paths or shapes).
    """
    try:
        with np.load(path, allow_pickle=False) as archive:
            paths = [str(p) for p in archive["paths"]]
            arrays = [archive[f"w{index:04d}"] for index in range(len(paths))]
    except (OSError, KeyError, ValueError) as error:
        raise BundleError(f"{path}: not a readable weights file ({error})") from error
    variables = list(model.weights)
    expected = [variable.path for variable in variables]
    if [_stable_path(p) for p in paths] != [_stable_path(p) for p in expected]:
        first = next(
            (
                f"{a!r} vs {b!r}"
                for a, b in zip(paths, expected, strict=False)
                if _stable_path(a) != _stable_path(b)
            ),
            f"{len(paths)} weights vs {len(expected)}",
        )
        raise BundleError(f"{path}: its weights are not this model's ({first})")
    for variable, values in zip(variables, arrays, strict=True):
        if tuple(values.shape) != tuple(variable.shape):
            raise BundleError(
                f"{path}: weight {variable.path} has shape {tuple(values.shape)}, the model "
                f"expects {tuple(variable.shape)}"
            )
        variable.assign(values.astype(variable.dtype))


def _stable_path(path: str) -> str:
    """A variable path without Keras' per-process numbering of unnamed layers.

    Xception's shortcut convolutions have no names of their own, so Keras calls them
    ``conv2d``, ``conv2d_1``... counting every model built in the process; the same weight is
    ``conv2d_4/kernel`` in a second model. Order and shapes still identify it.
    """
    return re.sub(r"_\d+(?=/)", "", path)


# ---------------------------------------------------------------- writing


def write_bundle(
    folder: str | Path, fold_models: Sequence[Any], metadata: Mapping[str, Any]
) -> Path:
    """Write a bundle of ``fold_models`` into ``folder`` (created; must hold no bundle yet).

    Args:
        folder: destination; commands pass a staging folder (:mod:`model_core.staged_output`).
        fold_models: one Keras model per fold, in fold order, all of the described architecture.
        metadata: the ``model.json`` content except ``format``, ``format_version`` and
            ``files`` (written here); must include :data:`REQUIRED_KEYS`. ``folds`` may be
            given as a list of per-fold dicts (metrics, history...); each gets its ``index`` and
            ``weights`` file name here. Must be JSON-serialisable.

    Returns:
        The path of ``model.json``.

    Raises:
        BundleError: when the metadata is incomplete or inconsistent (checked before writing).
    """
    folder = Path(folder)
    if not fold_models:
        raise BundleError(f"{folder}: a bundle needs at least one fold model")
    description = dict(metadata)
    for key in _WRITTEN_KEYS:
        description.pop(key, None)
    folds_in = description.get("folds") or [{} for _ in fold_models]
    if len(folds_in) != len(fold_models):
        raise BundleError(
            f"{folder}: metadata describes {len(folds_in)} folds for {len(fold_models)} models"
        )
    description["folds"] = [
        {**dict(fold), "index": index, "weights": fold_weights_name(index)}
        for index, fold in enumerate(folds_in, start=1)
    ]
    description.setdefault("class_order", list(LABELS))
    description = _json_ready({"format": FORMAT, "format_version": FORMAT_VERSION, **description})
    _check_description(description, folder / MODEL_JSON)
    try:
        text = json.dumps(description, indent=1, allow_nan=False)  # fails before writing
    except (TypeError, ValueError) as error:
        raise BundleError(f"{folder / MODEL_JSON}: metadata is not JSON-ready ({error})") from error

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MODEL_JSON).exists():
        raise BundleError(f"{folder / MODEL_JSON}: already exists; write a bundle to a new folder")
    files: dict[str, str] = {}
    for fold, model in zip(description["folds"], fold_models, strict=True):
        path = folder / fold["weights"]
        save_weights(model, path)
        files[fold["weights"]] = sha256_of(path)
    description = json.loads(text)
    description["files"] = files
    target = folder / MODEL_JSON
    target.write_text(json.dumps(description, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    return target


def update_metadata(folder: str | Path, updates: Mapping[str, Any]) -> Path:
    """Add or replace top-level ``model.json`` keys of an existing, valid bundle (e.g. an
    evaluation recorded after training); the weights and their checksums stay as they are.

    Raises:
        BundleError: when the bundle does not load, ``updates`` touch the keys that define
            the models (architecture, preprocessing, folds, files), or ``model.json`` cannot be
            written (nothing is changed then).
    """
    return _rewrite_metadata(folder, lambda metadata: {**metadata, **dict(updates)})


def record_evaluation(
    folder: str | Path, name: str, evaluation: Mapping[str, Any], *, replace: bool = False
) -> Path:
    """Keep ``evaluation`` in ``model.json`` under ``evaluation.NAME``, beside the others.

    ``model.json`` is read afresh at the moment of writing, so an evaluation another process
    recorded meanwhile is kept, and a name it took meanwhile is refused like any other.

    Raises:
        BundleError: ``NAME`` is taken and ``replace`` is false, or as :func:`update_metadata`.
    """

    def add(metadata: dict[str, Any]) -> dict[str, Any]:
        evaluations = dict(metadata.get("evaluation") or {})
        if name in evaluations and not replace:
            raise BundleError(
                f"{Path(folder) / MODEL_JSON}: already has an evaluation named {name!r}; "
                "replace it explicitly (evaluate --overwrite) or choose another name"
            )
        return {**metadata, "evaluation": {**evaluations, name: dict(evaluation)}}

    return _rewrite_metadata(folder, add)


def _rewrite_metadata(
    folder: str | Path, change: Callable[[dict[str, Any]], dict[str, Any]]
) -> Path:
    """Load the bundle, apply ``change`` to its ``model.json`` and write it back atomically
    (a temporary file in the folder, ``fsync``, rename). When the folder's output record
    (:mod:`model_core.output_record`) lists ``model.json`` as its command's unchanged output,
    the record follows, so that the command may still replace its own bundle later."""
    bundle = load_bundle(folder)
    path = bundle.json_path
    record = read_record(bundle.folder)
    entry = record.files.get(MODEL_JSON)
    recorded = entry is not None and unchanged(entry, path)
    description = _json_ready(change(dict(bundle.metadata)))
    protected = set(_WRITTEN_KEYS) | {"folds", "backbone", "cbam", "input_size", "preprocessing"}
    touched = sorted(key for key in protected if description.get(key) != bundle.metadata.get(key))
    if touched:
        raise BundleError(f"{path}: cannot update {', '.join(touched)}")
    _check_description(description, path)
    try:
        text = json.dumps(description, indent=1, allow_nan=False) + "\n"
    except (TypeError, ValueError) as error:
        raise BundleError(f"{path}: the update is not JSON-ready ({error})") from error
    try:
        write_durably(path, text.encode("utf-8"), temporary_prefix=f"{TOOL_PREFIX}writing-")
        if recorded and entry is not None:
            record.files[MODEL_JSON] = entry_of(path, entry.command)
            write_durably(
                bundle.folder / RECORD_FILE,
                record.to_json().encode("utf-8"),
                temporary_prefix=f"{TOOL_PREFIX}writing-",
            )
    except OSError as error:
        raise BundleError(f"{path}: cannot be written: {error.strerror or error}") from error
    return path


def _json_ready(value: Any) -> Any:
    """NumPy scalars and arrays, tuples and Paths as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


# ---------------------------------------------------------------- loading


@dataclass
class ModelBundle:
    """A loaded, verified bundle; fold models are built on first use.

    Attributes:
        folder: the bundle's folder.
        metadata: the whole ``model.json``.
    """

    folder: Path
    metadata: dict[str, Any]
    _models: list[Any] | None = field(default=None, repr=False)

    @property
    def json_path(self) -> Path:
        return self.folder / MODEL_JSON

    @property
    def backbone(self) -> str:
        return str(self.metadata["backbone"])

    @property
    def cbam(self) -> bool:
        return bool(self.metadata["cbam"])

    @property
    def input_size(self) -> int:
        return int(self.metadata["input_size"])

    @property
    def dropout(self) -> float:
        return float(self.metadata.get("dropout", 0.5))

    @property
    def preprocessing(self) -> PreprocessingSettings:
        return PreprocessingSettings.from_dict(self.metadata["preprocessing"], str(self.json_path))

    @property
    def class_order(self) -> tuple[str, ...]:
        return tuple(self.metadata["class_order"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {name: float(self.metadata["thresholds"][name]) for name in THRESHOLD_NAMES}

    @property
    def folds(self) -> list[dict[str, Any]]:
        return list(self.metadata["folds"])

    @property
    def fold_count(self) -> int:
        return len(self.metadata["folds"])

    @property
    def target_layer(self) -> str:
        """The layer Grad-CAM uses (``target_layer_name`` of the architecture)."""
        from model_core.classifier.architectures import target_layer_name

        return target_layer_name(self.backbone, self.cbam)

    def build_model(self) -> Any:
        """A new model of the bundle's architecture, with random weights."""
        from model_core.classifier.architectures import build_model

        return build_model(
            self.backbone,
            cbam=self.cbam,
            input_size=self.input_size,
            weights=None,
            dropout=self.dropout,
        )

    def fold_models(self) -> list[Any]:
        """One Keras model per fold, weights loaded (built once, then reused)."""
        if self._models is None:
            models = []
            for fold in self.folds:
                model = self.build_model()
                load_weights(model, self.folder / fold["weights"])
                models.append(model)
            self._models = models
        return self._models


def load_bundle(folder: str | Path) -> ModelBundle:
    """Read and verify the bundle in ``folder`` (no TensorFlow needed).

    Raises:
        BundleError: naming the file when ``model.json`` is missing or malformed, describes an
            architecture, preprocessing or class order this code would not reproduce, or a
            listed file is missing or its SHA-256 differs.
    """
    folder = Path(folder)
    path = folder / MODEL_JSON
    if not folder.is_dir():
        raise BundleError(f"{folder}: not a model bundle folder (no such folder)")
    if not path.is_file():
        raise BundleError(f"{path}: missing; {folder} is not a model bundle")
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path}: not readable JSON ({error})") from error
    if not isinstance(description, dict):
        raise BundleError(f"{path}: expected a JSON object")
    _check_description(description, path)
    files = description.get("files")
    if not isinstance(files, dict):
        raise BundleError(f"{path}: 'files' must map each file of the bundle to its SHA-256")
    for fold in description["folds"]:
        if fold["weights"] not in files:
            raise BundleError(f"{path}: fold {fold['index']}'s {fold['weights']} has no SHA-256")
    used = {fold["weights"] for fold in description["folds"]}
    for name in files:
        if re.fullmatch(r"fold_\d+\.weights\.npz", str(name)) and name not in used:
            raise BundleError(f"{path}: {name} is listed under 'files' but no fold uses it")
    for name, recorded in files.items():
        if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
            raise BundleError(f"{path}: 'files' lists {name!r}, not a file name in the bundle")
        member = folder / name
        if not member.is_file():
            raise BundleError(f"{member}: missing (listed in {path}); the bundle is incomplete")
        actual = sha256_of(member)
        if actual != recorded:
            raise BundleError(
                f"{member}: changed since the bundle was written (SHA-256 {actual[:12]}…, "
                f"model.json records {str(recorded)[:12]}…)"
            )
    return ModelBundle(folder=folder, metadata=description)


def _check_description(description: Mapping[str, Any], path: Path) -> None:
    """What a ``model.json`` must say for this code to reproduce its models."""
    from model_core.classifier.architectures import ModelBuildError, backbone_spec, check_input_size

    if description.get("format") != FORMAT:
        raise BundleError(f"{path}: 'format' is {description.get('format')!r}, not {FORMAT!r}")
    if description.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"{path}: format_version {description.get('format_version')!r} is not supported "
            f"(this code reads version {FORMAT_VERSION})"
        )
    missing = [key for key in REQUIRED_KEYS if key not in description]
    if missing:
        raise BundleError(f"{path}: missing {', '.join(missing)}")
    try:
        spec = backbone_spec(str(description["backbone"]))
        if spec.name != description["backbone"]:
            raise ModelBuildError(f"backbone: write {spec.name!r}")
        check_input_size(spec.name, description["input_size"])
    except ModelBuildError as error:
        raise BundleError(f"{path}: {error}") from error
    if not isinstance(description["cbam"], bool):
        raise BundleError(f"{path}: cbam must be true or false")
    dropout = description.get("dropout", 0.5)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise BundleError(f"{path}: dropout must be a rate in [0, 1), got {dropout!r}")
    try:
        PreprocessingSettings.from_dict(description["preprocessing"], str(path))
    except CesmError as error:
        raise BundleError(
            f"{error} — this code would not preprocess cases as the models were trained"
        ) from error
    if list(description.get("class_order", [])) != list(LABELS):
        raise BundleError(
            f"{path}: class_order {description.get('class_order')!r} differs from "
            f"{list(LABELS)!r}, the only order this code computes"
        )
    thresholds = description["thresholds"]
    if not isinstance(thresholds, Mapping):
        raise BundleError(f"{path}: thresholds must map {', '.join(THRESHOLD_NAMES)} to numbers")
    for name in THRESHOLD_NAMES:
        value = thresholds.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            raise BundleError(f"{path}: threshold {name!r} must be a probability, got {value!r}")
    folds = description.get("folds")
    if not isinstance(folds, list) or not folds:
        raise BundleError(f"{path}: 'folds' must list at least one fold")
    for index, fold in enumerate(folds, start=1):
        if (
            not isinstance(fold, Mapping)
            or fold.get("index") != index
            or fold.get("weights") != fold_weights_name(index)
        ):
            raise BundleError(
                f"{path}: fold {index} must be {{'index': {index}, 'weights': "
                f"'{fold_weights_name(index)}', ...}}"
            )
