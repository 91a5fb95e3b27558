"""The whole analysis on a simulated study: results.json shapes (docs/analysis.md) and numbers that
agree with the estimators called directly."""

from __future__ import annotations

import dataclasses
import json
import math
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studies.analysis.ci_convention import CiConvention, parse_ci_convention
from studies.analysis.diagnostic import diagnostic_metrics
from studies.analysis.inputs import SESSIONS, StudyInputs, load_inputs
from studies.analysis.kappa import cohen_kappa
from studies.analysis.mcnemar import mcnemar_all
from studies.analysis.mrmc import obuchowski_rockette
from studies.analysis.numbers import strict_json
from studies.analysis.pipeline import run_analysis
from studies.analysis.roc import auc_delong, auprc, delong_test, youden_threshold
from studies.analysis.settings import AnalysisSettings
from studies.analysis.subgroups import analyse_subgroups, subgroup_definition
from studies.simulation.reader_study import write_simulated_study

N_CASES, N_READERS = 80, 3
SUBGROUPS = ("bi_rads", "diameter_cm", "center")
PROPORTION_KEYS = {"estimate", "ci_low", "ci_high", "x", "n"}
TEST_KEYS = {"statistic", "p_value", "method"}
AUC_KEYS = {"estimate", "ci_low", "ci_high", "se"}
METRIC_NAMES = ("accuracy", "sensitivity", "specificity", "ppv", "npv")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> StudyInputs:
    folder = tmp_path_factory.mktemp("study")
    files = write_simulated_study(folder, n_cases=N_CASES, n_readers=N_READERS, seed=7)
    return load_inputs(files.reads, files.manifest, files.model_scores, subgroup_columns=SUBGROUPS)


@pytest.fixture(scope="module")
def settings() -> AnalysisSettings:
    return AnalysisSettings(subgroup_columns=SUBGROUPS)


@pytest.fixture(scope="module")
def result(inputs: StudyInputs, settings: AnalysisSettings):
    return run_analysis(inputs, settings)


def _refuse_constant(token: str) -> None:
    raise AssertionError(f"results.json contains {token}")


@pytest.fixture(scope="module")
def document(result) -> dict:
    return json.loads(result.to_json(), parse_constant=_refuse_constant)


def _assert_proportion(value: dict) -> None:
    assert set(value) >= PROPORTION_KEYS


def _assert_test(value: dict) -> None:
    assert set(value) >= TEST_KEYS


def _assert_mcnemar_entry(value: dict, primary: str = "chi2_cc") -> None:
    _assert_test(value)
    assert value["method"] == primary
    assert {"b", "c", "n"} <= set(value)
    assert set(value["alternatives"]) == {"chi2_cc", "exact", "mid_p"} - {primary}
    for alternative in value["alternatives"].values():
        _assert_test(alternative)
        assert (alternative["b"], alternative["c"]) == (value["b"], value["c"])


# ----------------------------------------------------------------------------- shapes


def test_top_level_keys_are_those_of_the_design(document: dict) -> None:
    assert set(document) == {
        "simulated",
        "provenance",
        "reading_time",
        "cases",
        "readers",
        "kappa",
        "model",
        "model_vs_readers",
        "subgroups",
        "mrmc",
        "settings",
    }


def test_readers_section(document: dict) -> None:
    assert list(document["readers"]) == ["R1", "R2", "R3"]
    for reader in document["readers"].values():
        assert set(reader) == {"unaided", "aided", "mcnemar", "delong"}
        _assert_test(reader["delong"])
        assert reader["delong"]["auc1"] == reader["aided"]["auc"]["estimate"]
        for session in SESSIONS:
            entry = reader[session]
            assert {"tp", "fp", "tn", "fn", "f1", "auc", *METRIC_NAMES} <= set(entry)
            for name in METRIC_NAMES:
                _assert_proportion(entry[name])
            assert set(entry["auc"]) >= AUC_KEYS
        assert set(reader["mcnemar"]) == {"accuracy", "sensitivity", "specificity"}
        for test in reader["mcnemar"].values():
            _assert_mcnemar_entry(test)


def test_kappa_section(document: dict) -> None:
    assert set(document["kappa"]) == set(SESSIONS)
    for pairs in document["kappa"].values():
        assert list(pairs) == ["R1 vs R2", "R1 vs R3", "R2 vs R3"]
        for pair in pairs.values():
            assert {"kappa", "se", "ci_low", "ci_high", "reader_1", "reader_2"} <= set(pair)
            assert set(pair["bi_rads"]) == {"linear", "quadratic"}
            assert pair["bi_rads"]["linear"]["weights"] == "linear"


