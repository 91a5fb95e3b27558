"""``cesm-reader analyze`` and ``simulate-reads``: outputs, exit codes, nothing written on error."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from cesm_cli import main as cli
from cesm_cli.commands import simulate_study
from model_core.errors import ManifestError, OutputError
from model_core.staged_output import RECORD_FILE
from studies.simulation.reader_study import StudyFiles, write_simulated_study

OUTPUTS = [
    "report.html",
    "results.json",
    "table_cases.csv",
    "table_kappa.csv",
    "table_model_vs_readers.csv",
    "table_readers.csv",
    "table_reading_time.csv",
    "table_subgroups.csv",
]


@pytest.fixture()
def study(tmp_path: Path) -> StudyFiles:
    return write_simulated_study(tmp_path / "inputs", n_cases=40, n_readers=2, seed=5)


def _analyze(study: StudyFiles, out: Path, *extra: str) -> int:
    return cli.main(
        [
            "analyze",
            "--reads",
            str(study.reads),
            "--manifest",
            str(study.manifest),
            "--model-scores",
            str(study.model_scores),
            "--out",
            str(out),
            *extra,
        ]
    )


def _siblings(folder: Path) -> list[str]:
    """The files a user sees (the tool's hidden record of what it wrote left out)."""
    return sorted(p.name for p in folder.iterdir() if p.name != RECORD_FILE)


def test_analyze_writes_every_output(
    study: StudyFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    assert _analyze(study, out, "--ci", "clopper_pearson", "--mcnemar", "exact") == 0
    assert _siblings(out) == OUTPUTS
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["settings"]["ci_convention"] == "clopper_pearson"
    assert set(document["settings"]["ci_methods"].values()) == {"clopper_pearson"}
    assert document["readers"]["R1"]["aided"]["sensitivity"]["method"] == "clopper_pearson"
    assert document["readers"]["R1"]["mcnemar"]["accuracy"]["method"] == "exact"
    assert list(document["subgroups"]) == ["bi_rads", "diameter_cm", "center"]  # defaults
    assert "wrote" in capsys.readouterr().out
    assert _siblings(tmp_path) == ["inputs", "results"]  # no staging folder left behind


def test_options_reach_the_analysis(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = _analyze(
        study,
        out,
        "--threshold",
        "youden=0.5",
        "--compare-at",
        "youden",
        "--subgroup",
        "center",
        "--alpha",
        "0.1",
        "--pdf",
    )
    assert code == 0
    assert (out / "report.pdf").exists()
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["model"]["thresholds"]["youden"] == 0.5
    assert document["settings"]["model_thresholds"]["youden"]["source"] == "given"
    assert list(document["subgroups"]) == ["center"]
    assert document["settings"]["alpha"] == 0.1


def test_bad_input_lists_every_problem_and_writes_nothing(
    study: StudyFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reads = pd.read_csv(study.reads, dtype=str, keep_default_na=False)
    reads.loc[0, "pom"] = "high"
    reads.loc[5, "case_id"] = "UNKNOWN"
    reads.to_csv(study.reads, index=False)
    out = tmp_path / "out"
    assert _analyze(study, out) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert "reads.csv, line 2, column 'pom': 'high' is not a number" in error
    assert "reads.csv, line 7, column 'case_id': case 'UNKNOWN' is not in the manifest" in error
    assert not out.exists()
    assert _siblings(tmp_path) == ["inputs"]


def test_bad_input_leaves_an_existing_output_folder_untouched(
    study: StudyFiles, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("previous", encoding="utf-8")
    study.model_scores.write_text("case_id,probability\nC0001,2\n", encoding="utf-8")
    assert _analyze(study, out) == 2
    assert _siblings(out) == ["results.json"]
    assert (out / "results.json").read_text(encoding="utf-8") == "previous"


def test_outputs_of_an_earlier_run_are_replaced(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _analyze(study, out, "--pdf") == 0
    assert "report.pdf" in _siblings(out)
    (out / "notes.txt").write_text("the coordinator's", encoding="utf-8")
    reads, manifest = str(study.reads), str(study.manifest)
    code = cli.main(
        [
            "analyze",
            "--reads",
            reads,
            "--manifest",
            manifest,
            "--subgroup",
            "center",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    # without model scores there is no model table, and no PDF was asked for: both files of the
    # earlier analysis go, so the folder never mixes two analyses; files it never wrote stay
    assert _siblings(out) == [
        "notes.txt",
        "report.html",
        "results.json",
        "table_cases.csv",
        "table_kappa.csv",
        "table_readers.csv",
        "table_reading_time.csv",
        "table_subgroups.csv",
    ]


@pytest.mark.parametrize("name", ["results.json", "report.pdf", "report.html"])
def test_a_file_the_tool_did_not_write_is_never_replaced(
    study: StudyFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the coordinator's own file", encoding="utf-8")
    assert _analyze(study, out, "--pdf") == 2
    message = capsys.readouterr().err
    assert f"would replace files this tool did not write: {name}; move them away" in message
    assert _siblings(out) == [name]
    assert (out / name).read_text(encoding="utf-8") == "the coordinator's own file"


def test_an_edited_output_is_no_longer_the_tool_s(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _analyze(study, out) == 0
    with (out / "table_readers.csv").open("a", encoding="utf-8") as handle:
        handle.write("coordinator's remark\n")
    assert _analyze(study, out) == 2
    assert (out / "table_readers.csv").read_text(encoding="utf-8").endswith("remark\n")


def test_files_that_only_look_like_outputs_are_kept(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = ("report_signed.pdf", "table_demographics.csv")
    for name in mine:
        (out / name).write_text("the coordinator's own file", encoding="utf-8")
    assert _analyze(study, out) == 0
    for name in mine:
        assert (out / name).read_text(encoding="utf-8") == "the coordinator's own file"


def test_out_dot_stages_inside_out(
    study: StudyFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out .`` must not need write access to the folder above (e.g. /home for ~)."""
    out = tmp_path / "out"
    out.mkdir()
    staged_in: list[Path] = []
    make_temporary = tempfile.mkdtemp

    def mkdtemp(*args: object, dir: object = None, **kwargs: object) -> str:
        staged_in.append(Path(str(dir)).resolve())
        return make_temporary(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.chdir(out)
    assert _analyze(study, Path(".")) == 0
    assert staged_in[0] == out.resolve()
    assert _siblings(out) == OUTPUTS
    assert _siblings(tmp_path) == ["inputs", "out"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--subgroup", "nosuchcolumn"], "column 'nosuchcolumn': subgroup column is not in"),
        (["--threshold", "youden=abc"], "'abc' is not a number"),
        (["--threshold", "best=0.4"], "name must be one of"),
        (["--alpha", "2"], "--alpha 2: must be between 0 and 1"),
        (["--bootstrap", "-5"], "--bootstrap -5: must be 0 (no bootstrap) to 100,000"),
        (["--bootstrap", "20", "--seed", "-1"], "--seed -1: must be a whole number ≥ 0"),
    ],
)
def test_bad_options_exit_2_and_write_nothing(
    study: StudyFiles,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    fragment: str,
) -> None:
    out = tmp_path / "out"
    assert _analyze(study, out, *extra) == 2
    assert fragment in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", "--reads", "r.csv", "--manifest", "m.csv"],  # no --out
        ["analyze", "--reads", "r.csv", "--manifest", "m.csv", "--out", "o", "--ci", "exact"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2


def test_ci_overrides_reach_the_results(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _analyze(study, out, "--ci", "accuracy=jeffreys,npv=wilson") == 0
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert document["settings"]["ci_convention"] == "paper,accuracy=jeffreys,npv=wilson"
    aided = document["readers"]["R2"]["aided"]
    methods = {name: aided[name]["method"] for name in ("accuracy", "sensitivity", "npv")}
    assert methods == {"accuracy": "jeffreys", "sensitivity": "wilson_cc", "npv": "wilson"}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("accuracy=agresti", "'accuracy=agresti': unknown method 'agresti'"),
        ("auc=wilson", "'auc=wilson': unknown proportion 'auc'"),
        ("ppv=wilson,ppv=jeffreys", "ppv is set twice"),
        ("paper,,", "empty item"),
    ],
)
def test_malformed_ci_is_a_usage_error_naming_the_item(
    study: StudyFiles,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: str,
    fragment: str,
) -> None:
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        _analyze(study, out, "--ci", spec)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "argument --ci" in error and fragment in error
    assert not out.exists()


def test_out_must_not_be_a_file(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "file.txt"
    out.write_text("x", encoding="utf-8")
    assert _analyze(study, out) == 2
    assert out.read_text(encoding="utf-8") == "x"


# -------------------------------------------------------------------- simulate-reads


def _simulate(manifest: Path, out: Path, seed: int = 1) -> int:
    parser = argparse.ArgumentParser()
    simulate_study.add_arguments(parser)
    args = parser.parse_args(
        ["--manifest", str(manifest), "--readers", "3", "--seed", str(seed), "--out", str(out)]
    )
    return simulate_study.run(args)


def test_simulate_reads_then_analyze(study: StudyFiles, tmp_path: Path) -> None:
    simulated = tmp_path / "simulated"
    assert _simulate(study.manifest, simulated) == 0
    assert _siblings(simulated) == ["model_scores.csv", "reads.csv"]
    first = (simulated / "reads.csv").read_bytes()
    assert _simulate(study.manifest, tmp_path / "again") == 0
    assert (tmp_path / "again" / "reads.csv").read_bytes() == first
    reads = pd.read_csv(simulated / "reads.csv")
    assert sorted(reads.reader_id.unique()) == ["R1", "R2", "R3"]
    files = StudyFiles(simulated / "reads.csv", study.manifest, simulated / "model_scores.csv")
    assert _analyze(files, tmp_path / "analysis", "--subgroup", "center") == 0


def test_simulate_reads_refuses_a_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="file not found"):
        _simulate(tmp_path / "none.csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_simulate_reads_refuses_an_out_that_is_a_file(study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "file.txt"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a folder"):
        _simulate(study.manifest, out)
    assert out.read_text(encoding="utf-8") == "x"
    assert _siblings(tmp_path) == ["file.txt", "inputs"]  # no staging folder left behind
