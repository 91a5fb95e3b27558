"""The cohort on disk: manifest and truth columns, splits, marker, and the safety rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synth_files import SEED, read_csv, read_manifest, snapshot

from model_core.errors import OutputError
from model_core.staged_output import RECORD_FILE
from model_core.vocabulary import BI_RADS_LESION_SCALE
from studies.errors import SynthesisError
from studies.simulation.cohort.clinical import HISTOLOGY_PREVALENCE
from studies.simulation.cohort.cohort import (
    MANIFEST_COLUMNS,
    CohortSettings,
    synthesize_cohort,
)


def test_manifest_columns_and_values(internal_cohort: Path) -> None:
    rows = read_manifest(internal_cohort)
    assert len(rows) == 4
    assert tuple(rows[0]) == MANIFEST_COLUMNS
    assert len({row["case_id"] for row in rows}) == 4
    for row in rows:
        for column in ("low_energy", "recombined", "mask"):
            assert not Path(row[column]).is_absolute()
            assert (internal_cohort / row[column]).is_file()
        assert row["label"] in {"benign", "malignant"}
        assert row["histology"] in HISTOLOGY_PREVALENCE[row["label"]]
        assert row["bi_rads"] in BI_RADS_LESION_SCALE
        assert row["center"] == "internal"
        assert row["split"] in {"train", "internal_test"}
        assert row["view"] == "CC" and row["laterality"] in {"L", "R"}
        assert float(row["diameter_cm"]) >= 0.5
        assert 18 <= int(row["age"]) <= 90


def test_external_cohort_is_an_external_test_set(external_cohort: Path) -> None:
    rows = read_manifest(external_cohort)
    assert {row["split"] for row in rows} == {"external_test"}
    assert {row["center"] for row in rows} == {"external"}
    assert all(row["case_id"].startswith("EXT") for row in rows)


def test_truth_sidecar_describes_every_case(internal_cohort: Path) -> None:
    truth = read_csv(internal_cohort / "truth.csv")
    manifest = read_manifest(internal_cohort)
    assert [row["case_id"] for row in truth] == [row["case_id"] for row in manifest]
    for t, m in zip(truth, manifest, strict=True):
        assert t["label"] == m["label"]
        assert t["shape"] in {"round", "oval", "irregular", "non-mass"}
        assert t["margin"] in {"circumscribed", "indistinct", "spiculated"}
        assert t["enhancement_pattern"] in {"homogeneous", "heterogeneous", "rim", "clumped"}
        assert 0.0 <= float(t["margin_score"]) <= 1.0
        assert 1.05 < float(t["magnification"]) < 1.12
        assert float(t["true_diameter_mm"]) >= 5.0
        assert float(t["mean_enhancement"]) > 0.0
        # The reported diameter is the true one with a few per cent of measurement error.
        assert float(m["diameter_cm"]) == pytest.approx(float(t["true_diameter_mm"]) / 10, rel=0.25)


def test_marker_records_the_settings(internal_cohort: Path) -> None:
    marker = json.loads((internal_cohort / "synth.json").read_text(encoding="utf-8"))
    assert marker["settings"]["seed"] == SEED
    assert marker["settings"]["cases"] == 4
    assert marker["acquisition"]["pixel_spacing_mm"] == pytest.approx(0.4)
    assert not any(p.name.startswith(".") for p in internal_cohort.parent.iterdir())


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (CohortSettings(cases=0, seed=1), "cases"),
        (CohortSettings(cases=-3, seed=1), "cases"),
        (CohortSettings(cases=2, seed=-1), "seed"),
        (CohortSettings(cases=2, seed=1, malignant_fraction=1.5), "malignant fraction"),
        (CohortSettings(cases=2, seed=1, malignant_fraction=-0.1), "malignant fraction"),
        (CohortSettings(cases=2, seed=1, size="huge"), "size"),
        (CohortSettings(cases=2, seed=1, center="moon"), "center"),
        (CohortSettings(cases=2, seed=1, internal_test_fraction=2.0), "internal test fraction"),
    ],
)
def test_impossible_settings_write_nothing(
    tmp_path: Path, settings: CohortSettings, field: str
) -> None:
    out = tmp_path / "cohort"
    with pytest.raises(SynthesisError, match=field):
        synthesize_cohort(settings, out)
    assert list(tmp_path.iterdir()) == []


def test_foreign_folder_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "patient_data.csv").write_text("do not delete\n", encoding="utf-8")
    before = snapshot(tmp_path)
    for overwrite in (False, True):
        with pytest.raises(OutputError, match=r"did not write.*patient_data\.csv"):
            synthesize_cohort(
                CohortSettings(cases=1, seed=1, size="small"), out, overwrite=overwrite
            )
    assert snapshot(tmp_path) == before


def test_out_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "file.txt"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        synthesize_cohort(CohortSettings(cases=1, seed=1, size="small"), out)
    assert out.read_text(encoding="utf-8") == "x"


def test_previous_output_needs_overwrite_then_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    synthesize_cohort(CohortSettings(cases=2, seed=1, size="small"), out)
    before = snapshot(out)
    with pytest.raises(OutputError, match="--overwrite"):
        synthesize_cohort(CohortSettings(cases=1, seed=2, size="small"), out)
    assert snapshot(out) == before
    result = synthesize_cohort(CohortSettings(cases=1, seed=2, size="small"), out, overwrite=True)
    assert result.cases == 1
    assert len(read_manifest(out)) == 1
    assert not (out / "cases" / "INT0002").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort"]  # no staging left over
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [RECORD_FILE]


def test_overwrite_never_deletes_a_file_added_to_an_earlier_cohort(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    synthesize_cohort(CohortSettings(cases=2, seed=1, size="small"), out)
    (out / "cases" / "INT0002" / "my_annotation.json").write_text("{}", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(OutputError, match=r"did not write.*my_annotation\.json"):
        synthesize_cohort(CohortSettings(cases=1, seed=2, size="small"), out, overwrite=True)
    assert snapshot(tmp_path) == before


def test_an_edited_manifest_is_no_longer_the_tool_s_to_replace(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    synthesize_cohort(CohortSettings(cases=1, seed=1, size="small"), out)
    manifest = out / "manifest.csv"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(OutputError, match=r"changed since.*manifest\.csv"):
        synthesize_cohort(CohortSettings(cases=1, seed=2, size="small"), out, overwrite=True)


def test_empty_existing_folder_is_used(tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    out.mkdir()
    synthesize_cohort(CohortSettings(cases=1, seed=1, size="small"), out)
    assert len(read_manifest(out)) == 1


def test_crash_mid_cohort_leaves_no_half_cohort(tmp_path: Path) -> None:
    out = tmp_path / "cohort"

    def crash_after_first_case(done: int, total: int) -> None:
        if done == 1:
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        synthesize_cohort(
            CohortSettings(cases=3, seed=1, size="small"), out, progress=crash_after_first_case
        )
    assert list(tmp_path.iterdir()) == []


def test_result_counts_and_summary(tmp_path: Path) -> None:
    result = synthesize_cohort(CohortSettings(cases=3, seed=5, size="small"), tmp_path / "c")
    labels = [row["label"] for row in read_manifest(tmp_path / "c")]
    assert (result.benign, result.malignant) == (labels.count("benign"), labels.count("malignant"))
    assert "3 cases" in result.summary()
    assert result.to_dict()["cases"] == 3


@pytest.mark.parametrize(("fraction", "label"), [(0.0, "benign"), (1.0, "malignant")])
def test_extreme_fractions_give_one_class(tmp_path: Path, fraction: float, label: str) -> None:
    synthesize_cohort(
        CohortSettings(cases=3, seed=9, size="small", malignant_fraction=fraction), tmp_path / "c"
    )
    assert {row["label"] for row in read_manifest(tmp_path / "c")} == {label}