def test_model_section(document: dict) -> None:
    model = document["model"]
    assert {"auc", "auprc", "thresholds", "at_thresholds"} <= set(model)
    assert set(model["auc"]) >= AUC_KEYS
    names = {"youden", "high_sensitivity", "high_specificity"}
    assert set(model["thresholds"]) == set(model["at_thresholds"]) == names
    for metrics in model["at_thresholds"].values():
        for name in METRIC_NAMES:
            _assert_proportion(metrics[name])
    sensitivity = model["at_thresholds"]["high_sensitivity"]["sensitivity"]["estimate"]
    specificity = model["at_thresholds"]["high_specificity"]["specificity"]["estimate"]
    assert sensitivity >= 0.95 and specificity >= 0.95


def test_model_vs_readers_section(document: dict) -> None:
    assert list(document["model_vs_readers"]) == ["R1", "R2", "R3"]
    for sessions in document["model_vs_readers"].values():
        assert set(sessions) == set(SESSIONS)
        for comparison in sessions.values():
            assert set(comparison["mcnemar"]) == {"accuracy", "sensitivity", "specificity"}
            for test in comparison["mcnemar"].values():
                _assert_mcnemar_entry(test)
            _assert_test(comparison["delong"])


def test_subgroups_section(document: dict) -> None:
    subgroups = document["subgroups"]
    assert list(subgroups) == list(SUBGROUPS)
    assert set(subgroups["bi_rads"]["groups"]) <= {"3", "4", "4A", "4B", "4C", "5"}
    assert list(subgroups["diameter_cm"]["groups"]) == ["≤ 2 cm", "> 2 cm"]
    for analysis in subgroups.values():
        for group in analysis["groups"].values():
            assert {"n_cases", "n_malignant", "n_benign", "readers", "model"} <= set(group)
            assert set(group["readers"]) == {"R1", "R2", "R3"}
            _assert_proportion(group["readers"]["R1"]["aided"]["sensitivity"])


def test_mrmc_section(document: dict) -> None:
    mrmc = document["mrmc"]
    assert {"auc_delong", "auc_jackknife", "sensitivity", "specificity", "reader_averaged"} <= set(
        mrmc
    )
    assert mrmc["auc_delong"]["covariance_method"] == "delong"
    assert mrmc["auc_jackknife"]["covariance_method"] == "jackknife"
    assert mrmc["sensitivity"]["figure_of_merit"] == "sensitivity"
    assert set(mrmc["reader_averaged"]) == set(SESSIONS)


def test_settings_section(document: dict) -> None:
    settings = document["settings"]
    assert settings["ci_convention"] == "paper"
    assert settings["ci_methods"] == {
        "accuracy": "clopper_pearson",
        "sensitivity": "wilson_cc",
        "specificity": "wilson_cc",
        "ppv": "wilson_cc",
        "npv": "wilson_cc",
    }
    assert settings["alpha"] == 0.05
    assert settings["mcnemar_method"] == "chi2_cc"
    assert {"numpy", "scipy", "statsmodels", "pandas", "cesm-reader"} <= set(settings["versions"])
    assert settings["model_thresholds"]["youden"]["source"] == "computed"
    assert settings["study"]["n_cases"] == N_CASES
    assert set(settings["study"]["sha256"]) == {"reads", "manifest", "model_scores"}
    assert all(len(digest) == 64 for digest in settings["study"]["sha256"].values())


# -------------------------------------------------------------------- numbers agree


def test_reader_numbers_match_the_estimators(inputs: StudyInputs, result) -> None:
    truth = inputs.truth
    for r, reader in enumerate(result.readers):
        for s, session in enumerate(SESSIONS):
            outcome = reader.sessions[session]
            assert outcome.metrics == diagnostic_metrics(truth, inputs.decision[s, r])
            assert outcome.auc == auc_delong(inputs.pom[s, r], truth)
        correct = inputs.decision[:, r] == truth
        expected = mcnemar_all(correct[0].astype(int), correct[1].astype(int))
        assert reader.mcnemar.accuracy.primary == expected.chi2_cc
        assert reader.mcnemar.accuracy.alternatives == (expected.exact, expected.mid_p)
        malignant = truth == 1
        on_malignant = mcnemar_all(correct[0, malignant].astype(int), correct[1, malignant])
        assert reader.mcnemar.sensitivity.primary == on_malignant.chi2_cc


