"""``cesm-reader evaluate BUNDLE --manifest FILE``: a bundle's AUC and threshold figures on a
labelled cohort, checked against an independent computation (``predict``'s scores and
scikit-learn), ``--record`` into ``model.json``, and bad input refused with nothing changed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from model_bundles import THRESHOLDS, bundle_copy, metadata, tiny_bundle
from sklearn.metrics import roc_auc_score

from cesm_cli.main import main
from model_core.classifier.architectures import LOGIT_LAYER
from model_core.classifier.bundle import MODEL_JSON, fold_weights_name, load_bundle, write_bundle
from model_core.formats.problems import ProblemCollector
from model_core.formats.scores import read_scores
from model_core.output_record import (
    RECORD_FILE,
    OutputRecord,
    entry_of,
    read_record,
    unchanged,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny bundle with its logits magnified: untrained, its probabilities differ only in
    the sixth decimal, ties once rounded; ×10⁶ spreads them over (0, 1)."""
    source = load_bundle(tiny_bundle(tmp_path_factory, folds=2))
    models = source.fold_models()
    for model in models:
        layer = model.get_layer(LOGIT_LAYER)
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel * 1e6, bias])
    folder = tmp_path_factory.mktemp("spread") / "bundle"
    write_bundle(folder, models, metadata(2))
    return folder


def _labels(manifest: Path) -> dict[str, int]:
    with manifest.open(newline="", encoding="utf-8") as stream:
        return {row["case_id"]: int(row["label"] == "malignant") for row in csv.DictReader(stream)}


def test_the_figures_match_predict_s_scores_and_scikit_learn(
    bundle: Path, easy_cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = ["--cache", str(tmp_path / "cache")]
    assert main(["evaluate", str(bundle), "--manifest", str(easy_cohort), "--json", *cache]) == 0
    result = json.loads(capsys.readouterr().out)
    out = tmp_path / "predicted"
    assert main(["predict", str(bundle), "--manifest", str(easy_cohort), "--out", str(out)]) == 0
    labels = _labels(easy_cohort)
    scores = read_scores(out / "scores.csv", ProblemCollector(), known_cases=list(labels))
    assert scores is not None
    probability = dict(zip(scores["case_id"], scores["probability"], strict=True))
    truth = np.array([labels[case] for case in result["probabilities"]["case_id"]])
    ours = np.array(result["probabilities"]["probability"])
    np.testing.assert_allclose(
        ours, [probability[c] for c in result["probabilities"]["case_id"]], atol=2e-6
    )
    assert result["auc"]["estimate"] == pytest.approx(roc_auc_score(truth, ours), abs=1e-9)
    assert len(set(ours)) == len(ours)  # no ties: the comparison means something
    assert 0 < result["auc"]["ci_low"] <= result["auc"]["estimate"] <= result["auc"]["ci_high"]
    assert (result["malignant"], result["benign"]) == (8, 8)
    for name, threshold in THRESHOLDS.items():
        point = result["at_thresholds"][name]
        assert point["threshold"] == threshold
        assert point["tp"] == np.sum(ours[truth == 1] >= threshold)  # called malignant: >=
        assert point["tn"] == np.sum(ours[truth == 0] < threshold)
        assert point["tp"] + point["fn"] == 8 and point["tn"] + point["fp"] == 8
        assert point["sensitivity"] == pytest.approx(point["tp"] / 8)
        assert point["specificity"] == pytest.approx(point["tn"] / 8)
        low, high = point["sensitivity_ci"]
        assert 0 <= low <= point["sensitivity"] <= high <= 1
    assert result["synthetic"] is False and result["manifest"] == str(easy_cohort)


def test_record_keeps_the_result_in_model_json_and_refuses_to_replace_it_silently(
    bundle: Path, easy_cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = bundle_copy(bundle, tmp_path)
    weights = (copy / fold_weights_name(1)).read_bytes()
    command = ["evaluate", str(copy), "--manifest", str(easy_cohort), "--cache", str(tmp_path)]
    assert main([*command, "--record", "easy"]) == 0
    printed = capsys.readouterr().out
    assert "evaluation easy (2 fold models" in printed and "AUC" in printed
    assert "youden (probability >= 0.500): sensitivity" in printed
    assert f"recorded as evaluation.easy in {copy / MODEL_JSON}" in printed
    loaded = load_bundle(copy)  # still a valid bundle: checksums of the weights untouched
    assert loaded.metadata["evaluation"]["easy"]["cases"] == 16
    assert (copy / fold_weights_name(1)).read_bytes() == weights

    before = (copy / MODEL_JSON).read_bytes()
    assert main([*command, "--record", "easy"]) == 2
    assert "already has an evaluation named 'easy'" in capsys.readouterr().err
    assert (copy / MODEL_JSON).read_bytes() == before
    assert main([*command, "--record", "again"]) == 0  # another name is added beside it
    assert set(load_bundle(copy).metadata["evaluation"]) == {"easy", "again"}
    half = _first_rows(easy_cohort, 8, tmp_path / "half.csv")
    replace = ["evaluate", str(copy), "--manifest", str(half), "--cache", str(tmp_path)]
    assert main([*replace, "--record", "easy", "--overwrite"]) == 0
    recorded = load_bundle(copy).metadata["evaluation"]
    assert recorded["easy"]["cases"] == 8 and recorded["again"]["cases"] == 16
    assert recorded["easy"]["manifest"] == str(half)


def _first_rows(manifest: Path, count: int, path: Path) -> Path:
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: count + 1]), encoding="utf-8")
    for folder in ("images",):  # the rows' relative paths resolve beside the new manifest
        link = path.parent / folder
        if not link.exists():
            link.symlink_to(manifest.parent / folder)
    return path


