"""Training the classifier as Mao et al. did: stratified k-fold cross-validation on the training
split, one model per fold, thresholds from the out-of-fold predictions.

The paper's recipe is the default (:class:`TrainingSettings`): RMSprop, learning rate 1e-4,
batch 12, the learning rate × 0.1 after 10 epochs without a gain in validation accuracy, and the
weights of the epoch with the lowest validation loss kept. Folds are drawn with scikit-learn's
``StratifiedGroupKFold`` (groups = ``patient_id`` when the manifest has it, else one group per
case) so that one patient's lesions never sit on both sides of a split. ``holdout`` trains a
single model on one such split instead (the demo model does; five Xception models would not fit
the 45 MB a bundle embedded in the repository may take).

**Resuming.** With a ``state_dir``, each completed fold's weights, history and out-of-fold
predictions are saved there as soon as the fold ends, under a key of the data fingerprint and
the settings; running the same training again skips the folds already done. An interrupted fold
starts again from its first epoch.

**Devices.** With a GPU: mixed precision (float16 compute, float32 weights and output) and, with
several, ``tf.distribute.MirroredStrategy``. Without: the CPU, with TensorFlow's deterministic
ops, so that a seed gives the same models.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model_core.classifier.architectures import ModelBuildError, backbone_spec, check_input_size
from model_core.classifier.bundle import load_weights, round_to_stored, save_weights
from model_core.classifier.inputs import CaseInputs, evaluation_dataset, training_dataset
from model_core.classifier.probability import model_logits, sigmoid
from model_core.classifier.thresholds import operating_points
from model_core.errors import CesmError
from model_core.preprocessing import BACKBONE_INPUT_SIZE, PreprocessingSettings

#: Optimizers ``--optimizer`` accepts (Keras class names).
OPTIMIZERS: dict[str, str] = {"rmsprop": "RMSprop", "adam": "Adam", "sgd": "SGD"}

#: Upper bound of ``--augment-noise``: a quarter of the 0–255 range already buries most texture.
MAX_NOISE_SD = 64.0

#: Bump when the saved fold state's layout changes (older states are then not resumed).
STATE_VERSION = 1


class TrainingError(CesmError):
    """Training cannot run as asked: impossible settings, or data a split cannot use."""


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides what training produces (recorded in ``model.json``).

    Attributes:
        backbone: ``xception``, ``densenet121`` or ``resnet50``.
        cbam: put CBAM on the last feature map.
        input_size: square input side; ``None`` = the backbone's (299 or 224), as the paper.
        folds: k of k-fold cross-validation, ≥ 2 (ignored with ``holdout``).
        holdout: instead of k folds, one model validated on this fraction of the training cases
            (grouped and stratified), in (0, 0.5].
        epochs: maximum epochs per fold.
        batch_size: cases per batch.
        optimizer: ``rmsprop``, ``adam`` or ``sgd``.
        learning_rate: initial learning rate.
        plateau_patience: epochs without validation-accuracy gain before the rate is cut.
        plateau_factor: what the rate is multiplied by then.
        early_stopping: stop a fold after this many epochs without validation-loss gain
            (``None``: run all epochs).
        batchnorm_momentum: momentum of every BatchNormalization layer (``None``: Keras' 0.99).
        dropout: dropout rate before the logit.
        weights: backbone start weights: ``none``, ``imagenet`` or a file path.
        seed: seeds the splits, the weights' initialisation, shuffling and augmentation.
        augment: augment the training batches (flips, rotation, zoom, shift).
        augment_noise: largest standard deviation, in grey levels of the 0–255 input, of the
            Gaussian noise added to the low-energy and recombined channels of training batches
            (its own deviation drawn uniformly per case); 0 = none, as the paper.
        preprocessing: margin and equalisation of the inputs.
    """

    backbone: str = "xception"
    cbam: bool = True
    input_size: int | None = None
    folds: int = 5
    holdout: float | None = None
    epochs: int = 50
    batch_size: int = 12
    optimizer: str = "rmsprop"
    learning_rate: float = 1e-4
    plateau_patience: int = 10
    plateau_factor: float = 0.1
    early_stopping: int | None = None
    batchnorm_momentum: float | None = None
    dropout: float = 0.5
    weights: str = "none"
    seed: int = 0
    augment: bool = True
    augment_noise: float = 0.0
    preprocessing: PreprocessingSettings = field(default_factory=PreprocessingSettings)

    def __post_init__(self) -> None:
        try:
            spec = backbone_spec(self.backbone)
        except ModelBuildError as error:
            raise TrainingError(f"--backbone: {error}") from error
        object.__setattr__(self, "backbone", spec.name)
        size = BACKBONE_INPUT_SIZE[spec.name] if self.input_size is None else self.input_size
        try:
            object.__setattr__(self, "input_size", check_input_size(spec.name, size))
        except ModelBuildError as error:
            raise TrainingError(f"--input-size: {error}") from error
        if self.holdout is None:
            _check_int("--folds", self.folds, 2, "(for a single model use --holdout FRACTION)")
        elif not 0 < self.holdout <= 0.5:
            raise TrainingError(f"--holdout: expected a fraction in (0, 0.5], got {self.holdout}")
        _check_int("--epochs", self.epochs, 1)
        _check_int("--batch-size", self.batch_size, 1)
        _check_int("--plateau-patience", self.plateau_patience, 1)
        if self.early_stopping is not None:
            _check_int("--early-stopping", self.early_stopping, 1)
        _check_int("--seed", self.seed, 0)
        if self.optimizer not in OPTIMIZERS:
            raise TrainingError(
                f"--optimizer: expected one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}"
            )
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise TrainingError(f"--learning-rate: must be > 0, got {self.learning_rate}")
        if not 0 < self.plateau_factor < 1:
            raise TrainingError(f"--plateau-factor: must be in (0, 1), got {self.plateau_factor}")
        if self.batchnorm_momentum is not None and not 0 < self.batchnorm_momentum < 1:
            raise TrainingError(
                f"--batchnorm-momentum: must be in (0, 1), got {self.batchnorm_momentum}"
            )
        if not 0 <= self.dropout < 1:
            raise TrainingError(f"--dropout: must be in [0, 1), got {self.dropout}")
        if not (math.isfinite(self.augment_noise) and 0 <= self.augment_noise <= MAX_NOISE_SD):
            raise TrainingError(
                f"--augment-noise: expected a standard deviation in [0, {MAX_NOISE_SD:g}] grey "
                f"levels, got {self.augment_noise}"
            )
        if self.augment_noise > 0 and not self.augment:
            raise TrainingError("--augment-noise: cannot add noise with --no-augment")

    @property
    def size(self) -> int:
        """The input size (resolved; never ``None`` after construction)."""
        assert self.input_size is not None
        return self.input_size

    @property
    def model_count(self) -> int:
        return 1 if self.holdout is not None else self.folds

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, as recorded under ``training`` in ``model.json``."""
        values = asdict(self)
        values["preprocessing"] = self.preprocessing.to_dict()
        return values

    def deviations_from_paper(self) -> list[str]:
        """Plain-language list of where these settings leave Mao et al.'s recipe."""
        paper = TrainingSettings(backbone=self.backbone)
        notes = []
        if self.input_size != paper.input_size:
            notes.append(f"input {self.input_size} px instead of {paper.input_size}")
        if self.holdout is not None:
            notes.append(
                f"one model validated on a {self.holdout:g} hold-out split instead of "
                f"{paper.folds}-fold cross-validation"
            )
        elif self.folds != paper.folds:
            notes.append(f"{self.folds} folds instead of {paper.folds}")
        if self.optimizer != paper.optimizer or self.learning_rate != paper.learning_rate:
            notes.append(
                f"{OPTIMIZERS[self.optimizer]} learning rate {self.learning_rate:g} instead of "
                f"RMSprop {paper.learning_rate:g}"
            )
        if self.batch_size != paper.batch_size:
            notes.append(f"batch {self.batch_size} instead of {paper.batch_size}")
        if self.batchnorm_momentum is not None:
            notes.append(f"BatchNorm momentum {self.batchnorm_momentum:g} instead of 0.99")
        if (self.plateau_patience, self.plateau_factor) != (10, 0.1):
            notes.append(
                f"learning rate x{self.plateau_factor:g} after {self.plateau_patience} epochs "
                "without validation-accuracy gain instead of x0.1 after 10"
            )
        if self.early_stopping is not None:
            notes.append(f"early stopping after {self.early_stopping} epochs without gain")
        if self.weights != "imagenet":
            notes.append(f"backbone weights {self.weights!r} (the paper started from ImageNet)")
        if not self.augment:
            notes.append("no augmentation of the training batches")
        if self.augment_noise > 0:
            notes.append(
                f"Gaussian noise (standard deviation up to {self.augment_noise:g} grey levels) "
                "added to the image channels of training batches"
            )
        return notes


