"""``cesm-reader predict BUNDLE MANIFEST --out DIR``: the classifier's scores and heat maps.

Runs the model bundle's fold models over every case of the manifest (docs/classifier.md): the
probability of malignancy is the mean of the folds', Grad-CAM heat maps are averaged over the
folds and placed on each case's own pixel grid. Writes ``DIR/scores.csv`` (docs/formats.md,
model scores, with ``fold_1`` … ``fold_k``) and ``DIR/heatmaps.npz`` (docs/formats.md, heat
maps), the two files a study's ``[model]`` section names.

The bundle is verified first (every file's SHA-256, settings this code reproduces); a bundle
that fails is refused with the file named and nothing written. The output is staged and moved
into place at the end (:mod:`model_core.staged_output`), never over files the tool did not write.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cesm_cli.options import add_data_root, output_folder, positive_int
from cesm_cli.progress import ProgressBar
from model_core.errors import CesmError

NAME = "predict"
HELP = (
    "Run a model bundle over a manifest: scores.csv (probability, fold_1..fold_k) and "
    "heatmaps.npz (Grad-CAM averaged over the folds)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's arguments."""
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="model bundle folder")
    parser.add_argument(
        "manifest", nargs="?", type=Path, metavar="MANIFEST", help="case manifest (CSV)"
    )
    parser.add_argument(
        "--manifest",
        dest="manifest_option",
        type=Path,
        metavar="FILE",
        help="the case manifest, as the other commands name it (instead of MANIFEST)",
    )
    parser.add_argument("--out", required=True, type=output_folder, help="output folder")
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=8,
        metavar="N",
        help="cases per batch (default 8)",
    )
    parser.add_argument(
        "--no-heatmaps",
        dest="heatmaps",
        action="store_false",
        help="scores only (no Grad-CAM; about three times faster)",
    )
    add_data_root(parser)


def _manifest(args: argparse.Namespace) -> Path:
    positional, option = args.manifest, args.manifest_option
    if positional is not None and option is not None and positional != option:
        raise CesmError(f"two manifests given ({positional} and --manifest {option}); give one")
    manifest = option if option is not None else positional
    if manifest is None:
        raise CesmError("give the case manifest: cesm-reader predict BUNDLE MANIFEST --out DIR")
    return Path(manifest)


def run(args: argparse.Namespace) -> int:
    """Predict every case and write the outputs; 0 on success."""
    from studies.engine.model_outputs import precompute_model_outputs

    manifest = _manifest(args)
    written = precompute_model_outputs(
        args.bundle,
        manifest,
        args.out,
        progress=ProgressBar("predicting"),
        heatmaps=args.heatmaps,
        batch_size=args.batch_size,
        data_root=args.data_root,
    )
    print(f"wrote {written.scores}")
    if written.heatmaps is not None:
        print(f"wrote {written.heatmaps}")
    return 0
