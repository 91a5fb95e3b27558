"""Hostile values in a reader study: formulas in ids, markup in ids, unbounded settings.

Run through ``cesm-reader analyze`` as a coordinator would, on a simulated study whose reader
ids and manifest values were replaced by hostile text.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from cesm_cli.main import main
from studies.simulation.reader_study import StudyFiles, write_simulated_study

FORMULA_READER = '=HYPERLINK("http://example.invalid","R1")'
MARKUP_READER = "$\\foo{$"


@pytest.fixture()
def hostile_study(tmp_path: Path) -> StudyFiles:
    study = write_simulated_study(tmp_path / "inputs", n_cases=30, n_readers=2, seed=2)
    reads = pd.read_csv(study.reads, dtype=str, keep_default_na=False)
    reads["reader_id"] = reads["reader_id"].map({"R1": FORMULA_READER, "R2": MARKUP_READER})
    reads.to_csv(study.reads, index=False)
    manifest = pd.read_csv(study.manifest, dtype=str, keep_default_na=False)
    manifest["center"] = manifest["center"].map({"internal": "@SUM(1+1)", "external": "-2+3"})
    manifest.to_csv(study.manifest, index=False)
    return study


def _analyze(study: StudyFiles, out: Path, *extra: str) -> int:
    return main(
        [
            *("analyze", "--reads", str(study.reads), "--manifest", str(study.manifest)),
            *("--model-scores", str(study.model_scores), "--out", str(out), *extra),
        ]
    )


def _cells(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {cell for row in csv.reader(handle) for cell in row}


def test_formulas_are_neutralised_in_every_table(hostile_study: StudyFiles, tmp_path) -> None:
    out = tmp_path / "analysis"
    assert _analyze(hostile_study, out, "--subgroup", "center") == 0
    tables = sorted(out.glob("table_*.csv"))
    assert tables
    cells = set().union(*(_cells(table) for table in tables))
    dangerous = {cell for cell in cells if cell[:1] in ("=", "+", "-", "@")}
    assert not {cell for cell in dangerous if not _is_number(cell)}, dangerous
    assert "'" + FORMULA_READER in cells
    assert "'@SUM(1+1)" in cells and "'-2+3" in cells
    # the data file read back by programs is left as it was written
    assert FORMULA_READER in set(pd.read_csv(hostile_study.reads).reader_id)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_markup_in_ids_is_drawn_as_text(hostile_study: StudyFiles, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    assert _analyze(hostile_study, out, "--pdf") == 0
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "report.pdf").stat().st_size > 1_000


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--bootstrap", "1000000000"], "--bootstrap 1000000000: must be 0 (no bootstrap) to"),
        (["--bootstrap", "20", "--seed", "-1"], "--seed -1: must be a whole number ≥ 0"),
    ],
)
def test_unbounded_settings_are_refused_at_once(
    hostile_study: StudyFiles, tmp_path: Path, capsys, extra: list[str], fragment: str
) -> None:
    out = tmp_path / "analysis"
    assert _analyze(hostile_study, out, *extra) == 2
    error = capsys.readouterr().err
    assert fragment in error
    assert "bootstrap_" not in error  # the options' names, not the code's
    assert not out.exists()


def test_a_threshold_without_model_scores_is_refused(
    hostile_study: StudyFiles, tmp_path: Path, capsys
) -> None:
    """It would be silently ignored: without scores there is no model to threshold."""
    out = tmp_path / "analysis"
    argv = ["analyze", "--reads", str(hostile_study.reads), "--manifest"]
    argv += [str(hostile_study.manifest), "--threshold", "youden=0.4", "--out", str(out)]
    assert main(argv) == 2
    assert "--threshold: a model threshold needs the model's scores (--model-scores)" in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_every_bad_option_is_named_at_once(hostile_study: StudyFiles, tmp_path: Path, capsys):
    out = tmp_path / "analysis"
    extra = ("--alpha", "0", "--bootstrap", "-1", "--seed", "-2", "--threshold", "best=1")
    assert _analyze(hostile_study, out, *extra) == 2
    error = capsys.readouterr().err
    for option in ("--alpha 0:", "--bootstrap -1:", "--seed -2:", "--threshold 'best=1':"):
        assert option in error
    assert not out.exists()
