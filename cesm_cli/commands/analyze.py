"""``cesm-reader analyze``: the reader study's statistics, tables and report from exported reads.

Writes into ``--out``: ``results.json`` (docs/analysis.md), the CSV tables (``table_*.csv``),
``report.html`` (self-contained) and, with ``--pdf``, ``report.pdf`` (the same report, printed).
Inputs are validated completely before anything is computed; with any problem, every problem is
printed (file, line, column) and **nothing is written**. Outputs are staged and moved into place
only when all of them exist (:mod:`model_core.staged_output`), so an interrupted run never leaves a
``results.json`` that disagrees with its ``report.html``; the outputs of an earlier analysis in the
same folder are replaced (and those this run does not write again, such as an earlier
``report.pdf``, removed), files the tool did not write are never touched.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from cesm_cli.options import output_folder
from model_core.staged_output import StagedOutput
from studies.analysis.ci_convention import (
    CI_METHODS,
    NAMED_CONVENTIONS,
    PAPER,
    PROPORTION_NAMES,
    CiConvention,
    parse_ci_convention,
)
from studies.analysis.inputs import StudyInputs, load_inputs
from studies.analysis.mcnemar import COMPARISON_METHODS
from studies.analysis.outputs import RESULTS_FILE, analysis_output_names, write_analysis_outputs
from studies.analysis.pipeline import run_analysis
from studies.analysis.report.render import key_findings, subgroup_notes
from studies.analysis.settings import (
    MAX_BOOTSTRAP_REPLICATES,
    MODEL_THRESHOLD_NAMES,
    AnalysisSettings,
)
from studies.analysis.subgroups import default_subgroup_columns, parse_bins
from studies.errors import AnalysisInputError

NAME = "analyze"
__all__ = ["RESULTS_FILE", "add_arguments", "run"]
HELP = "Analyse a reader study: results.json, CSV tables and a self-contained report.html."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``analyze``."""
    parser.add_argument("--reads", type=Path, help="reads export CSV, one row per decision")
    parser.add_argument(
        "--manifest", type=Path, help="case manifest CSV (labels, subgroup columns)"
    )
    parser.add_argument(
        "--study",
        metavar="URL",
        help="analyse a study store directly (instead of --reads/--manifest/--model-scores): "
        "the same results as analysing its export",
    )
    parser.add_argument(
        "--model-scores", type=Path, help="model scores CSV (case_id, probability), optional"
    )
    parser.add_argument(
        "--design",
        choices=("crossover", "counterbalanced", "sequential"),
        help="the reading design, to check its rules (crossover, sequential: an aided read "
        "follows the unaided one); --study knows it",
    )
    parser.add_argument(
        "--ci",
        type=_ci_convention,
        default=PAPER,
        metavar="SPEC",
        help=f"confidence interval of each proportion: a convention ({', '.join(NAMED_CONVENTIONS)}"
        f"; one name = one method for all), then PROPORTION=METHOD overrides, comma-separated, "
        f"e.g. 'wilson_cc,accuracy=clopper_pearson'. Proportions: {', '.join(PROPORTION_NAMES)}; "
        f"methods: {', '.join(CI_METHODS)}. Default {PAPER}: accuracy clopper_pearson, the "
        "others wilson_cc, as Mao et al.'s tables",
    )
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="1 − confidence level (default 0.05)"
    )
    parser.add_argument(
        "--mcnemar",
        choices=COMPARISON_METHODS,
        default="chi2_cc",
        help="primary McNemar test; the other two are reported as alternatives",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="N",
        help="also give bootstrap AUC intervals from N case resamples (default 0: off)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    parser.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"a given model threshold ({', '.join(MODEL_THRESHOLD_NAMES)}), e.g. from the "
        "model bundle; repeatable; needs model scores. Others are computed from the scores",
    )
    parser.add_argument(
        "--compare-at",
        choices=MODEL_THRESHOLD_NAMES,
        default="youden",
        help="model threshold used for model-vs-reader McNemar tests and subgroups",
    )
    parser.add_argument(
        "--subgroup",
        nargs="+",
        default=None,
        metavar="COLUMN",
        help="manifest columns to analyse as subgroups (default: those of bi_rads, "
        "diameter_cm, center the manifest has)",
    )
    parser.add_argument(
        "--bins",
        action="append",
        default=[],
        type=_bins,
        metavar="COLUMN=EDGES",
        help="bin edges of a numeric subgroup column, e.g. age=40,50,60 (< 40, 40 to < 50, "
        "50 to < 60, ≥ 60); repeatable. Default: age < 50 / ≥ 50, other numeric columns at "
        "their median",
    )
    parser.add_argument(
        "--pdf", action="store_true", help="also write the report itself as report.pdf"
    )
    parser.add_argument("--out", required=True, type=output_folder, help="output folder")


