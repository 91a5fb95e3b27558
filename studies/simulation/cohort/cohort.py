"""A synthetic CESM cohort on disk: images, masks, ``manifest.csv``, ``truth.csv``, ``synth.json``.

Layout of ``OUT`` (paths in the manifest are relative to it)::

    manifest.csv            the case manifest (docs/formats.md), one row per case (= one lesion)
    truth.csv               the simulated lesion's true parameters, for research
    synth.json              settings, acquisition profile, software versions
    cases/<case_id>/low_energy.dcm
    cases/<case_id>/recombined.dcm
    cases/<case_id>/mask.nii.gz

Safety: settings, the destination and the free disk space are checked before anything is
written. The cohort is staged and moved into place at the end (:mod:`model_core.staged_output`),
so an interrupted run never leaves half a cohort. ``OUT`` must be empty or hold an earlier cohort
of ``synth`` that nobody changed since, and that earlier cohort is replaced only with
``overwrite``; a folder holding anything else is refused, with or without ``overwrite``: this
tool never replaces or deletes data it did not make.

Splits: internal cohorts assign each case to ``train`` or ``internal_test`` (probability
``internal_test_fraction``, default 0.2) from the case's own random stream; external cohorts
are entirely ``external_test``, as in the paper's design.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from model_core.manifest import write_manifest
from model_core.provenance import software_versions
from model_core.staged_output import StagedOutput, nearest_existing
from model_core.vocabulary import CC, MALIGNANT
from studies.errors import SynthesisError
from studies.simulation.cohort.acquisition import CENTERS, SIZES, acquisition_profile
from studies.simulation.cohort.dicom_writer import CaseIdentity, write_cesm_pair
from studies.simulation.cohort.mask_writer import write_itksnap_mask
from studies.simulation.cohort.phantom import case_streams, design_case, render_case

GENERATOR = "cesm-reader synth"
FORMAT_VERSION = 1
#: The cohort's own description: settings, acquisition profile, software versions.
MARKER_FILE = "synth.json"

#: Most cases in one cohort: well above Mao et al.'s (1 239 lesions in all), so that a mistyped
#: number fails at once rather than after hours.
MAX_CASES = 10_000
#: Default share of malignant cases: close to the malignant share of Mao et al.'s cohorts.
DEFAULT_MALIGNANT_FRACTION = 0.6

#: The manifest columns a synthetic cohort fills (written in the format's order).
MANIFEST_COLUMNS: tuple[str, ...] = (
    "case_id",
    "patient_id",
    "low_energy",
    "recombined",
    "mask",
    "label",
    "center",
    "split",
    "age",
    "bi_rads",
    "diameter_cm",
    "laterality",
    "view",
    "histology",
)

_CENTER_PREFIX = {"internal": "INT", "external": "EXT"}


@dataclass(frozen=True)
class CohortSettings:
    """What to generate. ``validate()`` raises :class:`SynthesisError` on impossible values."""

    cases: int
    seed: int
    malignant_fraction: float = DEFAULT_MALIGNANT_FRACTION
    size: str = "full"
    center: str = "internal"
    internal_test_fraction: float = 0.2

    def validate(self) -> None:
        """Refuse settings that cannot make a cohort, naming the setting."""
        cases = self.cases
        if isinstance(cases, bool) or not isinstance(cases, int) or not 1 <= cases <= MAX_CASES:
            raise SynthesisError(f"cases: must be a whole number 1–{MAX_CASES}, got {cases!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SynthesisError(f"seed: must be a whole number ≥ 0, got {self.seed!r}")
        fraction = self.malignant_fraction
        if not isinstance(fraction, int | float) or not (0.0 <= fraction <= 1.0):
            raise SynthesisError(f"malignant fraction: must lie in [0, 1], got {fraction!r}")
        test = self.internal_test_fraction
        if not isinstance(test, int | float) or not (0.0 <= test <= 1.0):
            raise SynthesisError(f"internal test fraction: must lie in [0, 1], got {test!r}")
        if self.size not in SIZES:
            raise SynthesisError(f"size: expected one of {', '.join(SIZES)}, got {self.size!r}")
        if self.center not in CENTERS:
            raise SynthesisError(
                f"center: expected one of {', '.join(CENTERS)}, got {self.center!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form, recorded in ``synth.json``."""
        return asdict(self)


@dataclass(frozen=True)
class CohortResult:
    """What :func:`synthesize_cohort` made.

    Attributes:
        out_dir: the cohort folder.
        manifest: path of ``manifest.csv``.
        cases, benign, malignant: counts.
        generation_seconds: time spent drawing and rendering images.
        writing_seconds: time spent writing DICOM and NIfTI files.
        total_seconds: wall time of the whole call.
    """

    out_dir: Path
    manifest: Path
    cases: int
    benign: int
    malignant: int
    generation_seconds: float
    writing_seconds: float
    total_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        data = asdict(self)
        data["out_dir"], data["manifest"] = str(self.out_dir), str(self.manifest)
        return data

    def summary(self) -> str:
        """One line for the command line."""
        return (
            f"{self.cases} cases ({self.benign} benign, {self.malignant} malignant) in "
            f"{self.total_seconds:.1f} s (generation {self.generation_seconds:.1f} s, writing "
            f"{self.writing_seconds:.1f} s) -> {self.manifest}"
        )


