"""``cesm-reader train``: train the CBAM classifier on a manifest and write a model bundle.

Every option is checked, the manifest loaded and every training case preprocessed before the
first epoch, so that bad input fails in seconds with nothing written. The bundle is written
into a staging folder and moved into place at the end (:mod:`model_core.staged_output`): an
error or Ctrl-C leaves ``--out`` as it was. Completed folds are kept in the cache
(``--cache``), so running the same command again after an interruption resumes from the last
completed fold.

``--evaluate NAME=MANIFEST`` (repeatable) scores the trained models on cohorts training never
saw and records each AUC with its DeLong 95 % confidence interval in ``model.json``, under
``evaluation``; the computation is ``studies.analysis.roc``'s, the one the reader-study analysis
uses.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from cesm_cli.manifest_argument import add_manifest_argument, manifest_path
from cesm_cli.model_evaluation import check_evaluable, evaluate, is_synthetic, threshold_lines
from cesm_cli.options import add_data_root, output_folder
from cesm_cli.progress import ProgressBar
from model_core.errors import CesmError
from model_core.preprocessing import BACKBONE_INPUT_SIZE, PreprocessingSettings
from model_core.staged_output import StagedOutput

NAME = "train"
HELP = (
    "Train the CBAM classifier (Mao et al.): stratified k-fold cross-validation on the training "
    "split, one model per fold, thresholds from the out-of-fold predictions; writes a model "
    "bundle."
)


def _evaluation(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=MANIFEST")
    return name, Path(path)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's arguments."""
    add_manifest_argument(parser)
    parser.add_argument(
        "--out",
        required=True,
        type=output_folder,
        metavar="BUNDLE",
        help="model bundle folder to write",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a bundle an earlier 'train' wrote at --out",
    )
    model = parser.add_argument_group("model")
    model.add_argument(
        "--backbone",
        default="xception",
        choices=tuple(BACKBONE_INPUT_SIZE),
        help="default xception",
    )
    model.add_argument(
        "--cbam",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="CBAM attention on the last feature map (default on)",
    )
    model.add_argument(
        "--input-size",
        type=int,
        default=None,
        metavar="PX",
        help="square input side (default: the backbone's, 299 or 224; Xception accepts >= 71)",
    )
    model.add_argument(
        "--weights",
        default="none",
        metavar="none|imagenet|FILE",
        help="backbone start weights: none (default), imagenet (read from the "
        "Keras cache, never downloaded) or a 'no top' weights file",
    )
    model.add_argument("--dropout", type=float, default=0.5, help="default 0.5")
    model.add_argument(
        "--batchnorm-momentum",
        type=float,
        default=None,
        metavar="M",
        help="momentum of every BatchNormalization layer (default Keras' 0.99; "
        "0.9 learns faster from scratch)",
    )
    recipe = parser.add_argument_group("training (defaults: the paper's recipe)")
    splits = recipe.add_mutually_exclusive_group()
    splits.add_argument("--folds", type=int, default=5, help="k-fold cross-validation (default 5)")
    splits.add_argument(
        "--holdout",
        type=float,
        default=None,
        metavar="FRACTION",
        help="train one model, validated on this fraction of the cases instead",
    )
    recipe.add_argument(
        "--split",
        default="train",
        metavar="NAME",
        help="train on the rows whose 'split' is NAME when the manifest has "
        "that column (default train; 'all' for every row)",
    )
    recipe.add_argument("--epochs", type=int, default=50, help="default 50")
    recipe.add_argument("--batch-size", type=int, default=12, help="default 12")
    recipe.add_argument(
        "--optimizer", default="rmsprop", choices=("rmsprop", "adam", "sgd"), help="default rmsprop"
    )
    recipe.add_argument("--learning-rate", type=float, default=1e-4, help="default 1e-4")
    recipe.add_argument(
        "--plateau-patience",
        type=int,
        default=10,
        metavar="EPOCHS",
        help="learning rate x0.1 after this many epochs without validation-"
        "accuracy gain (default 10)",
    )
    recipe.add_argument(
        "--early-stopping",
        type=int,
        default=None,
        metavar="EPOCHS",
        help="stop a fold after this many epochs without validation-loss gain (default: off)",
    )
    recipe.add_argument(
        "--no-augment",
        dest="augment",
        action="store_false",
        help="no flips/rotation/zoom/shift of the training batches",
    )
    recipe.add_argument(
        "--augment-noise",
        type=float,
        default=0.0,
        metavar="SD",
        help="also add Gaussian noise, its standard deviation drawn per case from [0, SD] grey "
        "levels of the 0-255 input, to the low-energy and recombined channels of training "
        "batches, for robustness to a noisier centre (default 0: none, as the paper)",
    )
    recipe.add_argument("--seed", type=int, default=0, help="default 0")
    recipe.add_argument(
        "--margin-mm",
        type=float,
        default=5.0,
        help="crop margin around the lesion (default 5 mm, the paper's)",
    )
    parser.add_argument(
        "--evaluate",
        type=_evaluation,
        action="append",
        default=[],
        metavar="NAME=MANIFEST",
        help="after training, record the AUC (DeLong 95%% CI) on this labelled "
        "cohort in model.json (repeatable)",
    )
    parser.add_argument(
        "--description",
        default=None,
        help="a sentence recorded in model.json (e.g. what the data were)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="preprocessed inputs and completed folds (default ~/.cache/cesm-reader)",
    )
    parser.add_argument(
        "--no-resume",
        dest="resume",
        action="store_false",
        help="train every fold again even if an interrupted run completed some",
    )
    parser.add_argument("--quiet", action="store_true", help="only the final line")
    add_data_root(parser)


