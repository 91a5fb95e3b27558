"""The classifier's inputs: preprocessed cases from a manifest, cached, and the tf.data pipelines.

**Cache.** Preprocessing a full-size case (reading two DICOMs and a mask, cropping, equalising,
resizing) takes far longer than a training step, and every fold and epoch needs every case
again. Each case's input (uint8, (size, size, 3), exactly what
:func:`model_core.preprocessing.preprocess_case` returns) is therefore stored once as
``<cache>/<key>.npy``, where the key is the SHA-256 of the three files' SHA-256 (low energy,
recombined, mask), the input size and the preprocessing settings: a changed image or setting
is a different key, never a stale hit. The files' checksums are remembered per (path, size,
modification time) in ``<cache>/checksums.json`` so that a second run does not hash the images
again.

**Pipelines.** :func:`training_dataset` shuffles, augments (random horizontal and vertical flips,
rotation, zoom and shift, as the paper's Keras ``ImageDataGenerator``; optionally, beyond the
paper, additive Gaussian noise on the two image channels, see :func:`_augment`) and batches; the
evaluation pipeline only batches. Both prefetch, so the model never waits for input. The
augmentation draws from stateless random ops seeded per element from the training seed, so a
run is reproducible, and it never touches validation or test batches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model_core.errors import CesmError
from model_core.manifest import Manifest, ManifestRow, load_case
from model_core.preprocessing import PreprocessingSettings, preprocess_case

#: Augmentation ranges (the ImageDataGenerator arguments they stand for).
ROTATION_DEGREES = 20.0  # rotation_range
ZOOM_RANGE = 0.1  # zoom_range: scale in [0.9, 1.1]
SHIFT_FRACTION = 0.1  # width_shift_range, height_shift_range

#: The leading channels that were acquired, low energy and recombined, and so receive the noise
#: augmentation; the mask (channel 2) is drawn by a reader and never does.
ACQUIRED_CHANNELS = 2

#: Version of the cached input's computation; bump when preprocessing changes its output.
CACHE_VERSION = 1


class InputError(CesmError):
    """A manifest cannot feed the classifier (no label, no mask, an unreadable case...)."""


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cesm-reader`` (or ``~/.cache/cesm-reader``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cesm-reader"


@dataclass(frozen=True)
class CaseInputs:
    """The preprocessed cases of a manifest, in manifest order.

    Attributes:
        case_ids: the cases.
        images: uint8, shape (cases, size, size, 3).
        labels: 1 = malignant, 0 = benign, -1 = no label.
        groups: patient id (or the case id when the manifest has none), for grouped splits.
        checksums: per case, the SHA-256 of (low energy, recombined, mask).
    """

    case_ids: tuple[str, ...]
    images: np.ndarray
    labels: np.ndarray
    groups: tuple[str, ...]
    checksums: tuple[tuple[str, str, str], ...]

    def __len__(self) -> int:
        return len(self.case_ids)

    def subset(self, indices: Sequence[int] | np.ndarray) -> CaseInputs:
        """The cases at ``indices``, in that order."""
        index = np.asarray(indices, dtype=np.intp)
        return CaseInputs(
            tuple(self.case_ids[i] for i in index),
            self.images[index],
            self.labels[index],
            tuple(self.groups[i] for i in index),
            tuple(self.checksums[i] for i in index),
        )

    def fingerprint(self) -> str:
        """SHA-256 over every case's id, label and file checksums: identifies the data."""
        digest = hashlib.sha256()
        for case_id, label, sums in zip(self.case_ids, self.labels, self.checksums, strict=True):
            digest.update(json.dumps([case_id, int(label), *sums]).encode())
        return digest.hexdigest()


