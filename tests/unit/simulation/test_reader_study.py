"""Simulated reader studies: the export contracts, determinism, and the intended structure."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from model_core.errors import ManifestError
from studies.analysis.inputs import load_inputs
from studies.errors import SynthesisError
from studies.simulation.reader_study import (
    N_FOLDS,
    READS_COLUMNS,
    simulate_case_table,
    simulate_from_manifest,
    simulate_reader_study,
    write_simulated_study,
)

TRUTH = np.array([0, 1] * 60)


@pytest.fixture(scope="module")
def study():
    return simulate_reader_study(TRUTH, n_readers=4, seed=11)


def test_reads_follow_the_export_contract(study) -> None:
    reads = study.reads
    assert tuple(reads.columns) == READS_COLUMNS
    assert len(reads) == 4 * 2 * TRUTH.size
    assert set(reads.session) == {"unaided", "aided"}
    assert reads.pom.between(0, 100).all()
    assert (reads.pom == reads.pom.round()).all()
    np.testing.assert_array_equal(reads.decision, (reads.pom >= 50).astype(int))
    assert set(reads.bi_rads) <= {"3", "4A", "4B", "4C", "5"}
    assert (reads.loc[reads.pom <= 2, "bi_rads"] == "3").all()
    assert (reads.loc[reads.pom > 95, "bi_rads"] == "5").all()
    truth_by_case = dict(zip([f"C{i + 1:04d}" for i in range(TRUTH.size)], TRUTH, strict=True))
    assert (reads.truth == reads.case_id.map(truth_by_case)).all()


def test_every_session_is_complete_and_randomised(study) -> None:
    for (_, _), session in study.reads.groupby(["reader_id", "session"]):
        assert sorted(session.case_id) == sorted(f"C{i + 1:04d}" for i in range(TRUTH.size))
        assert sorted(session.order_index) == list(range(1, TRUTH.size + 1))
        # randomised: not the manifest order
        assert not (session.order_index.to_numpy() == np.arange(1, TRUTH.size + 1)).all()
    orders = study.reads.groupby(["reader_id", "session"]).order_index.apply(tuple)
    assert orders.nunique() == len(orders)


def test_timestamps_follow_reading_order_and_the_washout(study) -> None:
    reads = study.reads.assign(
        started=pd.to_datetime(study.reads.started_at),
        submitted=pd.to_datetime(study.reads.submitted_at),
    )
    assert (reads.submitted > reads.started).all()
    for (_, _), session in reads.groupby(["reader_id", "session"]):
        ordered = session.sort_values("order_index")
        assert (ordered.started.iloc[1:].to_numpy() >= ordered.submitted.iloc[:-1].to_numpy()).all()
    first = reads[reads.reader_id == "R1"]
    gap = (
        first[first.session == "aided"].started.min()
        - first[first.session == "unaided"].started.min()
    )
    assert abs(gap - pd.Timedelta(days=60)) < pd.Timedelta(minutes=1)
    assert isinstance(datetime.fromisoformat(reads.started_at.iloc[0]), datetime)


def test_model_output_is_shown_only_when_aided(study) -> None:
    reads, scores = study.reads, study.model_scores.set_index("case_id")
    assert reads.loc[reads.session == "unaided", "model_probability"].isna().all()
    aided = reads[reads.session == "aided"]
    np.testing.assert_allclose(aided.model_probability, scores.loc[aided.case_id, "probability"])


def test_model_scores_are_the_mean_of_the_folds(study) -> None:
    scores = study.model_scores
    folds = [f"fold_{k}" for k in range(1, N_FOLDS + 1)]
    assert list(scores.columns) == ["case_id", "probability", *folds, "simulated"]
    assert (scores.simulated == 1).all()  # the provenance mark of docs/formats.md
    np.testing.assert_allclose(scores.probability, scores[folds].mean(axis=1), atol=1e-6)
    assert scores[folds].ge(0).all().all() and scores[folds].le(1).all().all()


def test_the_same_seed_gives_the_same_study() -> None:
    first = simulate_reader_study(TRUTH, n_readers=2, seed=5)
    second = simulate_reader_study(TRUTH, n_readers=2, seed=5)
    other = simulate_reader_study(TRUTH, n_readers=2, seed=6)
    pd.testing.assert_frame_equal(first.reads, second.reads)
    pd.testing.assert_frame_equal(first.model_scores, second.model_scores)
    assert not first.reads.pom.equals(other.reads.pom)


def test_aided_readers_move_toward_a_better_model() -> None:
    truth = np.array([0, 1] * 300)
    study = simulate_reader_study(truth, n_readers=5, seed=2, model_skill=3.0)
    reads = study.reads
    probability = study.model_scores.set_index("case_id").probability
    model_auc = roc_auc_score(truth, study.model_scores.probability)
    distance = {}
    mean_auc = {}
    for session in ("unaided", "aided"):
        rows = reads[reads.session == session]
        distance[session] = np.mean(np.abs(rows.pom / 100 - probability.loc[rows.case_id].values))
        mean_auc[session] = np.mean(
            [roc_auc_score(g.truth, g.pom) for _, g in rows.groupby("reader_id")]
        )
    assert distance["aided"] < distance["unaided"]
    assert mean_auc["unaided"] < mean_auc["aided"] < model_auc + 0.01
    # readers agree with each other more than chance, but not perfectly
    pivot = reads[reads.session == "unaided"].pivot(
        index="case_id", columns="reader_id", values="pom"
    )
    correlation = np.corrcoef(pivot.to_numpy().T)[np.triu_indices(5, 1)]
    assert (correlation > 0.3).all() and (correlation < 0.95).all()


def _manifest(folder: Path, header: str, *rows: str) -> Path:
    path = folder / "manifest.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_from_manifest_reads_only_labelled_cases(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        "case_id,low_energy,recombined,label",
        *(
            f"{c},{c}_le.dcm,{c}_rc.dcm,{label}"
            for c, label in zip("ABCD", ["benign", "malignant", "", "Malignant"], strict=True)
        ),
    )
    study = simulate_from_manifest(manifest, n_readers=1, seed=0)
    assert sorted(study.reads.case_id.unique()) == ["A", "B", "D"]
    assert dict(zip(study.reads.case_id, study.reads.truth, strict=True)) == {
        "A": 0,
        "B": 1,
        "D": 1,
    }


@pytest.mark.parametrize(
    ("header", "row", "error", "fragment"),
    [
        (
            "case_id,low_energy,recombined",
            "A,a.dcm,b.dcm",
            ManifestError,
            "column label: required column is missing",
        ),
        (
            "case_id,low_energy,recombined,label",
            "A,a.dcm,b.dcm,tumour",
            ManifestError,
            "unknown label 'tumour'",
        ),
        (
            "case_id,low_energy,recombined,label",
            "A,a.dcm,b.dcm,",
            SynthesisError,
            "no case has a label",
        ),
        (
            "case_id,low_energy,recombined,label",
            "A,a.dcm,b.dcm,Malignant",
            SynthesisError,
            "the only labelled case is malignant; a reader study needs benign and malignant",
        ),
    ],
)
def test_from_manifest_rejects_bad_manifests(
    tmp_path: Path, header: str, row: str, error: type[Exception], fragment: str
) -> None:
    """The manifest is read with the manifest format's own rules and messages."""
    with pytest.raises(error, match=re.escape(fragment)):
        simulate_from_manifest(_manifest(tmp_path, header, row))


