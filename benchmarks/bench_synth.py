"""Speed and difficulty of synthetic CESM cohorts (prints figures; not a pass/fail test).

1. Seconds per full-size case, internal and external centre: generation (drawing + rendering)
   and writing (two DICOM files + the NIfTI mask) measured separately.
2. Bilinear upsampling of a coarse field to the full detector: ours vs ``scipy.ndimage.zoom``.
3. On a cohort of small cases (0.4 mm pixels; ``--size full``: 0.1 mm), malignant fraction 0.5:
   the ROC AUC of each simple lesion feature alone (``sklearn.metrics.roc_auc_score``; AUC < 0.5
   means the feature is lower for cancers), and the cross-validated AUC of a logistic regression
   on all of them, a proxy for "a good classifier". Also the Dice of the drawn masks against the
   true lesions and the display realism figures: the share of breast pixels clipped at the
   low-energy image's default window, where the recombined breast's median falls in its window,
   and the share of lesion pixels clipped there.

    .venv/bin/python benchmarks/bench_synth.py [--cases 200] [--repeats 5] [--seed 2024]
                                               [--size small|full]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import ndimage
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.dicom_writer import CaseIdentity, write_cesm_pair
from studies.simulation.cohort.lesion_features import LesionFeatures, measure_lesion
from studies.simulation.cohort.mask_writer import write_itksnap_mask
from studies.simulation.cohort.phantom import SyntheticCase, generate_case
from studies.simulation.cohort.texture import resample_linear


def time_full_cases(center: str, repeats: int, seed: int) -> None:
    """Wall and CPU seconds per full-size case. On a shared machine the wall time depends on
    the others' load; the CPU time of this (single-threaded) process much less so."""
    profile = acquisition_profile(center, "full")
    generate_case(seed, center, 999, profile, 0.5)  # warm-up (imports, FFT plans)
    generation, cpu, writing = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(repeats):
            started, started_cpu = time.perf_counter(), time.process_time()
            case = generate_case(seed, center, index, profile, 0.5)
            generated = time.perf_counter()
            cpu.append(time.process_time() - started_cpu)
            identity = CaseIdentity(seed, center, index, f"C{index}", f"P{index}")
            base = Path(folder)
            write_cesm_pair(case, identity, base / f"{index}_le.dcm", base / f"{index}_re.dcm")
            write_itksnap_mask(case.mask, profile.pixel_spacing_mm, base / f"{index}_m.nii.gz")
            generation.append(generated - started)
            writing.append(time.perf_counter() - generated)
    print(
        f"  {center:8s} {profile.rows}x{profile.columns} @ {profile.pixel_spacing_mm} mm: "
        f"generation {np.median(generation):.3f} s wall (min {min(generation):.3f}, "
        f"max {max(generation):.3f}), {np.median(cpu):.3f} s CPU, writing "
        f"{np.median(writing):.3f} s, total {np.median(np.add(generation, writing)):.3f} s per "
        f"case (median of {repeats})"
    )


def time_resampling() -> None:
    field = np.random.default_rng(0).random((574, 479)).astype(np.float32)
    for name, run in (
        ("resample_linear", lambda: resample_linear(field, 0.4, (2294, 1914), 0.1)),
        ("ndimage.zoom   ", lambda: ndimage.zoom(field, (2294 / 574, 1914 / 479), order=1)),
    ):
        run()
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            run()
            samples.append(time.perf_counter() - started)
        print(f"  {name} 574x479 -> 2294x1914: {np.median(samples) * 1000:.0f} ms")


def difficulty(cases: int, seed: int, size: str) -> None:
    profile = acquisition_profile("internal", size)
    rows, labels, dice, true_enhancement, display = [], [], [], [], []
    started = time.perf_counter()
    for index in range(cases):
        case = generate_case(seed, "internal", index, profile, 0.5)
        display.append(display_figures(case))
        rows.append(
            measure_lesion(
                case.low_energy, case.recombined, case.mask, profile.pixel_spacing_mm
            ).as_vector()
        )
        labels.append(case.design.label == "malignant")
        dice.append(case.mask_dice)
        true_enhancement.append(case.mean_enhancement)
    elapsed = time.perf_counter() - started
    X, y = np.array(rows), np.array(labels)
    print(
        f"  {cases} {size} internal cases (seed {seed}, {int(y.sum())} malignant), "
        f"{elapsed / cases:.2f} s per case incl. features"
    )
    print("  single-feature AUC (roc_auc_score):")
    for column, name in enumerate(LesionFeatures.names()):
        auc = roc_auc_score(y, X[:, column])
        print(f"    {name:22s} {auc:.3f}   (best direction {max(auc, 1 - auc):.3f})")
    print(f"    {'true mean enhancement':22s} {roc_auc_score(y, true_enhancement):.3f}")
    X[:, 0] = np.log(X[:, 0])
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    aucs = []
    for repeat in range(5):
        folds = StratifiedKFold(5, shuffle=True, random_state=repeat)
        probability = cross_val_predict(model, X, y, cv=folds, method="predict_proba")[:, 1]
        aucs.append(roc_auc_score(y, probability))
    print(
        f"  logistic regression on all {X.shape[1]} features, 5-fold CV x5: "
        f"AUC {np.mean(aucs):.3f} (range {min(aucs):.3f}-{max(aucs):.3f})"
    )
    dice_array = np.array(dice)
    print(
        f"  drawn mask vs true lesion Dice: mean {dice_array.mean():.3f}, "
        f"5-95 % {np.percentile(dice_array, 5):.3f}-{np.percentile(dice_array, 95):.3f}"
    )
    figures = np.array(display)
    names = (
        "low-energy breast pixels clipped at the default window",
        "recombined breast median, position in its window",
        "recombined lesion pixels clipped",
        "drawn / true lesion area",
    )
    for column, name in enumerate(names):
        values = figures[:, column]
        print(
            f"  {name}: median {np.median(values):.3f}, max {values.max():.3f}, "
            f"min {values.min():.3f}"
        )


def display_figures(case: SyntheticCase) -> tuple[float, float, float, float]:
    """Low-energy clipped share, recombined median position, lesion clipped share, area ratio."""
    profile = case.profile
    breast = case.recombined > 0.5 * (profile.re_air + profile.re_breast)
    breast = ndimage.binary_erosion(breast, iterations=2)

    def position(image: np.ndarray, window: tuple[float, float]) -> np.ndarray:
        return (image.astype(float) - (window[0] - window[1] / 2.0)) / window[1]

    low = position(case.low_energy[breast], case.low_energy_window)
    recombined = position(case.recombined, case.recombined_window)
    return (
        float(np.mean((low <= 0.0) | (low >= 1.0))),
        float(np.median(recombined[breast])),
        float(np.mean(recombined[case.true_mask] >= 1.0)),
        float(case.mask.sum() / case.true_mask.sum()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--size", choices=("small", "full"), default="small", help="image size of the cohort"
    )
    args = parser.parse_args()
    print("bench_synth: seconds per full-size case")
    for center in ("internal", "external"):
        time_full_cases(center, args.repeats, args.seed)
    print("bench_synth: upsampling")
    time_resampling()
    print("bench_synth: cohort difficulty")
    difficulty(args.cases, args.seed, args.size)


if __name__ == "__main__":
    main()
