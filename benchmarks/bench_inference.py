"""Time ensemble inference and the training input pipeline against the bare Keras calls.

All on the same models and the same batch, in the same run (small models, so that it finishes
in a minute or two on a CPU; ``--input-size`` and ``--folds`` make it heavier):

* seconds per case of the ensemble **without** Grad-CAM (``EnsemblePredictor.predict``,
  probabilities only) next to the fold models' bare ``predict_on_batch``;
* seconds per case **with** Grad-CAM (maps averaged over the folds, placed on each case's source
  pixel grid, kept as float16 crop-box entries) next to the bare gradient of each fold's logit
  with respect to its target layer (a plain ``tf.function`` with a ``GradientTape``);
* the pipeline's overhead, ours / bare − 1 (the target is at most 20 %);
* ``predict_manifest`` end to end (reading the images and preprocessing included, the next batch
  prepared in a thread while the models run), for scale;
* training: cases per second through ``inputs.training_dataset`` (shuffle, augmentation,
  prefetch) into ``train_on_batch``, next to ``train_on_batch`` on the cached inputs alone (the
  target is at least 0.9 ×); once with the paper's augmentation and once with the noise
  augmentation added (``--augment-noise``, as ``cesm-reader train --augment-noise``).

Prints figures; asserts nothing. Run: ``.venv/bin/python benchmarks/bench_inference.py``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

# The test data builders are shared with the tests (tests/cesm_files.py, see its docstring); a
# script's sys.path starts at benchmarks/, so the tests folder is added (last: it shadows nothing).
sys.path.append(str(Path(__file__).resolve().parents[1] / "tests"))
from model_bundles import write_tiny_bundle

from model_core.classifier.bundle import load_bundle
from model_core.classifier.inference import EnsemblePredictor, predict_manifest, prepare_input
from model_core.classifier.inputs import training_dataset
from model_core.manifest import load_manifest
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort


def _paired_seconds(
    bare: Callable[[], object], ours: Callable[[], object], repeats: int
) -> tuple[float, float, float]:
    """Median seconds of ``bare`` and ``ours``, run alternately (so that a busy machine slows
    both alike), and the median of the per-pair ratios ours / bare."""
    bare(), ours()  # warm-up (tracing)
    bare_times, our_times = [], []
    for _ in range(repeats):
        for function, times in ((bare, bare_times), (ours, our_times)):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    ratios = [o / b for o, b in zip(our_times, bare_times, strict=True)]
    return statistics.median(bare_times), statistics.median(our_times), statistics.median(ratios)


def _bare_gradient(model, layer: str):  # type: ignore[no-untyped-def]
    """The naive Grad-CAM core: the gradient of the logit at the target layer, nothing else."""
    import keras
    import tensorflow as tf

    explainer = keras.Model(
        model.inputs, [model.get_layer(layer).output, model.get_layer("logit").output]
    )

    @tf.function
    def gradient(images):  # type: ignore[no-untyped-def]
        with tf.GradientTape() as tape:
            features, logits = explainer(images, training=False)
            total = tf.reduce_sum(logits)
        return tape.gradient(total, features), logits

    return gradient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-size", type=int, default=96, help="model input (Xception >= 71)")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--cases", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--epoch-batches",
        type=int,
        default=10,
        help="training: batches of 12 per timed epoch (the cohort's inputs repeated to fill them)",
    )
    parser.add_argument(
        "--augment-noise",
        type=float,
        default=8.0,
        metavar="SD",
        help="training: also time the pipeline with this noise augmentation (0: skip)",
    )
    args = parser.parse_args()

    import tensorflow as tf

    print(f"python {platform.python_version()}, tensorflow {tf.__version__}, {platform.machine()}")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        write_tiny_bundle(folder / "bundle", args.folds, input_size=args.input_size)
        synthesize_cohort(CohortSettings(cases=args.cases, seed=3, size="small"), folder / "cohort")
        manifest_path = folder / "cohort" / "manifest.csv"
        bundle = load_bundle(folder / "bundle")
        predictor = EnsemblePredictor(bundle)
        models = bundle.fold_models()
        manifest = load_manifest(manifest_path)
        inputs = [prepare_input(manifest, case_id, bundle) for case_id in manifest.case_ids]
        batches = [
            inputs[start : start + args.batch_size]
            for start in range(0, len(inputs), args.batch_size)
        ]
        arrays = [np.stack([i.image for i in batch]).astype(np.float32) for batch in batches]
        gradients = [_bare_gradient(model, bundle.target_layer) for model in models]
        n = len(inputs)
        print(
            f"CBAM-Xception {args.input_size} px, {args.folds} folds, {n} cases "
            f"(573 x 478 source images), batches of {args.batch_size}; median of "
            f"{args.repeats} runs, seconds per case"
        )

        def bare_predict() -> None:
            for images in arrays:
                for model in models:
                    model.predict_on_batch(images)

        def ours_without() -> None:
            for batch in batches:
                predictor.predict(batch, heatmaps=False)

        def bare_grad() -> None:
            for images in arrays:
                for gradient in gradients:
                    gradient(tf.constant(images))

        def ours_with() -> None:
            for batch in batches:
                predictor.predict(batch, heatmaps=True)

        rows = [
            ("probabilities", bare_predict, ours_without, "bare predict_on_batch"),
            ("with Grad-CAM", bare_grad, ours_with, "bare gradient"),
        ]
        for name, bare, ours, bare_name in rows:
            bare_s, ours_s, ratio = _paired_seconds(bare, ours, args.repeats)
            print(
                f"  {name:14s} ours {ours_s / n:.4f} s/case   {bare_name} {bare_s / n:.4f} "
                f"s/case   overhead {100 * (ratio - 1):+.0f} % (median of paired runs)"
            )
        start = time.perf_counter()
        predict_manifest(predictor, manifest_path, batch_size=args.batch_size)
        end_to_end = (time.perf_counter() - start) / n
        print(f"  predict_manifest end to end (reading, preprocessing): {end_to_end:.4f} s/case")

        _training(models[0], np.stack([i.image for i in inputs]), args)


def _training(model, inputs: np.ndarray, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    """One epoch of ``--epoch-batches`` batches each way: ``fit`` makes one iterator per epoch
    and steps through it, so the pipeline's start-up (shuffle buffer, first batch) counts once
    per epoch here too, not once per batch."""
    import keras

    batch_size = 12
    cases = args.epoch_batches * batch_size
    images = inputs[np.arange(cases) % len(inputs)]
    labels = (np.arange(cases) % 2).astype(np.float32)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="binary_crossentropy")
    cached = [
        (images[s : s + batch_size].astype(np.float32), labels[s : s + batch_size, None])
        for s in range(0, cases, batch_size)
    ]

    def bare() -> None:
        for x, y in cached:
            model.train_on_batch(x, y)

    for noise_sd in (0.0, args.augment_noise) if args.augment_noise > 0 else (0.0,):
        dataset = training_dataset(images, labels, batch_size=batch_size, seed=1, noise_sd=noise_sd)

        def pipeline(dataset=dataset) -> None:  # type: ignore[no-untyped-def]
            for x, y in dataset:
                model.train_on_batch(x, y)

        bare_s, pipeline_s, ratio = _paired_seconds(bare, pipeline, args.repeats)
        augmented = f"augmented + noise SD {noise_sd:g}" if noise_sd else "augmented"
        print(
            f"training, epochs of {args.epoch_batches} batches of {batch_size}: training_dataset "
            f"(shuffled, {augmented}, prefetched) {cases / pipeline_s:.1f} cases/s, bare "
            f"train_on_batch on cached inputs {cases / bare_s:.1f} cases/s: throughput "
            f"{1 / ratio:.2f} x (median of paired runs)"
        )


if __name__ == "__main__":
    main()
