"""What the external centre's acquisition alone costs a classifier, with the lesions held fixed.

A test cohort from another centre differs from the training centre in two ways at once: how its
images are acquired, and which cases happen to be in it. The synthetic generator can separate the
two: the same lesion designs (breast, lesion, the random fields) are rendered with the internal
acquisition profile, the external one, and the internal profile with only the external
low-energy, recombined or pixel-grid parameters swapped in (and the external one with the
internal recombined parameters). The bundle's AUC under each rendering, and the mean change of
its probabilities from the internal rendering, say what the acquisition costs and which part of
it. The designs come from a seed no demo cohort uses, so the model never trained on them.
SYNTHETIC data only; each rendering's files are written to a temporary folder and removed.

Usage: python scripts/acquisition_shift.py BUNDLE [CASES [SEED]] (defaults 100 and 9505);
about a second per case and rendering on a 2-core CPU.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from model_core.classifier.bundle import load_bundle
from model_core.classifier.inputs import load_inputs, training_rows
from model_core.classifier.training import predict_probabilities
from model_core.manifest import load_manifest
from studies.analysis.roc import auc_delong
from studies.simulation.cohort.acquisition import AcquisitionProfile, acquisition_profile
from studies.simulation.cohort.dicom_writer import CaseIdentity, write_cesm_pair
from studies.simulation.cohort.mask_writer import write_itksnap_mask
from studies.simulation.cohort.phantom import case_streams, design_case, render_case

USAGE = "usage: python scripts/acquisition_shift.py BUNDLE [CASES [SEED]]"

LOW_ENERGY = ("le_bits_stored", "le_air", "le_fat", "le_gland", "le_noise")
RECOMBINED = ("re_bits_stored", "re_air", "re_breast", "re_iodine", "re_noise")
PIXEL_GRID = ("pixel_spacing_mm", "rows", "columns")


def renderings() -> dict[str, AcquisitionProfile]:
    """The acquisition profiles compared, by name."""
    internal, external = acquisition_profile("internal"), acquisition_profile("external")

    def swapped(
        base: AcquisitionProfile, donor: AcquisitionProfile, fields: tuple[str, ...]
    ) -> AcquisitionProfile:
        return replace(base, **{name: getattr(donor, name) for name in fields})

    return {
        "internal": internal,
        "external": external,
        "internal + external low energy": swapped(internal, external, LOW_ENERGY),
        "internal + external recombined": swapped(internal, external, RECOMBINED),
        "internal + external pixel grid": swapped(internal, external, PIXEL_GRID),
        "external + internal recombined": swapped(external, internal, RECOMBINED),
    }


def write_cohort(folder: Path, profile: AcquisitionProfile, cases: int, seed: int) -> Path:
    """Render designs 0 … cases − 1 of ``seed`` with ``profile``; returns the manifest."""
    internal = acquisition_profile("internal")
    field_mm = (
        internal.rows * internal.pixel_spacing_mm,
        internal.columns * internal.pixel_spacing_mm,
    )
    rows = []
    for index in range(cases):
        # Fresh generators per rendering: the same design, fields and detector draws each time.
        design_rng, fields_rng, detector_rng = case_streams(seed, "internal", index, streams=3)
        design = design_case(design_rng, 0.5, field_mm)
        case = render_case(design, profile, fields_rng, detector_rng)
        case_id = f"P{index + 1:04d}"
        files = folder / "cases" / case_id
        files.mkdir(parents=True)
        identity = CaseIdentity(seed, profile.center, index, case_id, f"SYN{seed}-{case_id}")
        write_cesm_pair(case, identity, files / "low_energy.dcm", files / "recombined.dcm")
        write_itksnap_mask(case.mask, profile.pixel_spacing_mm, files / "mask.nii.gz")
        relative = f"cases/{case_id}"
        rows.append(
            [
                case_id,
                f"{relative}/low_energy.dcm",
                f"{relative}/recombined.dcm",
                f"{relative}/mask.nii.gz",
                design.label,
            ]
        )
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["case_id", "low_energy", "recombined", "mask", "label"])
        writer.writerows(rows)
    return manifest


def main(argv: list[str]) -> None:
    if not 1 <= len(argv) <= 3:
        sys.exit(USAGE)
    bundle = load_bundle(Path(argv[0]))
    cases = int(argv[1]) if len(argv) > 1 else 100
    seed = int(argv[2]) if len(argv) > 2 else 9505
    models = bundle.fold_models()
    reference: np.ndarray | None = None
    print(f"{cases} SYNTHETIC lesion designs (seed {seed}), each rendered with every profile")
    for name, profile in renderings().items():
        with tempfile.TemporaryDirectory(prefix="cesm-shift-") as folder:
            manifest = load_manifest(write_cohort(Path(folder), profile, cases, seed))
            inputs = load_inputs(
                manifest,
                training_rows(manifest, None, role="evaluation"),
                input_size=bundle.input_size,
                settings=bundle.preprocessing,
                cache_dir=None,
            )
        probabilities, _ = predict_probabilities(models, inputs.images)
        truth = inputs.labels.astype(int)
        reference = probabilities if reference is None else reference
        change = probabilities - reference
        auc = auc_delong(probabilities, truth)
        print(
            f"{name:32s} AUC {auc.estimate:.3f} ({auc.ci_low:.3f}-{auc.ci_high:.3f}); mean change "
            f"from internal: benign {change[truth == 0].mean():+.3f}, "
            f"malignant {change[truth == 1].mean():+.3f} "
            f"({int((truth == 0).sum())} benign / {int(truth.sum())} malignant)",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