def _check_int(option: str, value: Any, minimum: int, hint: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        tail = f" {hint}" if hint else ""
        raise TrainingError(f"{option}: must be a whole number >= {minimum}, got {value!r}{tail}")


# ---------------------------------------------------------------- splits


def make_splits(
    labels: np.ndarray, groups: tuple[str, ...], settings: TrainingSettings
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training indices, validation indices) per model, stratified by label, grouped by patient.

    Raises:
        TrainingError: when a class has fewer patients than folds (or than a hold-out needs).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    labels = np.asarray(labels)
    n_splits = settings.folds if settings.holdout is None else round(1 / settings.holdout)
    for value, name in ((0, "benign"), (1, "malignant")):
        patients = len({g for g, y in zip(groups, labels, strict=True) if y == value})
        if patients < n_splits:
            what = (
                f"--folds {settings.folds}"
                if settings.holdout is None
                else (f"--holdout {settings.holdout:g} ({n_splits} groups)")
            )
            raise TrainingError(
                f"{what}: only {patients} {name} patient(s) in the training data; each fold "
                "needs at least one of each class"
            )
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=settings.seed)
    splits = [
        (np.sort(train), np.sort(validation))
        for train, validation in splitter.split(np.zeros(len(labels)), labels, np.asarray(groups))
    ]
    return splits[:1] if settings.holdout is not None else splits


