"""Make ``docs/figures/synthetic_cases.png``: full-size synthetic CESM cases, benign and malignant.

Columns: low-energy image, recombined image, the radiologist's mask outline over the recombined
image, then 40 mm crops around the lesion (low-energy, and recombined with the mask outline).
Each image is shown with the window stored in its DICOM header, as a viewer would open it.

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
from studies.simulation.cohort.phantom import (
    SyntheticCase,
    case_streams,
    design_case,
    render_case,
)

HERE = Path(__file__).resolve().parent


#: One row per wish: (label, predicate on the lesion), to show the range of appearances.
WISHES = (
    ("benign", lambda lesion: lesion.margin == "circumscribed" and lesion.shape != "irregular"),
    ("benign", lambda lesion: lesion.shape == "irregular"),
    ("malignant", lambda lesion: lesion.margin == "spiculated" and lesion.diameter_mm > 15),
    ("malignant", lambda lesion: lesion.pattern == "rim"),
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
            if index not in used and design.label == label and wish(design.lesion):
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


def make_figure(cases: list[SyntheticCase], out: Path) -> None:
    """Draw the grid of ``cases`` into ``out``."""
    titles = ["low-energy", "recombined", "mask outline", "low-energy crop", "recombined crop"]
    fig, axes = plt.subplots(len(cases), 5, figsize=(15, 3.6 * len(cases)))
    for row, case in enumerate(cases):
        spacing = case.profile.pixel_spacing_mm
        half = int(max(20.0, 0.9 * case.design.lesion.diameter_mm) / spacing)
        r, c = (int(v / spacing) for v in case.lesion_center_mm)
        r0, c0 = max(r - half, 0), max(c - half, 0)
        crop = (slice(r0, r + half), slice(c0, c + half))
        _show(axes[row, 0], case.low_energy, case.low_energy_window)
        _show(axes[row, 1], case.recombined, case.recombined_window)
        _show(axes[row, 2], case.recombined, case.recombined_window)
        axes[row, 2].contour(case.mask, [0.5], colors="yellow", linewidths=0.8)
        _show(axes[row, 3], case.low_energy[crop], case.low_energy_window)
        _show(axes[row, 4], case.recombined[crop], case.recombined_window)
        axes[row, 4].contour(case.mask[crop], [0.5], colors="yellow", linewidths=0.8)
        lesion = case.design.lesion
        clinical = case.design.clinical
        axes[row, 0].set_ylabel(
            f"{case.design.label}\n{clinical.histology}\nBI-RADS {clinical.bi_rads}, "
            f"{clinical.diameter_cm:.1f} cm",
            fontsize=9,
        )
        axes[row, 4].set_xlabel(f"{lesion.shape}, {lesion.margin}, {lesion.pattern}", fontsize=9)
        axes[row, 3].set_xlabel(f"crop {2 * half * spacing:.0f} mm", fontsize=9)
        for column, title in enumerate(titles):
            if row == 0:
                axes[0, column].set_title(title, fontsize=10, loc="left")
    fig.suptitle(
        "Synthetic CESM cases (internal centre, full size 2294×1914 at 0.1 mm; crops ≥ 40 mm)",
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