def _check_free_space(settings: CohortSettings, out: Path) -> None:
    """Refuse a cohort that would not fit on the destination's disk, before generating it."""
    profile = acquisition_profile(settings.center, settings.size)
    # two 16-bit images per case; masks compress to almost nothing
    needed = settings.cases * 2 * profile.rows * profile.columns * 2
    free = shutil.disk_usage(nearest_existing(out)).free
    if needed > free:
        raise SynthesisError(
            f"--out {out}: {settings.cases} {settings.size} cases need about "
            f"{needed / 1e9:.1f} GB, and only {free / 1e9:.1f} GB are free there"
        )


def case_ids(center: str, index: int, seed: int) -> tuple[str, str]:
    """(case_id, patient_id) of case ``index``; the patient id carries the seed, so cohorts of
    different seeds can be pooled without collisions."""
    prefix = _CENTER_PREFIX[center]
    return f"{prefix}{index + 1:04d}", f"SYN{seed}-{prefix}{index + 1:04d}"


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _build(settings: CohortSettings, staging: Path, progress: Callable[[int, int], None] | None):
    profile = acquisition_profile(settings.center, settings.size)
    field_mm = (profile.rows * profile.pixel_spacing_mm, profile.columns * profile.pixel_spacing_mm)
    manifest_rows, truth_rows = [], []
    generation = writing = 0.0
    for index in range(settings.cases):
        started = time.perf_counter()
        design_rng, fields_rng, detector_rng, assign_rng = case_streams(
            settings.seed, settings.center, index, streams=4
        )
        design = design_case(design_rng, settings.malignant_fraction, field_mm)
        case = render_case(design, profile, fields_rng, detector_rng)
        written = time.perf_counter()
        generation += written - started

        case_id, patient_id = case_ids(settings.center, index, settings.seed)
        folder = staging / "cases" / case_id
        folder.mkdir(parents=True)
        identity = CaseIdentity(settings.seed, settings.center, index, case_id, patient_id)
        write_cesm_pair(case, identity, folder / "low_energy.dcm", folder / "recombined.dcm")
        write_itksnap_mask(case.mask, profile.pixel_spacing_mm, folder / "mask.nii.gz")
        writing += time.perf_counter() - written

        if settings.center == "external":
            split = "external_test"
        else:
            test = assign_rng.random() < settings.internal_test_fraction
            split = "internal_test" if test else "train"
        clinical = design.clinical
        relative = f"cases/{case_id}"
        manifest_rows.append(
            {
                "case_id": case_id,
                "patient_id": patient_id,
                "low_energy": f"{relative}/low_energy.dcm",
                "recombined": f"{relative}/recombined.dcm",
                "mask": f"{relative}/mask.nii.gz",
                "label": design.label,
                "center": settings.center,
                "split": split,
                "age": clinical.age,
                "bi_rads": clinical.bi_rads,
                "diameter_cm": f"{clinical.diameter_cm:.1f}",
                "laterality": design.breast.laterality,
                "view": CC,  # as the DICOM header says
                "histology": clinical.histology,
            }
        )
        truth_rows.append({"case_id": case_id, **case.truth()})
        if progress is not None:
            progress(index + 1, settings.cases)

    write_manifest(staging / "manifest.csv", manifest_rows)
    _write_csv(staging / "truth.csv", list(truth_rows[0]), truth_rows)
    marker = {
        "generator": GENERATOR,
        "format_version": FORMAT_VERSION,
        "settings": settings.to_dict(),
        "acquisition": profile.to_dict(),
        "software": software_versions("numpy", "scipy", "pydicom", "SimpleITK"),
    }
    (staging / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    malignant = sum(row["label"] == MALIGNANT for row in manifest_rows)
    return len(manifest_rows), malignant, generation, writing


def synthesize_cohort(
    settings: CohortSettings,
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CohortResult:
    """Generate the cohort of ``settings`` into ``out_dir`` (atomically; see module docstring).

    Raises:
        SynthesisError: impossible settings or a destination we may not replace; nothing is
            written then.
    """
    started = time.perf_counter()
    settings.validate()
    out = Path(out_dir)
    output = StagedOutput(
        out,
        "synth",
        replace_own=overwrite,
        replace_hint="pass --overwrite to replace it",
        exclusive=True,
    )
    _check_free_space(settings, output.out)
    with output as staging:
        n_cases, malignant, generation, writing = _build(settings, staging, progress)
    return CohortResult(
        out_dir=out,
        manifest=out / "manifest.csv",
        cases=n_cases,
        benign=n_cases - malignant,
        malignant=malignant,
        generation_seconds=generation,
        writing_seconds=writing,
        total_seconds=time.perf_counter() - started,
    )


__all__ = [
    "DEFAULT_MALIGNANT_FRACTION",
    "MANIFEST_COLUMNS",
    "CohortResult",
    "CohortSettings",
    "case_ids",
    "synthesize_cohort",
]