# ---------------------------------------------------------------- devices


@dataclass(frozen=True)
class Device:
    """Where training runs: description, and whether mixed precision / determinism are on."""

    description: str
    gpus: int
    mixed_precision: bool
    deterministic: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _set_up_device() -> tuple[Device, Any]:
    """The device and a ``tf.distribute`` strategy (the default one on CPU or one GPU)."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        keras.mixed_precision.set_global_policy("mixed_float16")
        strategy = (
            tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
        )
        return Device(f"{len(gpus)} GPU(s)", len(gpus), True, False), strategy
    keras.mixed_precision.set_global_policy("float32")
    tf.config.experimental.enable_op_determinism()
    return Device("CPU", 0, False, True), tf.distribute.get_strategy()


# ---------------------------------------------------------------- results


@dataclass
class FoldResult:
    """One trained model and what its training recorded."""

    index: int
    model: Any
    train_ids: list[str]
    validation_ids: list[str]
    validation_probabilities: list[float]
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float

    def record(self) -> dict[str, Any]:
        """The fold's entry in ``model.json`` (without the model)."""
        best = self.best_epoch - 1
        metrics = {name: values[best] for name, values in self.history.items() if values}
        return {
            "train_cases": len(self.train_ids),
            "validation_cases": len(self.validation_ids),
            "epochs_run": len(self.history.get("loss", [])),
            "best_epoch": self.best_epoch,
            "metrics_at_best_epoch": metrics,
            "history": self.history,
            "seconds": round(self.seconds, 1),
        }


@dataclass
class TrainingResult:
    """What :func:`train` returns: the fold models and everything ``model.json`` records."""

    settings: TrainingSettings
    folds: list[FoldResult]
    oof_case_ids: list[str]
    oof_labels: list[int]
    oof_probabilities: list[float]
    thresholds: dict[str, dict[str, Any]]
    oof_auc: float
    data_fingerprint: str
    device: Device
    seconds: float
    resumed_folds: list[int]

    @property
    def models(self) -> list[Any]:
        return [fold.model for fold in self.folds]