def test_counts_add_up(inputs: StudyInputs, document: dict) -> None:
    for reader in document["readers"].values():
        for session in SESSIONS:
            entry = reader[session]
            assert entry["tp"] + entry["fp"] + entry["tn"] + entry["fn"] == N_CASES
            assert entry["tp"] + entry["fn"] == inputs.n_malignant
            assert entry["accuracy"]["x"] == entry["tp"] + entry["tn"]
            assert entry["sensitivity"]["n"] == inputs.n_malignant
            assert entry["specificity"]["n"] == N_CASES - inputs.n_malignant
    diameters = document["subgroups"]["diameter_cm"]["groups"].values()
    assert sum(group["n_cases"] for group in diameters) == N_CASES
    assert sum(group["n_malignant"] for group in diameters) == inputs.n_malignant


def test_kappa_matches_the_estimator(inputs: StudyInputs, result) -> None:
    for s, session in enumerate(SESSIONS):
        for pair, (a, b) in zip(
            result.kappa[session], combinations(range(N_READERS), 2), strict=True
        ):
            expected = cohen_kappa(inputs.decision[s, a], inputs.decision[s, b], levels=(0, 1))
            assert pair.decision == expected
            assert pair.bi_rads_quadratic.kappa == pytest.approx(
                cohen_kappa(
                    inputs.bi_rads[s, a],
                    inputs.bi_rads[s, b],
                    weights="quadratic",
                    levels=("3", "4A", "4B", "4C", "5"),
                ).kappa
            )


def test_model_numbers_match_the_estimators(inputs: StudyInputs, result) -> None:
    scores, truth = inputs.model_scores, inputs.truth
    model = result.model
    assert model.auc == auc_delong(scores, truth)
    assert model.auprc == auprc(scores, truth)
    youden = youden_threshold(scores, truth)[0]
    assert model.thresholds["youden"].value == youden.threshold
    at_youden = model.at_thresholds["youden"]
    assert (at_youden.tp, at_youden.fp) == (youden.tp, youden.fp)
    calls = (scores >= youden.threshold).astype(int)
    comparison = next(
        c for c in result.model_vs_readers if (c.reader_id, c.session) == ("R2", "aided")
    )
    correct_model = (calls == truth).astype(int)
    correct_reader = (inputs.decision[1, 1] == truth).astype(int)
    assert comparison.mcnemar.accuracy.primary == mcnemar_all(correct_model, correct_reader).chi2_cc
    assert comparison.delong == delong_test(scores, inputs.pom[1, 1] / 100, truth)


def test_mrmc_matches_the_estimator(inputs: StudyInputs, result) -> None:
    expected = obuchowski_rockette(
        inputs.pom, inputs.truth, covariance="jackknife", reader_ids=inputs.reader_ids
    )
    assert result.mrmc.auc_jackknife.p_value == expected.p_value
    np.testing.assert_array_equal(result.mrmc.auc_jackknife.fom, expected.fom)
    averaged = result.mrmc.reader_averaged["aided"].sensitivity
    sensitivities = [r.sessions["aided"].metrics.sensitivity.estimate for r in result.readers]
    assert averaged == pytest.approx(np.mean(sensitivities))
    assert result.mrmc.sensitivity.mean_fom[1] == pytest.approx(averaged)


def test_subgroup_numbers_match_the_estimators(inputs: StudyInputs, result) -> None:
    analysis = next(a for a in result.subgroups if a.column == "bi_rads")
    for group in analysis.groups:
        mask = inputs.cases["bi_rads"].to_numpy() == group.label
        assert group.n_cases == mask.sum()
        expected = diagnostic_metrics(inputs.truth[mask], inputs.decision[0, 2, mask])
        assert group.readers["R3"]["unaided"] == expected


