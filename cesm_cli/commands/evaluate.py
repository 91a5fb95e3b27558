"""``cesm-reader evaluate BUNDLE --manifest FILE``: a trained model bundle on a labelled cohort.

What an external validation needs after training: the ensemble's AUC with its DeLong 95 %
confidence interval, and sensitivity and specificity at the bundle's thresholds (Youden, high
sensitivity, high specificity), which were fixed on the training data's out-of-fold predictions
and are applied here unchanged (docs/classifier.md). ``--record NAME`` adds the result to the
bundle's ``model.json`` under ``evaluation``, as ``train --evaluate`` does at training time; the
weights and their checksums are not touched.

The bundle is verified first (every file's SHA-256, settings this code reproduces) and every case
is preprocessed before the models run, so that bad input fails with the file or row named and
nothing changed; ``model.json`` is read afresh when the result is written, so evaluations
recorded meanwhile by another run are kept. Unlike ``train --evaluate``, this command cannot tell
whether the cases were training cases: the bundle keeps a fingerprint of its training data, not
of each case.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from cesm_cli.model_evaluation import check_evaluable, evaluate, threshold_lines
from cesm_cli.options import add_data_root, positive_int
from cesm_cli.progress import ProgressBar
from model_core.errors import CesmError

NAME = "evaluate"
HELP = (
    "Evaluate a model bundle on a labelled cohort: AUC with DeLong 95% CI, sensitivity and "
    "specificity at the bundle's thresholds; --record keeps the result in model.json."
)
_RECORD_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's arguments."""
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="model bundle folder")
    parser.add_argument(
        "--manifest", required=True, type=Path, metavar="FILE", help="labelled case manifest"
    )
    parser.add_argument(
        "--split",
        default="all",
        metavar="NAME",
        help="evaluate the rows whose 'split' is NAME when the manifest has that column "
        "(default all: every row)",
    )
    parser.add_argument(
        "--record",
        type=_record_name,
        metavar="NAME",
        help="keep the result in the bundle's model.json under evaluation.NAME",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="with --record: replace an evaluation of that name already in model.json",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the whole result as JSON instead of lines"
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=12,
        metavar="N",
        help="cases per batch (default 12)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="preprocessed inputs (default ~/.cache/cesm-reader, shared with train)",
    )
    add_data_root(parser)


def _record_name(text: str) -> str:
    if not text or not set(text) <= _RECORD_NAME_CHARACTERS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use letters, digits, '_', '-' and '.' (e.g. external_test)"
        )
    return text


def run(args: argparse.Namespace) -> int:
    """Evaluate, print, and with ``--record`` keep the result; 0 on success."""
    from model_core.classifier.bundle import load_bundle, record_evaluation
    from model_core.classifier.inputs import default_cache_dir, load_inputs, training_rows
    from model_core.manifest import load_manifest

    if args.overwrite and args.record is None:
        raise CesmError("--overwrite replaces a recorded evaluation: give --record NAME too")
    bundle = load_bundle(args.bundle)
    if args.record is not None:
        _check_recordable(bundle, args.record, args.overwrite)
    manifest = load_manifest(args.manifest, data_root=args.data_root)
    split = None if args.split == "all" else args.split
    if split is not None and "split" not in manifest.columns:
        raise CesmError(
            f"{manifest.path}: --split {split}: the manifest has no 'split' column "
            "(use --split all to evaluate every row)"
        )
    rows = training_rows(manifest, split, role="evaluation")
    check_evaluable(rows, f"{manifest.path}" + (f", split {split}" if split else ""))
    cases = load_inputs(
        manifest,
        rows,
        input_size=bundle.input_size,
        settings=bundle.preprocessing,
        cache_dir=args.cache if args.cache is not None else default_cache_dir(),
        progress=None if args.json else ProgressBar("preprocessing"),
    )
    result = evaluate(
        bundle.fold_models(),
        cases,
        bundle.thresholds,
        args.batch_size,
        manifest.path,
        recorded_as=args.manifest,
    )
    if args.json:
        print(json.dumps({"bundle": str(bundle.folder), **result}, indent=1, allow_nan=False))
    else:
        models = f"{bundle.fold_count} fold models" if bundle.fold_count > 1 else "1 model"
        label = args.record or manifest.path.name
        print(f"evaluation {label} ({models}, {args.manifest}): {result['summary']}")
        for line in threshold_lines(result):
            print(line)
        if result["synthetic"]:
            print("  (a synthetic cohort: cesm-reader synth)")
    if args.record is not None:
        path = record_evaluation(bundle.folder, args.record, result, replace=args.overwrite)
        if not args.json:
            print(f"recorded as evaluation.{args.record} in {path}")
    return 0


def _check_recordable(bundle: Any, name: str, replace: bool) -> None:
    """Refuse ``--record`` before any work when it could not be kept (checked again when
    writing, against ``model.json`` as it is then)."""
    if name in (bundle.metadata.get("evaluation") or {}) and not replace:
        raise CesmError(
            f"{bundle.json_path}: already has an evaluation named {name!r}; pass "
            "--overwrite to replace it, or choose another --record name"
        )
    if not os.access(bundle.folder, os.W_OK) or not os.access(bundle.json_path, os.W_OK):
        raise CesmError(
            f"{bundle.json_path}: cannot be written here, so --record could not keep the "
            "result; evaluate without --record, or copy the bundle to a folder of yours"
        )
