"""``cesm-reader preprocess``: write exactly what the classifier sees for one case.

The output is the 3-channel input of Mao et al. (R = low energy, G = recombined, B = mask),
as an 8-bit RGB PNG to look at, or as a uint8 NumPy array of shape (size, size, 3) to feed a
model or compare bit for bit. Every argument and the destination are checked and the case is
preprocessed before anything is written; the file is staged beside its destination and renamed
into place (:mod:`model_core.staged_output`), so that an error never leaves a partial output
behind. An existing file is replaced only if ``preprocess`` wrote it (its folder's record says
so), or with ``--overwrite``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from cesm_cli.manifest_argument import add_manifest_argument, manifest_path
from cesm_cli.options import add_data_root
from model_core.errors import CesmError
from model_core.manifest import load_case, load_manifest
from model_core.preprocessing import BACKBONE_INPUT_SIZE, PreprocessedInput, preprocess_case
from model_core.staged_output import StagedOutput

NAME = "preprocess"
HELP = "Write the classifier's input for one case (R=low energy, G=recombined, B=mask) as PNG/NPY."

#: Output file extensions and what they hold.
OUTPUT_FORMATS: dict[str, str] = {
    ".png": "8-bit RGB PNG",
    ".npy": "NumPy uint8 array (size, size, 3)",
}


def _output_path(text: str) -> Path:
    """argparse type of ``--out``: refuses unknown extensions before any work is done."""
    path = Path(text)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        known = ", ".join(OUTPUT_FORMATS)
        raise argparse.ArgumentTypeError(
            f"{text}: unknown output extension {path.suffix or '(none)'!r} (use {known})"
        )
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's arguments."""
    add_manifest_argument(parser)
    parser.add_argument("--case", dest="case_id", required=True, metavar="ID", help="case_id")
    parser.add_argument(
        "--backbone",
        required=True,
        choices=tuple(BACKBONE_INPUT_SIZE),
        help="sets the input size: xception 299, densenet121 and resnet50 224",
    )
    parser.add_argument(
        "--out",
        required=True,
        type=_output_path,
        metavar="FILE.png|FILE.npy",
        help="output file; .png (RGB, 8 bit) or .npy (uint8 array)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace --out even if this tool did not write it (its own earlier output is "
        "replaced without)",
    )
    add_data_root(parser)


def run(args: argparse.Namespace) -> int:
    """Load the case, preprocess it, write the output atomically; 0 on success."""
    output = StagedOutput.for_file(args.out, NAME, overwrite=args.overwrite)  # before any work
    manifest = load_manifest(manifest_path(args), data_root=args.data_root)
    case = load_case(manifest, args.case_id)
    result = preprocess_case(case, args.backbone)
    with output as staging:
        write_input(result, staging / args.out.name)
    print(f"wrote {args.out}: {result.summary()}")
    return 0


def write_input(result: PreprocessedInput, path: Path) -> None:
    """Write ``result.image`` to ``path`` (.png or .npy).

    Raises:
        CesmError: for an unknown extension.
    """
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise CesmError(f"--out {path}: unknown output extension {suffix!r}")
    image = np.ascontiguousarray(result.image)

    with path.open("wb") as stream:
        if suffix == ".png":
            Image.fromarray(image).save(stream, format="PNG")
        else:
            np.save(stream, image, allow_pickle=False)