def test_results_follow_the_ids_not_the_row_order(tmp_path: Path) -> None:
    """Shuffled files and ids whose text order is not the manifest order: every count, McNemar
    b/c and subgroup is recomputed here from the raw CSVs with pandas, by id."""
    files = write_simulated_study(tmp_path, n_cases=40, n_readers=3, seed=8)
    frames = {
        name: pd.read_csv(path, dtype=str, keep_default_na=False)
        for name, path in (("m", files.manifest), ("r", files.reads), ("s", files.model_scores))
    }
    rng = np.random.default_rng(0)
    shuffled_ids = rng.permutation([f"{i:03d}" for i in range(40)])
    new_ids = dict(zip(frames["m"].case_id, shuffled_ids, strict=True))
    for frame in frames.values():
        frame["case_id"] = frame["case_id"].map(new_ids)
    frames["r"]["reader_id"] = frames["r"]["reader_id"].map({"R1": "Zed", "R2": "al", "R3": "R10"})
    for frame, path, seed in zip(
        frames.values(), (files.manifest, files.reads, files.model_scores), (1, 2, 3), strict=True
    ):
        frame.sample(frac=1.0, random_state=seed).to_csv(path, index=False)
    inputs = load_inputs(
        files.reads, files.manifest, files.model_scores, subgroup_columns=SUBGROUPS
    )
    document = run_analysis(inputs, AnalysisSettings(subgroup_columns=SUBGROUPS)).to_dict()

    label = frames["m"].set_index("case_id").label.map({"benign": 0, "malignant": 1})
    reads = frames["r"].assign(decision=lambda f: f.decision.astype(int))
    calls = reads.pivot(index="case_id", columns=["reader_id", "session"], values="decision")
    correct = calls.eq(label.loc[calls.index], axis=0)
    malignant = label.loc[calls.index] == 1
    scores = frames["s"].set_index("case_id").probability.astype(float).loc[calls.index]
    threshold = document["model"]["thresholds"]["youden"]
    model_correct = (scores >= threshold).astype(int) == label.loc[calls.index]
    small = frames["m"].set_index("case_id").diameter_cm.astype(float).loc[calls.index] <= 2
    assert list(document["readers"]) == ["R10", "Zed", "al"]
    for reader in ("R10", "Zed", "al"):
        unaided, aided = correct[(reader, "unaided")], correct[(reader, "aided")]
        for session in SESSIONS:
            called = calls[(reader, session)] == 1
            entry = document["readers"][reader][session]
            assert entry["tp"] == (called & malignant).sum()
            assert entry["fp"] == (called & ~malignant).sum()
            versus = document["model_vs_readers"][reader][session]["mcnemar"]["sensitivity"]
            reader_correct = correct[(reader, session)]
            assert versus["b"] == (model_correct & ~reader_correct & malignant).sum()
            assert versus["c"] == (~model_correct & reader_correct & malignant).sum()
            group = document["subgroups"]["diameter_cm"]["groups"]["≤ 2 cm"]
            assert group["readers"][reader][session]["tp"] == (called & malignant & small).sum()
        mcnemar = document["readers"][reader]["mcnemar"]
        assert mcnemar["accuracy"]["b"] == (unaided & ~aided).sum()  # unaided right, aided wrong
        assert mcnemar["accuracy"]["c"] == (~unaided & aided).sum()
        assert mcnemar["specificity"]["b"] == (unaided & ~aided & ~malignant).sum()
    pair = document["kappa"]["aided"]["R10 vs al"]
    assert pair["kappa"] == pytest.approx(
        cohen_kappa(calls[("R10", "aided")], calls[("al", "aided")], levels=(0, 1)).kappa
    )


# --------------------------------------------------------------------------- settings


def test_primary_mcnemar_method_is_configurable(inputs: StudyInputs) -> None:
    document = run_analysis(inputs, AnalysisSettings(mcnemar_method="mid_p")).to_dict()
    _assert_mcnemar_entry(document["readers"]["R1"]["mcnemar"]["accuracy"], primary="mid_p")
    entry = document["model_vs_readers"]["R1"]["unaided"]["mcnemar"]["specificity"]
    _assert_mcnemar_entry(entry, primary="mid_p")


def test_ci_method_and_alpha_reach_every_proportion(inputs: StudyInputs) -> None:
    settings = AnalysisSettings(ci=CiConvention.uniform("clopper_pearson"), alpha=0.1)
    result = run_analysis(inputs, settings)
    accuracy = result.readers[0].sessions["aided"].metrics.accuracy
    assert accuracy.method == "clopper_pearson" and accuracy.alpha == 0.1
    assert result.to_dict()["settings"]["confidence_level"] == pytest.approx(0.9)


def _interval_methods(tree: object) -> set[tuple[str, str]]:
    """(proportion name, method) of every proportion anywhere in a results.json tree."""
    found: set[tuple[str, str]] = set()
    if isinstance(tree, dict):
        for key, value in tree.items():
            if isinstance(value, dict) and {"x", "n", "method"} <= set(value):
                found.add((key, value["method"]))
            else:
                found |= _interval_methods(value)
    elif isinstance(tree, list):
        for value in tree:
            found |= _interval_methods(value)
    return found