def run(args: argparse.Namespace) -> int:
    """Check, preprocess, train, evaluate, write the bundle; 0 on success."""
    from model_core.classifier.bundle import load_bundle, write_bundle
    from model_core.classifier.inputs import default_cache_dir, load_inputs, training_rows
    from model_core.classifier.training import (
        TrainingSettings,
        bundle_metadata,
        remove_state,
        train,
    )
    from model_core.manifest import load_manifest

    started = time.monotonic()
    settings = TrainingSettings(
        backbone=args.backbone,
        cbam=args.cbam,
        input_size=args.input_size,
        folds=args.folds,
        holdout=args.holdout,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        plateau_patience=args.plateau_patience,
        early_stopping=args.early_stopping,
        batchnorm_momentum=args.batchnorm_momentum,
        dropout=args.dropout,
        weights=str(args.weights),
        seed=args.seed,
        augment=args.augment,
        augment_noise=args.augment_noise,
        preprocessing=_preprocessing(args.margin_mm),
    )
    _check_weights(settings)
    output = StagedOutput(
        args.out,
        NAME,
        exclusive=True,
        replace_own=args.overwrite,
        replace_hint="pass --overwrite to replace it",
    )  # before any work
    say = _printer(args.quiet)
    cache = args.cache if args.cache is not None else default_cache_dir()
    named_manifest = manifest_path(args)
    manifest = load_manifest(named_manifest, data_root=args.data_root)
    rows = training_rows(manifest, None if args.split == "all" else args.split)
    evaluations = [
        (name, load_manifest(path, data_root=args.data_root)) for name, path in args.evaluate
    ]
    evaluation_rows = [
        (name, m, training_rows(m, None, role="evaluation")) for name, m in evaluations
    ]
    for name, evaluated_manifest, evaluated_rows in evaluation_rows:
        check_evaluable(evaluated_rows, f"--evaluate {name}={evaluated_manifest.path}")
    inputs = load_inputs(
        manifest,
        rows,
        input_size=settings.size,
        settings=settings.preprocessing,
        cache_dir=cache,
        progress=None if args.quiet else ProgressBar("preprocessing"),
    )
    say(f"{len(inputs)} training cases from {manifest.path} (inputs cached in {cache / 'inputs'})")
    evaluated_inputs = [  # before training: a bad evaluation case must not fail hours later
        (name, evaluated_manifest, _inputs(evaluated_manifest, evaluated_rows, settings, cache))
        for name, evaluated_manifest, evaluated_rows in evaluation_rows
    ]
    state_dir = cache / "training"
    if not args.resume:
        remove_state(state_dir, inputs, settings)
    result = train(inputs, settings, state_dir=state_dir, report=say)

    evaluation: dict[str, Any] = {}
    trained_on = set(inputs.checksums)
    for name, evaluated_manifest, cases in evaluated_inputs:
        thresholds = {key: point["threshold"] for key, point in result.thresholds.items()}
        evaluation[name] = evaluate(
            result.models,
            cases,
            thresholds,
            settings.batch_size,
            evaluated_manifest.path,
            recorded_as=dict(args.evaluate)[name],
        )
        overlap = sum(sums in trained_on for sums in cases.checksums)
        evaluation[name]["cases_also_in_training"] = overlap
        if overlap:
            say(f"warning: {overlap} case(s) of --evaluate {name} are training cases (same files)")
        say(f"evaluation {name}: {evaluation[name]['summary']}")
        for line in threshold_lines(evaluation[name]):
            say(line)

    extra: dict[str, Any] = {"evaluation": evaluation} if evaluation else {}
    if args.description:
        extra["description"] = args.description
    metadata = bundle_metadata(result, **extra)
    metadata["training_data"]["manifest"] = str(named_manifest)  # as the user named it
    metadata["training_data"]["synthetic"] = is_synthetic(manifest.path)
    metadata["wall_clock_seconds"] = round(time.monotonic() - started, 1)
    with output as staging:
        write_bundle(staging, result.models, metadata)
        load_bundle(staging)  # what was written loads back
    remove_state(state_dir, inputs, settings)
    minutes = (time.monotonic() - started) / 60
    print(
        f"cesm-reader train: {settings.model_count} model(s), out-of-fold AUC "
        f"{result.oof_auc:.3f}, thresholds "
        + ", ".join(f"{k} {v['threshold']:.3f}" for k, v in result.thresholds.items())
        + f"; {minutes:.1f} min -> {args.out}"
    )
    return 0


def _inputs(manifest: Any, rows: Any, settings: Any, cache: Path) -> Any:
    from model_core.classifier.inputs import load_inputs

    return load_inputs(
        manifest, rows, input_size=settings.size, settings=settings.preprocessing, cache_dir=cache
    )


def _preprocessing(margin_mm: float) -> PreprocessingSettings:
    try:
        return PreprocessingSettings(margin_mm=margin_mm)
    except CesmError as error:
        raise CesmError(f"--margin-mm: {error}") from error


def _check_weights(settings: Any) -> None:
    """Resolve --weights now (a missing ImageNet file fails before any work)."""
    from model_core.classifier.architectures import resolve_weights

    resolve_weights(settings.backbone, settings.weights)


def _printer(quiet: bool) -> Any:
    def say(line: str) -> None:
        if not quiet:
            print(line, flush=True)
            sys.stdout.flush()

    return say