def binary_auc(probabilities: Any, labels: Any) -> float:
    """Mann–Whitney AUC (ties count one half); NaN with a single class."""
    scores = np.asarray(probabilities, dtype=np.float64)
    truth = np.asarray(labels).astype(bool)
    positives, negatives = scores[truth], scores[~truth]
    if not len(positives) or not len(negatives):
        return math.nan
    greater = (positives[:, None] > negatives[None, :]).sum()
    ties = (positives[:, None] == negatives[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positives) * len(negatives)))


# ---------------------------------------------------------------- training


def run_key(inputs: CaseInputs, settings: TrainingSettings) -> str:
    """Identifies a training run (data and settings) for resuming."""
    text = json.dumps(
        {"v": STATE_VERSION, "data": inputs.fingerprint(), "settings": settings.to_dict()},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def train(
    inputs: CaseInputs,
    settings: TrainingSettings,
    *,
    state_dir: Path | None = None,
    report: Callable[[str], None] = print,
) -> TrainingResult:
    """Train ``settings.model_count`` models on ``inputs`` (see the module docstring).

    Args:
        inputs: the training cases, all labelled.
        settings: the recipe.
        state_dir: where completed folds are kept for resuming (``None``: not kept).
        report: receives one line per event (fold start, epoch end, fold end).

    Raises:
        TrainingError: unlabelled cases, or too few patients of a class for the splits.
    """
    import keras

    if len(inputs) == 0 or (inputs.labels < 0).any():
        raise TrainingError("every training case needs a label")
    started = time.monotonic()
    splits = make_splits(inputs.labels, inputs.groups, settings)
    device, strategy = _set_up_device()
    report(
        f"training {settings.model_count} {settings.backbone}{'+CBAM' if settings.cbam else ''} "
        f"model(s) at {settings.size} px on {len(inputs)} cases ({int(inputs.labels.sum())} "
        f"malignant), {device.description}"
    )
    state = _FoldState(state_dir, run_key(inputs, settings)) if state_dir is not None else None
    folds: list[FoldResult] = []
    resumed: list[int] = []
    try:
        for index, (train_index, validation_index) in enumerate(splits, start=1):
            if state is not None:
                restored = state.load(index, settings)
                if restored is not None:
                    report(
                        f"fold {index}/{len(splits)}: already trained, resumed from {state.folder}"
                    )
                    folds.append(restored)
                    resumed.append(index)
                    continue
            with strategy.scope():
                fold = _train_fold(
                    index, len(splits), inputs, train_index, validation_index, settings, report
                )
            folds.append(fold)
            if state is not None:
                state.save(fold)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    oof_ids: list[str] = []
    oof_labels: list[int] = []
    oof_probabilities: list[float] = []
    label_of = dict(zip(inputs.case_ids, inputs.labels.tolist(), strict=True))
    for fold in folds:
        oof_ids.extend(fold.validation_ids)
        oof_labels.extend(int(label_of[c]) for c in fold.validation_ids)
        oof_probabilities.extend(fold.validation_probabilities)
    points = operating_points(np.asarray(oof_probabilities), np.asarray(oof_labels))
    return TrainingResult(
        settings=settings,
        folds=folds,
        oof_case_ids=oof_ids,
        oof_labels=oof_labels,
        oof_probabilities=oof_probabilities,
        thresholds={name: point.to_dict() for name, point in points.items()},
        oof_auc=binary_auc(oof_probabilities, oof_labels),
        data_fingerprint=inputs.fingerprint(),
        device=device,
        seconds=time.monotonic() - started,
        resumed_folds=resumed,
    )


def _train_fold(
    index: int,
    count: int,
    inputs: CaseInputs,
    train_index: np.ndarray,
    validation_index: np.ndarray,
    settings: TrainingSettings,
    report: Callable[[str], None],
) -> FoldResult:
    import keras

    from model_core.classifier.architectures import build_model

    started = time.monotonic()
    fold_seed = settings.seed * 1000 + index
    keras.utils.set_random_seed(fold_seed)
    model = build_model(
        settings.backbone,
        cbam=settings.cbam,
        input_size=settings.size,
        weights=settings.weights,
        dropout=settings.dropout,
        batchnorm_momentum=settings.batchnorm_momentum,
    )
    optimizer = getattr(keras.optimizers, OPTIMIZERS[settings.optimizer])(
        learning_rate=settings.learning_rate
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")],
    )
    train_set = inputs.subset(train_index)
    validation_set = inputs.subset(validation_index)
    report(
        f"fold {index}/{count}: {len(train_set)} training cases, {len(validation_set)} "
        "validation cases"
    )
    best = _KeepBest()
    callbacks: list[Any] = [
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_accuracy",
            mode="max",
            factor=settings.plateau_factor,
            patience=settings.plateau_patience,
            min_delta=0.0,
            verbose=0,
        ),
        best,
        _EpochReport(index, count, settings.epochs, report),
    ]
    if settings.early_stopping is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.early_stopping)
        )
    history = model.fit(
        training_dataset(
            train_set.images,
            train_set.labels,
            batch_size=settings.batch_size,
            seed=fold_seed,
            augment=settings.augment,
            noise_sd=settings.augment_noise,
        ),
        validation_data=evaluation_dataset(
            validation_set.images, validation_set.labels, batch_size=settings.batch_size
        ),
        epochs=settings.epochs,
        callbacks=callbacks,
        shuffle=False,  # the training dataset shuffles itself, reproducibly
        verbose=0,
    )
    best.restore(model)
    round_to_stored(model)  # predict with the weights the bundle will hold
    probabilities = predict_probabilities([model], validation_set.images, settings.batch_size)[0]
    recorded = {
        name: [float(value) for value in values] for name, values in history.history.items()
    }
    report(
        f"fold {index}/{count}: kept epoch {best.epoch} (lowest validation loss "
        f"{best.loss:.4f}); validation AUC {binary_auc(probabilities, validation_set.labels):.3f}"
    )
    return FoldResult(
        index=index,
        model=model,
        train_ids=list(train_set.case_ids),
        validation_ids=list(validation_set.case_ids),
        validation_probabilities=[float(p) for p in probabilities],
        history=recorded,
        best_epoch=best.epoch,
        seconds=time.monotonic() - started,
    )