def test_each_proportion_everywhere_has_its_conventions_method(inputs: StudyInputs) -> None:
    """Readers, model thresholds and subgroups all follow the per-proportion convention."""
    convention = parse_ci_convention("wilson,accuracy=clopper_pearson,npv=jeffreys")
    settings = AnalysisSettings(ci=convention, subgroup_columns=SUBGROUPS)
    document = run_analysis(inputs, settings).to_dict()
    assert _interval_methods({k: document[k] for k in ("readers", "model", "subgroups")}) == {
        ("accuracy", "clopper_pearson"),
        ("sensitivity", "wilson"),
        ("specificity", "wilson"),
        ("ppv", "wilson"),
        ("npv", "jeffreys"),
    }
    assert document["settings"]["ci_convention"] == "wilson,accuracy=clopper_pearson,npv=jeffreys"


def test_given_thresholds_are_used(inputs: StudyInputs) -> None:
    settings = AnalysisSettings(model_thresholds={"youden": 0.5}, comparison_threshold="youden")
    result = run_analysis(inputs, settings)
    threshold = result.model.thresholds["youden"]
    assert (threshold.value, threshold.source) == (0.5, "given")
    expected = diagnostic_metrics(inputs.truth, (inputs.model_scores >= 0.5).astype(int))
    assert result.model.at_thresholds["youden"] == expected
    assert result.model.thresholds["high_sensitivity"].source == "computed"


@pytest.mark.parametrize(
    "options",
    [
        {"alpha": 1.5},
        {"mcnemar_method": "fisher"},
        {"model_thresholds": {"best": 0.3}},
        {"comparison_threshold": "median"},
        {"bootstrap_replicates": -1},
        {"bootstrap_seed": -1},
        {"ci": "clopper_pearson"},  # a method name, not a convention
    ],
)
def test_impossible_settings_are_refused(options: dict) -> None:
    with pytest.raises(ValueError):
        AnalysisSettings(**options)


def test_bootstrap_intervals_are_added(inputs: StudyInputs) -> None:
    result = run_analysis(inputs, AnalysisSettings(bootstrap_replicates=200, bootstrap_seed=3))
    document = result.to_dict()
    model_boot = document["model"]["auc_bootstrap"]
    assert model_boot["method"] == "bootstrap_percentile"
    assert model_boot["estimate"] == pytest.approx(document["model"]["auc"]["estimate"])
    assert "auc_bootstrap" in document["readers"]["R2"]["aided"]
    assert document["settings"]["bootstrap"] == {"replicates": 200, "seed": 3}


# ----------------------------------------------------------------------- edge designs


def test_without_model_scores(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=2, seed=1)
    result = run_analysis(load_inputs(files.reads, files.manifest))
    document = json.loads(result.to_json())
    assert document["model"] is None
    assert document["model_vs_readers"] == {}
    assert document["settings"]["model_thresholds"] == {}


def test_one_reader(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=1, seed=1)
    document = json.loads(run_analysis(load_inputs(files.reads, files.manifest)).to_json())
    assert document["kappa"] == {"unaided": {}, "aided": {}}
    assert "one reader" in document["mrmc"]["note"]
    fixed = document["mrmc"]["auc_delong"]["fixed_readers_random_cases"]
    assert fixed["p_value"] is not None


def test_undefined_proportions_are_null_in_json(tmp_path: Path) -> None:
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=2, seed=1)
    reads = pd.read_csv(files.reads)
    never_malignant = (reads.reader_id == "R1") & (reads.session == "unaided")
    reads.loc[never_malignant, "decision"] = 0
    reads.to_csv(files.reads, index=False)
    text = run_analysis(load_inputs(files.reads, files.manifest)).to_json()
    assert "NaN" not in text and "Infinity" not in text
    ppv = json.loads(text)["readers"]["R1"]["unaided"]["ppv"]
    assert ppv["n"] == 0 and ppv["estimate"] is None and ppv["ci_low"] is None


