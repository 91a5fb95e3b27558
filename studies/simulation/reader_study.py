"""Simulated reader studies: reads and model scores (docs/formats.md) with known structure.

The analysis, its tests, the benchmark and the demo need reader studies whose statistical shape is
realistic and whose answers are known, without radiologists. The generator is a binormal latent
model with a shared case effect:

* every case has a hidden "apparent malignancy" ``z`` shared by all readers and the model, so
  readers agree with one another more than chance would (kappa > 0) and their errors correlate,
  as the Obuchowski–Rockette analysis assumes;
* reader ``j`` sees ``skill_j * (truth - ½) + √ρ z + √(1-ρ) ε_ij``; its probability of malignancy
  (pom, 0–100, integer, as typed into the decision panel) is a logistic transform, and its
  decision is ``pom ≥ 50`` after a personal bias;
* the model sees the same case effect with its own (larger) skill; the five fold models add a
  little noise each and their probabilities are averaged, like the paper's ensemble;
* in the aided session, after the washout, each reader re-reads with fresh noise and moves a
  personal fraction ``reliance_j`` of the way toward the model's latent score — so aided readers
  agree more with the model and, when the model is better, improve.

Every row written is marked ``simulated`` = 1 (docs/formats.md), so an analysis of the files
says that its data are simulated wherever it shows them. Everything is drawn from one
``numpy.random.Generator`` seeded by ``seed``, in a fixed order, so
the same arguments always give the same study.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model_core.formats.reads import READS_COLUMNS, write_reads
from model_core.formats.scores import fold_column, write_scores
from model_core.limits import MAX_READERS
from model_core.manifest import load_manifest, write_manifest
from model_core.vocabulary import (
    AIDED,
    BENIGN,
    BI_RADS_LESION_SCALE,
    LABEL_CODES,
    MALIGNANT,
    SESSIONS,
)
from studies.errors import SynthesisError

N_FOLDS = 5
READS_FILE = "reads.csv"
SCORES_FILE = "model_scores.csv"
#: What :meth:`SimulatedStudy.write` writes.
STUDY_FILES: tuple[str, ...] = (READS_FILE, SCORES_FILE)
#: Most reads of a simulated study, far above any real reader study (Mao et al.: 6 readers × 146
#: cases × 2), so that a mistyped number fails at once instead of running out of memory.
MAX_READS = 5_000_000
#: Share of a latent score's variance that comes from the case effect common to every reader.
CASE_CORRELATION = 0.5
#: Upper pom bounds (inclusive) of BI-RADS 3, 4A, 4B and 4C (ACR BI-RADS likelihoods of
#: malignancy: ≤ 2 %, 2–10 %, 10–50 %, 50–95 %); above the last is BI-RADS 5.
BI_RADS_POM_BOUNDS: tuple[tuple[float, str], ...] = tuple(
    zip((2, 10, 50, 95), BI_RADS_LESION_SCALE[:-1], strict=True)
)


@dataclass(frozen=True)
class ReaderProfile:
    """The hidden traits of one simulated reader.

    Attributes:
        reader_id: e.g. ``"R1"``.
        skill: separation of malignant from benign latent means (d′); the reader's unaided AUC
            is about Φ(skill / √2).
        reliance: fraction (0–1) of the way the aided reader moves toward the model's score.
        bias: latent threshold; positive = more conservative (fewer malignant calls).
    """

    reader_id: str
    skill: float
    reliance: float
    bias: float


@dataclass(frozen=True)
class SimulatedStudy:
    """A simulated reader study: the reads export, the model scores and the readers' traits."""

    reads: pd.DataFrame
    model_scores: pd.DataFrame
    readers: tuple[ReaderProfile, ...]

    def write(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``reads.csv`` and ``model_scores.csv`` into ``directory``; returns both paths."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        reads_path = write_reads(self.reads, folder / READS_FILE)
        scores_path = write_scores(self.model_scores, folder / SCORES_FILE)
        return reads_path, scores_path


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _bi_rads_from_pom(pom: np.ndarray) -> np.ndarray:
    categories = np.full(pom.shape, BI_RADS_LESION_SCALE[-1], dtype=object)
    for bound, category in reversed(BI_RADS_POM_BOUNDS):
        categories[pom <= bound] = category
    return categories


def _check_truth(truth: np.ndarray) -> np.ndarray:
    labels = np.asarray(truth)
    if labels.ndim != 1 or labels.size == 0:
        raise SynthesisError(f"truth must be a non-empty 1-D vector, got shape {labels.shape}")
    if not np.all(np.isin(labels, (0, 1))):
        raise SynthesisError("truth must contain only 0 (benign) and 1 (malignant)")
    return labels.astype(int)


def check_study_size(n_readers: int, n_cases: int) -> None:
    """Refuse a number of readers outside 1–:data:`MAX_READERS`, or more than
    :data:`MAX_READS` reads, before any work (the demo checks its arguments with it).

    Raises:
        SynthesisError: naming the number refused.
    """
    if not 1 <= n_readers <= MAX_READERS:
        raise SynthesisError(f"readers: must be between 1 and {MAX_READERS}, got {n_readers}")
    if n_readers * n_cases * len(SESSIONS) > MAX_READS:
        raise SynthesisError(
            f"{n_readers} readers × {n_cases} cases × {len(SESSIONS)} sessions is more than the "
            f"{MAX_READS:,} reads a simulated study may have"
        )


def simulate_reader_study(
    truth: np.ndarray,
    case_ids: list[str] | None = None,
    *,
    n_readers: int = 5,
    seed: int = 0,
    model_skill: float = 2.8,
    skill_range: tuple[float, float] = (1.2, 2.2),
    reliance_range: tuple[float, float] = (0.3, 0.7),
    study_id: str = "SIM",
    washout_days: int = 60,
    start: datetime | None = None,
) -> SimulatedStudy:
    """Simulate an unaided and an aided session of ``n_readers`` readers on the given cases.

    Args:
        truth: shape (cases,), 1 = malignant, 0 = benign.
        case_ids: one id per case; default ``C0001``, ``C0002``, ...
        n_readers: number of readers R (≥ 1).
        seed: seed of the only random generator used.
        model_skill: the model's d′ (model AUC ≈ Φ(model_skill / √2); 2.8 gives ≈ 0.98).
        skill_range: readers' d′ are drawn uniformly from this range.
        reliance_range: readers' reliance on the model (aided session) are drawn from this range.
        study_id: written to every row.
        washout_days: days between a reader's unaided and aided session.
        start: start of the first unaided session (default 2024-01-08 09:00 UTC).

    Raises:
        SynthesisError: on an empty or non-binary truth, mismatched ids, a number of readers
            outside 1–:data:`MAX_READERS`, more than :data:`MAX_READS` reads, or a negative seed.
    """
    labels = _check_truth(truth)
    n_cases = labels.size
    ids = [f"C{i + 1:04d}" for i in range(n_cases)] if case_ids is None else list(case_ids)
    if len(ids) != n_cases or len(set(ids)) != n_cases:
        raise SynthesisError(f"need {n_cases} unique case ids, got {len(set(ids))} unique")
    check_study_size(n_readers, n_cases)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SynthesisError(f"seed: must be a whole number ≥ 0, got {seed!r}")
    rng = np.random.default_rng(seed)
    start = start or datetime(2024, 1, 8, 9, 0, tzinfo=UTC)
    centred = labels - 0.5
    case_effect = rng.standard_normal(n_cases)

    model_latent = (
        model_skill * centred
        + np.sqrt(CASE_CORRELATION) * case_effect
        + np.sqrt(1 - CASE_CORRELATION) * rng.standard_normal(n_cases)
    )
    folds = _sigmoid(1.5 * model_latent + 0.3 * rng.standard_normal((N_FOLDS, n_cases)))
    folds = np.round(folds, 6)
    probability = np.round(folds.mean(axis=0), 6)
    scores = pd.DataFrame({"case_id": ids, "probability": probability})
    for k in range(N_FOLDS):
        scores[fold_column(k + 1)] = folds[k]
    scores["simulated"] = 1  # the provenance mark of docs/formats.md

    profiles = tuple(
        ReaderProfile(
            reader_id=f"R{j + 1}",
            skill=float(rng.uniform(*skill_range)),
            reliance=float(rng.uniform(*reliance_range)),
            bias=float(rng.normal(0.0, 0.3)),
        )
        for j in range(n_readers)
    )
    frames = []
    for j, profile in enumerate(profiles):
        unaided = (
            profile.skill * centred
            + np.sqrt(CASE_CORRELATION) * case_effect
            + np.sqrt(1 - CASE_CORRELATION) * rng.standard_normal(n_cases)
        )
        rereading = unaided + 0.3 * rng.standard_normal(n_cases)
        aided = (1 - profile.reliance) * rereading + profile.reliance * model_latent
        reader_start = start + timedelta(days=j)
        for session, latent in zip(SESSIONS, (unaided, aided), strict=True):
            session_start = reader_start + timedelta(days=washout_days if session == AIDED else 0)
            frames.append(
                _session_rows(
                    rng,
                    profile,
                    session,
                    latent,
                    labels,
                    ids,
                    probability,
                    session_start,
                    study_id,
                )
            )
    reads = pd.concat(frames, ignore_index=True)[list(READS_COLUMNS)]
    return SimulatedStudy(reads=reads, model_scores=scores, readers=profiles)


def _session_rows(
    rng: np.random.Generator,
    profile: ReaderProfile,
    session: str,
    latent: np.ndarray,
    labels: np.ndarray,
    ids: list[str],
    probability: np.ndarray,
    session_start: datetime,
    study_id: str,
) -> pd.DataFrame:
    """One reader's session: decisions, pom, BI-RADS, randomised order and timestamps."""
    n_cases = labels.size
    pom = np.clip(np.round(100 * _sigmoid(1.6 * (latent - profile.bias))), 0, 100).astype(int)
    speed = 0.85 if session == AIDED else 1.0
    reading_time = np.round(speed * rng.lognormal(np.log(40.0), 0.45, n_cases), 1)
    order = rng.permutation(n_cases)  # order[k] = the case read at position k
    order_index = np.empty(n_cases, dtype=int)
    order_index[order] = np.arange(1, n_cases + 1)
    gaps = np.round(rng.uniform(2.0, 8.0, n_cases), 1)
    # Cumulative clock in reading order: each case starts after the previous one plus a gap.
    elapsed_in_order = np.cumsum(reading_time[order] + gaps[order]) - reading_time[order]
    started_offset = np.empty(n_cases)
    started_offset[order] = elapsed_in_order
    started = [session_start + timedelta(seconds=float(s)) for s in started_offset]
    submitted = [
        t + timedelta(seconds=float(r)) for t, r in zip(started, reading_time, strict=True)
    ]
    shown = probability if session == AIDED else np.full(n_cases, np.nan)
    return pd.DataFrame(
        {
            "study_id": study_id,
            "reader_id": profile.reader_id,
            "session": session,
            "case_id": ids,
            "truth": labels,
            "decision": (pom >= 50).astype(int),
            "pom": pom,
            "bi_rads": _bi_rads_from_pom(pom),
            "reading_time_s": reading_time,
            "order_index": order_index,
            "started_at": [t.isoformat(timespec="seconds") for t in started],
            "submitted_at": [t.isoformat(timespec="seconds") for t in submitted],
            "model_probability": shown,
            "simulated": 1,
        }
    )


def simulate_from_manifest(manifest: str | Path, **options: Any) -> SimulatedStudy:
    """Simulate a reader study on the labelled cases of a case manifest (``docs/formats.md``).

    The manifest is read by :func:`model_core.manifest.load_manifest`, with its rules and
    messages; its image files are not opened. Cases with an empty label are left out (the
    analysis refuses to score them). ``options`` are passed to :func:`simulate_reader_study`.

    The labelled cases must include both labels: ``cesm-reader analyze`` refuses a study
    whose cases are all benign or all malignant (sensitivity, specificity and the AUC need
    both), so such a study is refused here rather than written.

    Raises:
        ManifestError: the manifest is malformed (every problem listed).
        SynthesisError: no case has a label, or the labelled cases are all benign or all
            malignant (one labelled case included).
    """
    cases = load_manifest(manifest)
    labelled = [row for row in cases.rows if row.label is not None]
    if not labelled:
        raise SynthesisError(f"{manifest}: no case has a label (benign or malignant)")
    labels = {row.label for row in labelled}
    if len(labels) == 1:
        (only,) = labels
        count = (
            f"the only labelled case is {only}"
            if len(labelled) == 1
            else f"all {len(labelled)} labelled cases are {only}"
        )
        raise SynthesisError(
            f"{manifest}: {count}; a reader study needs benign and malignant cases (the "
            "analysis refuses one without both: sensitivity, specificity and the AUC need both)"
        )
    truth = np.array([LABEL_CODES[row.label] for row in labelled if row.label is not None])
    return simulate_reader_study(truth, [row.case_id for row in labelled], **options)


def simulate_case_table(
    n_cases: int, *, seed: int = 0, malignant_fraction: float = 0.5, centers: int = 2
) -> pd.DataFrame:
    """A manifest-shaped case table (no images) with labels and the paper's subgroup columns.

    For analysis tests and benchmarks that need labels, ``bi_rads``, ``diameter_cm`` and
    ``center`` but no pixels: malignant lesions tend to be larger and to carry higher BI-RADS
    categories, so the subgroups differ as in the paper. Image paths are placeholders.
    """
    if n_cases < 2:
        raise SynthesisError(f"n_cases must be at least 2, got {n_cases}")
    if not 0 < malignant_fraction < 1:
        raise SynthesisError(f"malignant_fraction must be in (0, 1), got {malignant_fraction}")
    rng = np.random.default_rng(seed)
    n_malignant = round(n_cases * malignant_fraction)
    n_malignant = min(max(n_malignant, 1), n_cases - 1)
    truth = np.zeros(n_cases, dtype=int)
    truth[rng.choice(n_cases, n_malignant, replace=False)] = 1
    ids = [f"C{i + 1:04d}" for i in range(n_cases)]
    diameter = np.round(rng.lognormal(np.log(np.where(truth == 1, 2.3, 1.5)), 0.45), 1)
    birads_pool = np.array(BI_RADS_LESION_SCALE)
    benign_p = np.array([0.20, 0.40, 0.25, 0.10, 0.05])
    malignant_p = np.array([0.02, 0.10, 0.25, 0.33, 0.30])
    bi_rads = np.where(
        truth == 1,
        rng.choice(birads_pool, n_cases, p=malignant_p),
        rng.choice(birads_pool, n_cases, p=benign_p),
    )
    center_names = ["internal", "external"] + [f"site_{k + 3}" for k in range(max(centers - 2, 0))]
    center = rng.choice(center_names[: max(centers, 1)], n_cases)
    return pd.DataFrame(
        {
            "case_id": ids,
            "low_energy": [f"images/{c}_LE.dcm" for c in ids],
            "recombined": [f"images/{c}_REC.dcm" for c in ids],
            "label": np.where(truth == 1, MALIGNANT, BENIGN),
            "center": center,
            "bi_rads": bi_rads,
            "diameter_cm": diameter,
        }
    )


@dataclass(frozen=True)
class StudyFiles:
    """Paths of a simulated study written to disk: the inputs of ``cesm-reader analyze``."""

    reads: Path
    manifest: Path
    model_scores: Path


def write_simulated_study(
    directory: str | Path,
    *,
    n_cases: int = 100,
    n_readers: int = 5,
    seed: int = 0,
    malignant_fraction: float = 0.5,
) -> StudyFiles:
    """Write a simulated ``manifest.csv``, ``reads.csv`` and ``model_scores.csv`` into a folder.

    For tests, benchmarks and the demo: the inputs of ``cesm-reader analyze``, deterministic
    by ``seed``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    cases = simulate_case_table(n_cases, seed=seed, malignant_fraction=malignant_fraction)
    manifest_path = write_manifest(
        folder / "manifest.csv",
        [{str(k): v for k, v in row.items()} for row in cases.to_dict("records")],
    )
    study = simulate_from_manifest(manifest_path, n_readers=n_readers, seed=seed + 1)
    reads_path, scores_path = study.write(folder)
    return StudyFiles(reads=reads_path, manifest=manifest_path, model_scores=scores_path)