def predict_probabilities(
    models: list[Any], images: np.ndarray, batch_size: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """(mean probability over ``models``, per-model probabilities (models, cases)), each the
    float64 sigmoid of the model's logit (``probability.py``), exactly as ``predict`` computes
    them, so that thresholds chosen here mean the same there."""
    per_model = sigmoid(model_logits(models, images, batch_size))
    return per_model.mean(axis=0), per_model


class _KeepBest:
    """Keeps the weights of the epoch with the lowest validation loss (in memory)."""

    def __new__(cls) -> Any:
        import keras

        class KeepBest(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.loss = math.inf
                self.epoch = 0
                self.weights: list[np.ndarray] | None = None

            def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
                loss = float((logs or {}).get("val_loss", math.nan))
                if loss < self.loss or self.weights is None:
                    self.loss, self.epoch = loss, epoch + 1
                    self.weights = [np.array(w) for w in self.model.get_weights()]

            def restore(self, model: Any) -> None:
                if self.weights is not None:
                    model.set_weights(self.weights)

        return KeepBest()


class _EpochReport:
    """Reports one line per epoch: losses, AUCs, accuracy, learning rate, seconds."""

    def __new__(cls, fold: int, folds: int, epochs: int, report: Callable[[str], None]) -> Any:
        import keras

        class EpochReport(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
                self.started = time.monotonic()

            def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
                logs = logs or {}
                rate = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
                logs["learning_rate"] = rate
                report(
                    f"fold {fold}/{folds} epoch {epoch + 1}/{epochs}: loss "
                    f"{logs.get('loss', math.nan):.4f} auc {logs.get('auc', math.nan):.3f} | "
                    f"val loss {logs.get('val_loss', math.nan):.4f} auc "
                    f"{logs.get('val_auc', math.nan):.3f} accuracy "
                    f"{logs.get('val_accuracy', math.nan):.3f} | lr {rate:.2g} | "
                    f"{time.monotonic() - self.started:.0f} s"
                )

        return EpochReport()


def bundle_metadata(result: TrainingResult, **extra: Any) -> dict[str, Any]:
    """``model.json``'s content for :func:`~model_core.classifier.bundle.write_bundle`.

    ``extra`` adds top-level keys (e.g. ``description``, ``synthetic``).
    """
    from model_core.provenance import software_versions

    settings = result.settings
    return {
        "backbone": settings.backbone,
        "cbam": settings.cbam,
        "input_size": settings.size,
        "dropout": settings.dropout,
        "preprocessing": settings.preprocessing.to_dict(),
        "thresholds": {name: point["threshold"] for name, point in result.thresholds.items()},
        "threshold_details": {
            "chosen_on": "out-of-fold predictions of the training data",
            **result.thresholds,
        },
        "validation_scheme": (
            {"scheme": "holdout", "fraction": settings.holdout, "models": 1}
            if settings.holdout is not None
            else {"scheme": "stratified group k-fold", "folds": settings.folds}
        ),
        "seed": settings.seed,
        "training": settings.to_dict(),
        "deviations_from_paper": settings.deviations_from_paper(),
        "training_data": {
            "fingerprint": result.data_fingerprint,
            "cases": len(
                {c for fold in result.folds for c in fold.train_ids + fold.validation_ids}
            ),
            "fingerprint_covers": "case ids, labels and SHA-256 of every image and mask",
        },
        "metrics": {
            "out_of_fold_auc": result.oof_auc,
            "out_of_fold_cases": len(result.oof_case_ids),
        },
        "out_of_fold_predictions": {
            "case_id": result.oof_case_ids,
            "label": result.oof_labels,
            "probability": [round(p, 6) for p in result.oof_probabilities],
        },
        "folds": [fold.record() for fold in result.folds],
        "device": result.device.to_dict(),
        "training_seconds": round(result.seconds, 1),
        "software": software_versions("tensorflow", "keras", "numpy", "scikit-learn"),
        **extra,
    }


# ---------------------------------------------------------------- resuming


class _FoldState:
    """Completed folds of one run (``run_key``) kept in ``folder/<key>/``."""

    def __init__(self, root: Path, key: str) -> None:
        self.folder = root / key

    def save(self, fold: FoldResult) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        weights = self.folder / f"fold_{fold.index}.weights.npz"
        partial = weights.with_suffix(".partial")
        save_weights(fold.model, partial)
        partial.replace(weights)
        record = {
            "index": fold.index,
            "train_ids": fold.train_ids,
            "validation_ids": fold.validation_ids,
            "validation_probabilities": fold.validation_probabilities,
            "history": fold.history,
            "best_epoch": fold.best_epoch,
            "seconds": fold.seconds,
        }
        target = self.folder / f"fold_{fold.index}.json"  # written last: marks the fold done
        target.with_suffix(".partial").write_text(json.dumps(record), encoding="utf-8")
        target.with_suffix(".partial").replace(target)

    def load(self, index: int, settings: TrainingSettings) -> FoldResult | None:
        from model_core.classifier.architectures import build_model

        record_path = self.folder / f"fold_{index}.json"
        weights = self.folder / f"fold_{index}.weights.npz"
        if not (record_path.is_file() and weights.is_file()):
            return None
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        model = build_model(
            settings.backbone,
            cbam=settings.cbam,
            input_size=settings.size,
            weights=None,
            dropout=settings.dropout,
            batchnorm_momentum=settings.batchnorm_momentum,
        )
        load_weights(model, weights)
        return FoldResult(
            index=index,
            model=model,
            train_ids=list(record["train_ids"]),
            validation_ids=list(record["validation_ids"]),
            validation_probabilities=list(record["validation_probabilities"]),
            history=dict(record["history"]),
            best_epoch=int(record["best_epoch"]),
            seconds=float(record["seconds"]),
        )

    def remove(self) -> None:
        """Delete the run's state (after its bundle is written)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


def remove_state(state_dir: Path, inputs: CaseInputs, settings: TrainingSettings) -> None:
    """Forget the completed folds of this run (call once its bundle is in place)."""
    _FoldState(state_dir, run_key(inputs, settings)).remove()


__all__ = [
    "FoldResult",
    "TrainingError",
    "TrainingResult",
    "TrainingSettings",
    "binary_auc",
    "make_splits",
    "predict_probabilities",
    "remove_state",
    "train",
]
