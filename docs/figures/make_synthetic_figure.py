"""Make ``docs/figures/synthetic_cases.png``: full-size synthetic CESM cases and 50 mm crops.

Columns: low-energy image, recombined image (both whole), then 50 mm crops around the lesion:
low-energy, recombined, and recombined with the radiologist's mask outline. Every image is
shown with the window stored in its DICOM header, as a viewer opens it. Rows are chosen to
show the range of appearances (see :data:`WISHES`). All images are SIMULATED.

    .venv/bin/python docs/figures/make_synthetic_figure.py [--seed 11] [--out PATH]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from studies.simulation.cohort.acquisition import acquisition_profile
from studies.simulation.cohort.lesions import NON_MASS
from studies.simulation.cohort.phantom import (
    SyntheticCase,
    case_streams,
    design_case,
    render_case,
)

HERE = Path(__file__).resolve().parent
CROP_MM = 50.0

#: One row per wish: (label, predicate on the design), to show the range of appearances.
WISHES = (
    ("benign", lambda d: d.lesion.margin == "circumscribed" and d.lesion.shape == "oval"),
    ("benign", lambda d: d.lesion.shape == "irregular" and d.breast.bpe in ("moderate", "marked")),
    ("malignant", lambda d: d.lesion.margin_score > 0.85 and 15 < d.lesion.diameter_mm < 30),
    ("malignant", lambda d: d.lesion.pattern == "rim" and d.lesion.diameter_mm < 35),
    ("malignant", lambda d: d.lesion.shape == NON_MASS and len(d.lesion.calcifications) > 0),
)


def pick_cases(seed: int, center: str = "internal") -> list[SyntheticCase]:
    """The first case of the seed's cohort that fits each of :data:`WISHES`, rendered."""
    profile = acquisition_profile(center, "full")
    field_mm = (profile.rows * profile.pixel_spacing_mm, profile.columns * profile.pixel_spacing_mm)
    picked: list[SyntheticCase] = []
    used: set[int] = set()
    for label, wish in WISHES:
        index = 0
        while True:
            design_rng, fields_rng, detector_rng = case_streams(seed, center, index)
            design = design_case(design_rng, 0.5, field_mm)
            if index not in used and design.label == label and wish(design):
                used.add(index)
                picked.append(render_case(design, profile, fields_rng, detector_rng))
                break
            index += 1
    return picked


def _show(axis, image: np.ndarray, window: tuple[float, float]) -> None:
    center, width = window
    axis.imshow(image, cmap="gray", vmin=center - width / 2, vmax=center + width / 2)
    axis.set_xticks([])
    axis.set_yticks([])


def _crop(case: SyntheticCase) -> tuple[slice, slice]:
    """A CROP_MM square around the lesion, shifted to stay inside the image."""
    spacing = case.pixel_spacing_mm
    side = round(CROP_MM / spacing)
    rows, cols = case.low_energy.shape
    r = round(case.lesion_center_mm[0] / spacing) - side // 2
    c = round(case.lesion_center_mm[1] / spacing) - side // 2
    r, c = min(max(r, 0), rows - side), min(max(c, 0), cols - side)
    return slice(r, r + side), slice(c, c + side)


def make_figure(cases: list[SyntheticCase], out: Path) -> None:
    """Draw the grid of ``cases`` into ``out``."""
    titles = [
        "low-energy",
        "recombined",
        "low-energy, 50 mm crop",
        "recombined, 50 mm crop",
        "radiologist's outline",
    ]
    fig, axes = plt.subplots(len(cases), 5, figsize=(16, 3.5 * len(cases)))
    for row, case in enumerate(cases):
        crop = _crop(case)
        _show(axes[row, 0], case.low_energy, case.low_energy_window)
        _show(axes[row, 1], case.recombined, case.recombined_window)
        _show(axes[row, 2], case.low_energy[crop], case.low_energy_window)
        _show(axes[row, 3], case.recombined[crop], case.recombined_window)
        _show(axes[row, 4], case.recombined[crop], case.recombined_window)
        axes[row, 4].contour(case.mask[crop], [0.5], colors="yellow", linewidths=0.8)
        lesion, breast = case.design.lesion, case.design.breast
        clinical = case.design.clinical
        axes[row, 0].set_ylabel(
            f"{case.design.label}\n{clinical.histology}\nBI-RADS {clinical.bi_rads}, "
            f"{clinical.diameter_cm:.1f} cm",
            fontsize=9,
        )
        axes[row, 1].set_xlabel(f"density {breast.density}, BPE {breast.bpe}", fontsize=9)
        axes[row, 3].set_xlabel(
            f"{lesion.shape}, {lesion.margin} (m = {lesion.margin_score:.2f}), {lesion.pattern}",
            fontsize=9,
        )
        axes[row, 4].set_xlabel(f"Dice {case.mask_dice:.2f} vs true lesion", fontsize=9)
        for column, title in enumerate(titles):
            if row == 0:
                axes[0, column].set_title(title, fontsize=10, loc="left")
    fig.suptitle(
        "SIMULATED CESM (internal centre, 2294×1914 at 0.1 mm), each image at its DICOM "
        "default window",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def main() -> None:
    """Command line: ``--seed`` and ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=HERE / "synthetic_cases.png")
    args = parser.parse_args()
    make_figure(pick_cases(args.seed), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