def test_strict_json_replaces_non_finite_numbers() -> None:
    value = {
        "a": math.nan,
        "b": [np.float64(math.inf), np.int64(3), -math.inf],
        "c": np.array([1.5, np.nan]),
        "d": (np.bool_(True), np.float32(0.5)),
    }
    converted = strict_json(value)
    assert converted == {"a": None, "b": ["Inf", 3, "-Inf"], "c": [1.5, None], "d": [True, 0.5]}
    text = json.dumps(converted, allow_nan=False)
    assert json.loads(text, parse_constant=_refuse_constant) == converted


def test_non_finite_numbers_in_results_json(tmp_path: Path) -> None:
    """One convention (docs/analysis.md, "Numbers in JSON"): ±inf is "Inf"/"-Inf", NaN is null."""
    files = write_simulated_study(tmp_path, n_cases=30, n_readers=2, seed=1)
    inputs = load_inputs(files.reads, files.manifest, files.model_scores)
    perfect = np.where(inputs.truth == 1, 90.0, 10.0)
    # Unaided: one constant rating (AUC 0.5); aided and the model: perfect separation (AUC 1).
    # Every AUC then has zero variance, so every non-zero difference has an infinite statistic.
    pom = np.stack([np.full(inputs.pom[0].shape, 50.0), np.tile(perfect, (2, 1))])
    degenerate = dataclasses.replace(inputs, pom=pom, model_scores=perfect / 100)
    text = run_analysis(degenerate).to_json()
    assert "NaN" not in text and "Infinity" not in text
    document = json.loads(text, parse_constant=_refuse_constant)

    delong = document["model_vs_readers"]["R1"]["unaided"]["delong"]  # model vs constant rating
    assert (delong["difference"], delong["se"]) == (0.5, 0.0)
    assert delong["statistic"] == "Inf" and delong["p_value"] == 0.0
    assert delong["correlation"] is None  # NaN: a variance is 0, the correlation is undefined
    mrmc = document["mrmc"]["auc_delong"]
    assert mrmc["random_readers_random_cases"]["statistic"] == "Inf"
    fixed = mrmc["fixed_readers_random_cases"]
    assert (fixed["statistic"], fixed["df2"], fixed["p_value"]) == ("Inf", "Inf", 0.0)
    assert [r["statistic"] for r in fixed["reader_differences"]] == ["Inf", "Inf"]


def test_subgroup_definitions() -> None:
    diameter = subgroup_definition("diameter_cm")
    values = pd.Series(["1.9", "2.0", "2.01", "", "5"])
    groups = diameter.groups(values)
    assert list(groups) == ["≤ 2 cm", "> 2 cm"]
    np.testing.assert_array_equal(groups["≤ 2 cm"], [True, True, False, False, False])
    bi_rads = subgroup_definition("bi_rads").groups(pd.Series(["4a", "3", "4C", "5"]))
    assert list(bi_rads) == ["3", "4A", "4C", "5"]
    centre = subgroup_definition("center").groups(pd.Series(["b", "a", "b"]))
    assert list(centre) == ["a", "b"]


def test_a_group_with_one_class_has_undefined_sensitivity() -> None:
    truth = np.array([0, 0, 1, 1])
    decision = np.array([[[0, 1, 1, 1]], [[0, 0, 1, 0]]])
    analysis = analyse_subgroups(
        "center", pd.Series(["a", "a", "b", "b"]), truth, decision, ["R1"], None
    )
    group_a = analysis.to_dict()["groups"]["a"]
    assert group_a["readers"]["R1"]["unaided"]["sensitivity"]["n"] == 0
    assert group_a["readers"]["R1"]["unaided"]["sensitivity"]["estimate"] is None
    assert group_a["model"] is None


def test_a_single_malignant_case_does_not_stop_the_analysis(tmp_path: Path) -> None:
    files = write_simulated_study(
        tmp_path, n_cases=30, n_readers=2, seed=2, malignant_fraction=0.03
    )
    inputs = load_inputs(files.reads, files.manifest, files.model_scores)
    assert inputs.n_malignant == 1
    document = json.loads(run_analysis(inputs).to_json())
    assert document["mrmc"]["sensitivity"] is None
    assert "sensitivity: not computed" in document["mrmc"]["note"]
    assert document["mrmc"]["auc_delong"] is not None


def test_only_too_few_cases_turns_an_mrmc_error_into_a_note(
    inputs: StudyInputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any other error of the MRMC analysis is a bug and must not become a note."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("scores must be 3-D")

    monkeypatch.setattr("studies.analysis.pipeline.obuchowski_rockette", broken)
    with pytest.raises(ValueError, match="3-D"):
        run_analysis(inputs)