@pytest.mark.parametrize(
    ("truth", "options", "fragment"),
    [
        (np.array([]), {}, "non-empty"),
        (np.array([0, 2]), {}, "only 0"),
        (np.array([0, 1]), {"n_readers": 0}, "readers: must be between 1 and 1000"),
        (np.array([0, 1]), {"n_readers": 1001}, "readers: must be between 1 and 1000"),
        (np.array([0, 1] * 1500), {"n_readers": 1000, "seed": 1}, "more than the 5,000,000 reads"),
        (np.array([0, 1]), {"seed": -1}, "seed: must be a whole number ≥ 0"),
        (np.array([0, 1]), {"case_ids": ["a", "a"]}, "unique"),
    ],
)
def test_rejects_impossible_settings(truth: np.ndarray, options: dict, fragment: str) -> None:
    with pytest.raises(SynthesisError, match=fragment):
        simulate_reader_study(truth, **options)


def test_case_table_has_the_subgroup_columns() -> None:
    cases = simulate_case_table(200, seed=1, malignant_fraction=0.3)
    assert {"case_id", "label", "center", "bi_rads", "diameter_cm"} <= set(cases.columns)
    assert (cases.label == "malignant").sum() == 60
    malignant = cases.label == "malignant"
    assert cases.diameter_cm[malignant].median() > cases.diameter_cm[~malignant].median()


def test_written_study_passes_the_analysis_validation(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=3, seed=4)
    inputs = load_inputs(files.reads, files.manifest, files.model_scores)
    assert inputs.n_cases == 30
    assert inputs.reader_ids == ("R1", "R2", "R3")


def test_from_manifest_refuses_cases_of_one_label(tmp_path: Path) -> None:
    """``analyze`` refuses such a study, so it is not simulated."""
    rows = ("A,a.dcm,b.dcm,benign", "B,c.dcm,d.dcm,BENIGN", "C,e.dcm,f.dcm,")
    manifest = _manifest(tmp_path, "case_id,low_energy,recombined,label", *rows)
    with pytest.raises(SynthesisError, match="all 2 labelled cases are benign"):
        simulate_from_manifest(manifest)
