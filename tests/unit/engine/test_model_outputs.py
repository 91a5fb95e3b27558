"""A study's model outputs: precomputed with the classifier (progress, cancel leaves nothing),
stored by ``study init`` from ``heatmaps.npz`` as whole-image maps the reader API returns, and
the demo study with the embedded model or simulated outputs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from model_bundles import THRESHOLDS, tiny_bundle
from study_files import write_study_toml

from model_core.classifier.bundle import load_bundle
from model_core.classifier.inference import EnsemblePredictor
from model_core.formats.heatmaps import (
    HeatmapEntry,
    full_extent_heatmap,
    read_heatmaps,
    write_heatmaps,
)
from model_core.manifest import load_manifest
from studies.engine.clock import SimulatedClock
from studies.engine.definition import load_study_definition, parse_study_definition
from studies.engine.demo_study import (
    DEMO_DEFINITION,
    DEMO_MODEL_TITLE,
    prepare_demo_files,
    with_model_outputs,
)
from studies.engine.model_outputs import PrecomputeCancelled, precompute_model_outputs
from studies.engine.reader_api import Answer, ReaderSession
from studies.engine.study_init import (
    STORED_HEATMAP_MAX_SIDE,
    StudyInitError,
    create_study,
    plan_study,
)
from studies.simulation.cohort.cohort import CohortSettings, synthesize_cohort

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory: pytest.TempPathFactory) -> EnsemblePredictor:
    return EnsemblePredictor(load_bundle(tiny_bundle(tmp_path_factory, folds=2)))


@pytest.fixture(scope="module")
def study_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic cohort (573 x 478 images) in ``folder/cohort``."""
    folder = tmp_path_factory.mktemp("study")
    synthesize_cohort(
        CohortSettings(cases=4, seed=4, size="small", malignant_fraction=0.5), folder / "cohort"
    )
    return folder


@pytest.fixture(scope="module")
def outputs(predictor: EnsemblePredictor, study_folder: Path) -> Path:
    precompute_model_outputs(
        predictor, study_folder / "cohort" / "manifest.csv", study_folder / "model"
    )
    return study_folder / "model"


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_precompute_writes_scores_and_heat_maps_with_progress(
    predictor: EnsemblePredictor, study_folder: Path, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    manifest = study_folder / "cohort" / "manifest.csv"
    written = precompute_model_outputs(
        predictor,
        manifest,
        tmp_path / "out",
        batch_size=3,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, 4), (3, 4), (4, 4)]
    assert written.scores == tmp_path / "out" / "scores.csv"
    assert written.heatmaps is not None
    ids = list(load_manifest(manifest).case_ids)
    assert list(read_heatmaps(written.heatmaps, case_ids=ids)) == ids


@pytest.mark.parametrize("stop_at", [1, 2])
def test_cancelling_leaves_nothing_behind(
    predictor: EnsemblePredictor, study_folder: Path, tmp_path: Path, stop_at: int
) -> None:
    """Cancelled before the first batch or after one: no folder made, an earlier run intact."""
    manifest = study_folder / "cohort" / "manifest.csv"
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > stop_at

    with pytest.raises(PrecomputeCancelled):
        precompute_model_outputs(
            predictor, manifest, tmp_path / "new", batch_size=2, should_stop=should_stop
        )
    assert not (tmp_path / "new").exists()
    assert list(tmp_path.iterdir()) == []

    earlier = tmp_path / "earlier"
    precompute_model_outputs(predictor, manifest, earlier, heatmaps=False)
    before = _snapshot(earlier)
    asked.clear()
    with pytest.raises(PrecomputeCancelled):
        precompute_model_outputs(
            predictor, manifest, earlier, batch_size=2, should_stop=should_stop
        )
    assert _snapshot(earlier) == before
    assert sorted(p.name for p in earlier.iterdir()) == sorted(before)  # no staging left


def _study(folder: Path, heatmaps: str = "model/heatmaps.npz") -> Path:
    return write_study_toml(
        folder,
        {
            "practice_cases": [],
            "washout_days": 0,
            "model": {"scores": "model/scores.csv", "heatmaps": heatmaps},
        },
    )