def _ci_convention(text: str) -> CiConvention:
    """``--ci`` as a convention; a usage error (exit 2, nothing written) when malformed."""
    try:
        return parse_ci_convention(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _bins(text: str) -> tuple[str, tuple[float, ...]]:
    """``--bins`` as (column, edges); a usage error (exit 2, nothing written) when malformed."""
    try:
        return parse_bins(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _parse_thresholds(items: list[str], problems: list[str]) -> dict[str, float]:
    """The ``--threshold NAME=VALUE`` items by name; each bad one recorded in ``problems``."""
    thresholds: dict[str, float] = {}
    for item in items:
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in MODEL_THRESHOLD_NAMES:
            problems.append(f"--threshold {item!r}: name must be one of {MODEL_THRESHOLD_NAMES}")
            continue
        try:
            number = float(value)
        except ValueError:
            problems.append(f"--threshold {item!r}: {value!r} is not a number")
            continue
        if not 0.0 <= number <= 1.0:
            problems.append(f"--threshold {item!r}: must be a probability in [0, 1]")
            continue
        thresholds[name] = number
    return thresholds


def _option_problems(args: argparse.Namespace) -> list[str]:
    """What is wrong with the numeric options, each message naming its option."""
    problems = []
    if not 0.0 < args.alpha < 1.0:
        problems.append(
            f"--alpha {args.alpha:g}: must be between 0 and 1 (0.05 for 95 % intervals)"
        )
    if not 0 <= args.bootstrap <= MAX_BOOTSTRAP_REPLICATES:
        problems.append(
            f"--bootstrap {args.bootstrap}: must be 0 (no bootstrap) to "
            f"{MAX_BOOTSTRAP_REPLICATES:,} case resamples"
        )
    if args.seed < 0:
        problems.append(f"--seed {args.seed}: must be a whole number ≥ 0")
    if args.threshold and args.study is None and args.model_scores is None:
        problems.append(_THRESHOLD_WITHOUT_SCORES)
    return problems


#: ``--threshold`` sets a threshold of the model's scores: without scores it would do nothing.
_THRESHOLD_WITHOUT_SCORES = (
    "--threshold: a model threshold needs the model's scores (--model-scores); without them "
    "there is no model to threshold"
)


def _settings(args: argparse.Namespace, subgroup_columns: tuple[str, ...]) -> AnalysisSettings:
    """The analysis settings of the options; every bad option reported at once, by its name."""
    problems = _option_problems(args)
    thresholds = _parse_thresholds(args.threshold, problems)
    if problems:
        raise AnalysisInputError("\n".join(problems))
    try:
        return AnalysisSettings(
            ci=args.ci,
            alpha=args.alpha,
            mcnemar_method=args.mcnemar,
            bootstrap_replicates=args.bootstrap,
            bootstrap_seed=args.seed,
            model_thresholds=thresholds,
            comparison_threshold=args.compare_at,
            subgroup_columns=subgroup_columns,
            subgroup_bins=dict(args.bins),
        )
    except ValueError as error:  # the options above are checked; this is a backstop
        raise AnalysisInputError(f"invalid setting: {error}") from error


def _study_inputs(url: str, subgroup_columns: tuple[str, ...]) -> StudyInputs:
    """The inputs of a study store, through the same files its export writes (and its design)."""
    from studies.engine.study_analysis import study_inputs
    from studies.store.database import open_store

    store = open_store(url)
    try:
        return study_inputs(store, subgroup_columns)
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    """Validate, analyse, write everything into ``--out``; 0 on success."""
    output = StagedOutput(args.out, NAME, names=analysis_output_names(args.pdf))  # before work
    if (args.study is None) == (args.reads is None or args.manifest is None):
        raise AnalysisInputError("give --reads and --manifest (and --model-scores), or --study")
    chosen = () if args.subgroup is None else tuple(dict.fromkeys(args.subgroup))
    settings = _settings(args, chosen)
    if args.study is not None:
        inputs = _study_inputs(args.study, chosen)
    else:
        inputs = load_inputs(
            args.reads,
            args.manifest,
            args.model_scores,
            subgroup_columns=chosen,
            design=args.design,
        )
    if args.threshold and inputs.model_scores is None:  # a study store without model scores
        raise AnalysisInputError(_THRESHOLD_WITHOUT_SCORES)
    if args.subgroup is None:  # the paper's subgroups, where the manifest has their columns
        columns = default_subgroup_columns(inputs.cases.columns)
        settings = dataclasses.replace(settings, subgroup_columns=columns)
    result = run_analysis(inputs, settings)

    with output as staging:
        write_analysis_outputs(result, inputs, staging, pdf=args.pdf)

    for warning in inputs.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in key_findings(result):
        print(line)
    for note in subgroup_notes(result):
        print(f"note: {note}")
    for path in output.written:
        print(f"wrote {path}")
    return 0