def test_record_keeps_the_bundle_replaceable_by_the_command_that_wrote_it(
    bundle: Path, easy_cohort: Path, tmp_path: Path
) -> None:
    """``train --out B --overwrite`` may replace its own bundle only while the output record
    says every file is unchanged: a recorded evaluation must keep the record true."""
    copy = bundle_copy(bundle, tmp_path)
    record = OutputRecord(files={name: entry_of(copy / name, "train") for name in _files(copy)})
    (copy / RECORD_FILE).write_text(record.to_json(), encoding="utf-8")
    command = ["evaluate", str(copy), "--manifest", str(easy_cohort), "--cache", str(tmp_path)]
    assert main([*command, "--record", "easy"]) == 0
    after = read_record(copy)
    assert all(unchanged(after.files[name], copy / name) for name in _files(copy))
    assert after.files[MODEL_JSON].command == "train"

    (copy / MODEL_JSON).write_text(  # changed by hand: no longer the command's own
        (copy / MODEL_JSON).read_text(encoding="utf-8") + " ", encoding="utf-8"
    )
    assert main([*command, "--record", "other"]) == 0
    assert not unchanged(read_record(copy).files[MODEL_JSON], copy / MODEL_JSON)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ({"benign"}, "0 malignant and 8 benign case(s); an evaluation needs at least 2 of each"),
        ({"benign", "E000"}, "1 malignant and 8 benign case(s)"),
    ],
)
def test_a_cohort_without_two_cases_of_each_class_is_refused_before_any_work(
    bundle: Path, easy_cohort: Path, tmp_path: Path, capsys, keep, message
) -> None:  # type: ignore[no-untyped-def]
    lines = easy_cohort.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [
        line
        for line in lines[1:]
        if any(f",{k}," in line or line.startswith(f"{k},") for k in keep)
    ]
    manifest = tmp_path / "few.csv"
    manifest.write_text(lines[0] + "".join(kept), encoding="utf-8")
    (tmp_path / "images").symlink_to(easy_cohort.parent / "images")
    cache = tmp_path / "cache"
    assert main(["evaluate", str(bundle), "--manifest", str(manifest), "--cache", str(cache)]) == 2
    assert f"{manifest}: {message}" in capsys.readouterr().err
    assert not cache.exists()  # refused before any image was read


def test_options_that_cannot_apply_are_refused(
    bundle: Path, easy_cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_split = tmp_path / "no_split.csv"
    with easy_cohort.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    with no_split.open("w", newline="", encoding="utf-8") as stream:
        fields = [f for f in rows[0] if f != "split"]
        writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "images").symlink_to(easy_cohort.parent / "images")
    command = ["evaluate", str(bundle), "--cache", str(tmp_path / "cache")]
    assert main([*command, "--manifest", str(no_split), "--split", "test"]) == 2
    assert "--split test: the manifest has no 'split' column" in capsys.readouterr().err
    assert main([*command, "--manifest", str(easy_cohort), "--overwrite"]) == 2
    assert "give --record NAME too" in capsys.readouterr().err


def test_an_unlabelled_case_or_a_tampered_bundle_is_refused_and_nothing_changes(
    bundle: Path, easy_cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = bundle_copy(bundle, tmp_path)
    before = (copy / MODEL_JSON).read_bytes()
    text = easy_cohort.read_text(encoding="utf-8").replace(",malignant,", ",,", 1)
    unlabelled = easy_cohort.with_name("unlabelled.csv")
    unlabelled.write_text(text, encoding="utf-8")
    command = ["evaluate", str(copy), "--record", "x", "--cache", str(tmp_path)]
    assert main([*command, "--manifest", str(unlabelled)]) == 2
    error = capsys.readouterr().err
    assert "line 2, case E000: label: empty; every evaluation case needs a pathology label" in error
    assert (copy / MODEL_JSON).read_bytes() == before

    weights = copy / fold_weights_name(2)
    weights.write_bytes(weights.read_bytes()[:-10])
    assert main([*command, "--manifest", str(easy_cohort)]) == 2
    assert str(weights) in capsys.readouterr().err
    assert (copy / MODEL_JSON).read_bytes() == before


def test_the_manifest_is_recorded_as_the_user_named_it(
    bundle: Path, easy_cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path relative to a work folder stays relative in model.json: a bundle that is shipped
    does not carry the folders of the computer it was evaluated on."""
    copy = bundle_copy(bundle, tmp_path)
    monkeypatch.chdir(easy_cohort.parent)
    command = ["evaluate", str(copy), "--manifest", "manifest.csv", "--cache", str(tmp_path)]
    assert main([*command, "--record", "easy"]) == 0
    assert load_bundle(copy).metadata["evaluation"]["easy"]["manifest"] == "manifest.csv"