def test_study_init_stores_whole_image_maps_that_the_reader_api_returns(
    outputs: Path, study_folder: Path, tmp_path: Path
) -> None:
    loaded = load_study_definition(_study(study_folder))
    plan = plan_study(loaded, pins={"R1": "1234", "R2": "5678"})
    entries = read_heatmaps(outputs / "heatmaps.npz")
    for case in plan.cases:
        stored = case.heatmap
        assert stored is not None
        expected = full_extent_heatmap(entries[case.row.case_id], STORED_HEATMAP_MAX_SIDE)
        np.testing.assert_array_equal(stored, expected)
        assert stored.shape == (256, 214)  # the whole 573 x 478 image, aspect kept
    store = create_study(plan, f"sqlite:///{tmp_path / 'study.db'}", clock=SimulatedClock(START))
    try:
        clock = SimulatedClock(START)
        reader = ReaderSession.login(store, "R1", "1234", clock=clock)
        case = reader.open(1)
        while case is not None:
            case = reader.submit(Answer(1, 60, "4A")).next_case
        aided = reader.open(2)
        assert aided is not None and aided.model is not None
        heatmap = aided.model.heatmap
        assert heatmap is not None and heatmap.shape == (256, 214)
        expected = full_extent_heatmap(entries[aided.case_id], STORED_HEATMAP_MAX_SIDE)
        np.testing.assert_allclose(heatmap.astype(np.float32), expected, atol=1e-3)
        assert aided.model.thresholds == {"youden": 0.42}
    finally:
        store.close()


def test_study_init_refuses_heat_maps_that_do_not_fit_the_cohort(
    outputs: Path, study_folder: Path, tmp_path: Path
) -> None:
    entries = read_heatmaps(outputs / "heatmaps.npz")
    ids = list(entries)
    wrong = entries[ids[0]]
    bad = [
        HeatmapEntry(wrong.case_id, wrong.crop_map, wrong.placement, (600, 500)),  # other image
        *(entries[case_id] for case_id in ids[1:-1]),  # the last case missing
        HeatmapEntry("STRANGER", wrong.crop_map, wrong.placement, wrong.source_shape),
    ]
    bad_file = write_heatmaps(bad, study_folder / "model" / "bad_heatmaps.npz")
    with pytest.raises(StudyInitError) as caught:
        plan_study(load_study_definition(_study(study_folder, "model/bad_heatmaps.npz")))
    text = str(caught.value)
    assert f"{bad_file}: case '{ids[0]}': heat map computed on a 600 x 500 image" in text
    assert f"{bad_file}: case '{ids[-1]}': no heat map for this case" in text
    assert f"{bad_file}: case 'STRANGER': the case is not in" in text
    assert "no study was created" in text


def test_the_demo_definition_says_where_its_model_outputs_come_from(tmp_path: Path) -> None:
    simulated = parse_study_definition(
        DEMO_DEFINITION.read_text(encoding="utf-8"), source="demo", base_dir=tmp_path
    ).definition
    assert "simulated model outputs" in simulated.title
    assert simulated.model is not None and simulated.model.heatmaps is None
    text = with_model_outputs(DEMO_DEFINITION.read_text(encoding="utf-8"), 0.37)
    real = parse_study_definition(text, source="demo", base_dir=tmp_path).definition
    assert real.title == DEMO_MODEL_TITLE and "trained on synthetic data" in real.title
    assert real.model is not None
    assert real.model.heatmaps == tmp_path / "model" / "heatmaps.npz"
    assert real.model.thresholds == {"youden": 0.37}
    assert [r.id for r in real.readers] == [r.id for r in simulated.readers]


@pytest.mark.slow
def test_the_demo_study_uses_the_model_bundle_when_installed(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    bundle = tiny_bundle(tmp_path_factory, folds=2)
    text = prepare_demo_files(tmp_path, cases=4, size="small", bundle=bundle)
    definition = parse_study_definition(text, source="demo", base_dir=tmp_path)
    assert definition.definition.title == DEMO_MODEL_TITLE
    assert (tmp_path / "model" / "heatmaps.npz").is_file()
    plan = plan_study(definition)
    assert all(case.heatmap is not None for case in plan.cases)
    assert definition.definition.model is not None
    assert definition.definition.model.thresholds == {"youden": THRESHOLDS["youden"]}
    before = _snapshot(tmp_path / "model")
    prepare_demo_files(tmp_path, cases=4, size="small", bundle=bundle)  # made once
    assert _snapshot(tmp_path / "model") == before

    fallback = tmp_path / "without"
    text = prepare_demo_files(fallback, cases=4, size="small", bundle=tmp_path / "no_model")
    assert "simulated model outputs" in text
    assert (fallback / "cohort" / "model_scores.csv").is_file()
    assert not (fallback / "model").exists()
