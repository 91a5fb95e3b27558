"""``cesm-reader predict BUNDLE MANIFEST --out DIR``: end to end on a tiny cohort and bundle, and
every unusable bundle refused with the file named, exit status 2, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cesm_files import Cohort
from model_bundles import bundle_copy, tiny_bundle

from cesm_cli.main import main
from model_core.classifier.bundle import MODEL_JSON, fold_weights_name
from model_core.formats.heatmaps import read_heatmaps
from model_core.formats.problems import ProblemCollector
from model_core.formats.scores import read_scores
from model_core.staged_output import RECORD_FILE


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bundle(tmp_path_factory, folds=2)


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return Cohort.of_three_valid_cases(tmp_path / "cohort").write()


@pytest.mark.slow
def test_predict_writes_scores_and_heat_maps_for_every_case(
    bundle: Path, manifest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["predict", str(bundle), str(manifest), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["scores.csv", "heatmaps.npz", RECORD_FILE]
    )
    problems = ProblemCollector()
    scores = read_scores(out / "scores.csv", problems, known_cases=["C001", "C002", "C003"])
    assert not problems.problems and scores is not None
    assert (out / "scores.csv").read_text().splitlines()[0] == "case_id,probability,fold_1,fold_2"
    mean = (scores["fold_1"] + scores["fold_2"]) / 2
    assert (abs(scores["probability"] - mean) < 1e-6).all()
    heatmaps = read_heatmaps(out / "heatmaps.npz", case_ids=["C001", "C002", "C003"])
    assert {entry.source_shape for entry in heatmaps.values()} == {(48, 64)}
    printed = capsys.readouterr().out
    assert f"wrote {out / 'scores.csv'}" in printed and "heatmaps.npz" in printed
    # a second run replaces its own output; --manifest names the same file
    first = {name: (out / name).read_bytes() for name in ("scores.csv", "heatmaps.npz")}
    assert main(["predict", str(bundle), "--manifest", str(manifest), "--out", str(out)]) == 0
    for name, content in first.items():  # deterministic: a new process's models, same bytes
        assert (out / name).read_bytes() == content


def _remove_fold(folder: Path) -> str:
    (folder / fold_weights_name(2)).unlink()
    return f"{folder / fold_weights_name(2)}: missing"


def _change_weights(folder: Path) -> str:
    path = folder / fold_weights_name(1)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    return f"{path}: changed since the bundle was written"


def _edit_model_json(change: Callable[[dict], None], message: str) -> Callable[[Path], str]:
    def edit(folder: Path) -> str:
        path = folder / MODEL_JSON
        description = json.loads(path.read_text(encoding="utf-8"))
        change(description)
        path.write_text(json.dumps(description), encoding="utf-8")
        return message

    return edit


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(_remove_fold, id="incomplete"),
        pytest.param(_change_weights, id="tampered"),
        pytest.param(lambda folder: _forget(folder / MODEL_JSON), id="no-model-json"),
        pytest.param(
            _edit_model_json(
                lambda d: d["preprocessing"].update(clahe=True),
                "unknown preprocessing setting(s) clahe",
            ),
            id="unknown-preprocessing",
        ),
        pytest.param(
            _edit_model_json(
                lambda d: d["preprocessing"].update(margin_mm=-5),
                "would not preprocess cases as the models were trained",
            ),
            id="impossible-preprocessing",
        ),
        pytest.param(
            _edit_model_json(
                lambda d: d.update(class_order=["malignant", "benign"]), "class_order"
            ),
            id="class-order",
        ),
        pytest.param(
            _edit_model_json(lambda d: d.update(input_size=40), "input_size"), id="input-size"
        ),
    ],
)
def test_an_unusable_bundle_is_refused_naming_the_file_and_nothing_is_written(
    bundle: Path,
    manifest: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], str],
) -> None:
    copy = bundle_copy(bundle, tmp_path / "bundles")
    message = damage(copy)
    out = tmp_path / "out"
    status = main(["predict", str(copy), str(manifest), "--out", str(out)])
    error = capsys.readouterr().err
    assert status == 2
    assert error.startswith("cesm-reader predict: error: ")
    assert message in error
    assert str(copy) in error
    assert "Traceback" not in error
    assert not out.exists()


def _forget(path: Path) -> str:
    path.unlink()
    return f"{path}: missing"


def test_a_missing_manifest_or_bundle_is_an_input_error(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["predict", str(bundle), str(tmp_path / "none.csv"), "--out", str(out)]) == 2
    assert "none.csv" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "nobundle"), "x.csv", "--out", str(out)]) == 2
    assert "nobundle: not a model bundle folder" in capsys.readouterr().err
    assert main(["predict", str(bundle), "--out", str(out)]) == 2
    assert "give the case manifest" in capsys.readouterr().err
    assert not out.exists()


def test_output_in_the_way_is_refused_before_any_work(
    bundle: Path, manifest: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "scores.csv").write_text("someone else's file\n", encoding="utf-8")
    assert main(["predict", str(bundle), str(manifest), "--out", str(out)]) == 2
    assert "scores.csv" in capsys.readouterr().err
    assert (out / "scores.csv").read_text(encoding="utf-8") == "someone else's file\n"