class ChecksumMemo:
    """SHA-256 of files, remembered by (path, size, mtime) in a JSON file of the cache."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False
        try:
            self.known: dict[str, list[Any]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.known = {}

    def sha256(self, file: Path) -> str:
        stat = file.stat()
        key = str(file.resolve())
        entry = self.known.get(key)
        if entry and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return str(entry[2])
        digest = hashlib.sha256()
        with file.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        self.known[key] = [stat.st_size, stat.st_mtime_ns, digest.hexdigest()]
        self.changed = True
        return digest.hexdigest()

    def save(self) -> None:
        if not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(self.known), encoding="utf-8")
        temporary.replace(self.path)
        self.changed = False


def cache_key(
    checksums: tuple[str, str, str], input_size: int, settings: PreprocessingSettings
) -> str:
    """The cache file name (without ``.npy``) of one case's input."""
    text = json.dumps(
        {
            "version": CACHE_VERSION,
            "files": list(checksums),
            "input_size": input_size,
            "settings": settings.to_dict(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def training_rows(
    manifest: Manifest, split: str | None = "train", *, role: str = "training"
) -> list[ManifestRow]:
    """The rows to train on (or, with ``role="evaluation"``, to evaluate on): those whose
    ``split`` is ``split`` when the manifest has that column (all rows otherwise, or when
    ``split`` is ``None``).

    Raises:
        InputError: no such rows, a row without a label or without a mask (naming the line).
    """
    rows = list(manifest.rows)
    if split is not None and "split" in manifest.columns:
        rows = [row for row in rows if row.metadata.get("split") == split]
        if not rows:
            raise InputError(f"{manifest.path}: no case has split '{split}'")
    for row in rows:
        if row.label is None:
            raise InputError(
                f"{manifest.path}, line {row.line}, case {row.case_id}: label: empty; every "
                f"{role} case needs a pathology label"
            )
        if row.mask is None:
            raise InputError(
                f"{manifest.path}, line {row.line}, case {row.case_id}: mask: empty; the "
                "classifier's crop needs the lesion mask"
            )
    return rows


def load_inputs(
    manifest: Manifest,
    rows: Sequence[ManifestRow],
    *,
    input_size: int,
    settings: PreprocessingSettings,
    cache_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> CaseInputs:
    """Preprocess ``rows`` of ``manifest`` (through the cache when ``cache_dir`` is given).

    Raises:
        CaseError, PreprocessingError: a case cannot be read or preprocessed (naming it).
    """
    memo = ChecksumMemo(cache_dir / "checksums.json") if cache_dir is not None else None
    inputs_dir = cache_dir / "inputs" if cache_dir is not None else None
    images, labels, groups, checksums = [], [], [], []
    try:
        for done, row in enumerate(rows, start=1):
            files = (row.low_energy, row.recombined, row.mask)
            if memo is not None and inputs_dir is not None:
                sums = tuple(memo.sha256(f) for f in files if f is not None)
                assert len(sums) == 3  # training_rows() checked the mask
                cached = inputs_dir / f"{cache_key(sums, input_size, settings)}.npy"
                image = _read_cached(cached, input_size)
                if image is None:
                    image = _preprocess(manifest, row, input_size, settings)
                    _write_cached(cached, image)
            else:
                sums = ("", "", "")
                image = _preprocess(manifest, row, input_size, settings)
            images.append(image)
            labels.append(-1 if row.label is None else int(row.label == "malignant"))
            patient = row.metadata.get("patient_id")
            groups.append(str(patient) if patient else row.case_id)
            checksums.append(sums)
            if progress is not None:
                progress(done, len(rows))
    finally:
        if memo is not None:
            memo.save()
    stacked = np.stack(images) if images else np.zeros((0, input_size, input_size, 3), np.uint8)
    return CaseInputs(
        tuple(row.case_id for row in rows),
        stacked,
        np.asarray(labels, dtype=np.int8),
        tuple(groups),
        tuple(checksums),
    )


def _preprocess(
    manifest: Manifest, row: ManifestRow, input_size: int, settings: PreprocessingSettings
) -> np.ndarray:
    case = load_case(manifest, row.case_id)
    return np.asarray(preprocess_case(case, input_size=input_size, settings=settings).image)


def _read_cached(path: Path, input_size: int) -> np.ndarray | None:
    try:
        image = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if image.shape != (input_size, input_size, 3) or image.dtype != np.uint8:
        return None
    return image


def _write_cached(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as stream:
        np.save(stream, np.ascontiguousarray(image), allow_pickle=False)
    temporary.replace(path)


# ---------------------------------------------------------------- tf.data


def _augment(image: Any, seed: Any, size: int, noise_sd: float = 0.0) -> Any:
    """One random flip/rotation/zoom/shift of one (size, size, 3) float image (stateless).

    With ``noise_sd`` > 0, Gaussian noise of a standard deviation drawn uniformly from
    [0, noise_sd] grey levels is then added to the low-energy and recombined channels (clipped
    to 0–255). Not in the paper: it stands for a centre whose detector is noisier than the
    training centre's, a shift that the min–max normalisation and histogram equalisation do not
    remove. The noise draws from the sixth of the six seeds split here, which the geometric
    augmentation leaves unused, so a run without noise is augmented exactly as before.
    """
    import tensorflow as tf

    seeds = tf.random.experimental.stateless_split(seed, num=6)
    image = tf.image.stateless_random_flip_left_right(image, seeds[0])
    image = tf.image.stateless_random_flip_up_down(image, seeds[1])
    angle = tf.random.stateless_uniform([], seeds[2], -ROTATION_DEGREES, ROTATION_DEGREES) * (
        math.pi / 180
    )
    scale = tf.random.stateless_uniform([], seeds[3], 1 - ZOOM_RANGE, 1 + ZOOM_RANGE)
    shift = tf.random.stateless_uniform([2], seeds[4], -SHIFT_FRACTION, SHIFT_FRACTION) * size
    # Output pixel (x, y) samples input pixel A·(x − c) + c + shift: rotation by angle and
    # magnification by scale about the centre c.
    centre = (size - 1) / 2
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = centre - a0 * centre - a1 * centre + shift[0]
    b2 = centre - b0 * centre - b1 * centre + shift[1]
    transform = tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[None, :]
    moved = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[None],
        transforms=transform,
        output_shape=[size, size],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )[0]
    if noise_sd <= 0:
        return moved
    noise_seeds = tf.random.experimental.stateless_split(seeds[5], num=2)
    sd = tf.random.stateless_uniform([], noise_seeds[0], 0.0, noise_sd)
    noise = tf.random.stateless_normal([size, size, ACQUIRED_CHANNELS], noise_seeds[1]) * sd
    noisy = tf.clip_by_value(moved[:, :, :ACQUIRED_CHANNELS] + noise, 0.0, 255.0)
    return tf.concat([noisy, moved[:, :, ACQUIRED_CHANNELS:]], axis=-1)


def training_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    batch_size: int,
    seed: int,
    augment: bool = True,
    noise_sd: float = 0.0,
) -> Any:
    """Shuffled (again every epoch), augmented, batched, prefetched (image, label) pairs.

    ``noise_sd``: the largest standard deviation (grey levels) of the noise augmentation;
    0 adds none (the paper's augmentation). Ignored without ``augment``.
    """
    import tensorflow as tf

    size = int(images.shape[1])
    data = tf.data.Dataset.from_tensor_slices((images, labels.astype("float32")[:, None]))
    data = data.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    if augment:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        data = tf.data.Dataset.zip((data, seeds)).map(
            lambda pair, s: (
                _augment(tf.cast(pair[0], tf.float32), s, size, noise_sd),
                pair[1],
            ),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    else:
        data = data.map(lambda x, y: (tf.cast(x, tf.float32), y))
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def evaluation_dataset(images: np.ndarray, labels: np.ndarray | None, *, batch_size: int) -> Any:
    """Batched, prefetched images (with labels when given), in order, never augmented."""
    import tensorflow as tf

    tensors: Any = images if labels is None else (images, labels.astype("float32")[:, None])
    data = tf.data.Dataset.from_tensor_slices(tensors)
    if labels is None:
        data = data.map(lambda x: tf.cast(x, tf.float32))
    else:
        data = data.map(lambda x, y: (tf.cast(x, tf.float32), y))
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
