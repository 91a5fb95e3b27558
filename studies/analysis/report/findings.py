"""The report's sentences: key findings and reading guides that follow the data.

Every sentence here depends on what the study has — a model or not, one reader or several,
simulated data or real — so that the report never describes a curve it does not draw or quotes
a P value that is undefined. Differences between two rounded numbers are computed from the
rounded numbers (:func:`~studies.analysis.tables.shown_difference`), so "0.892 → 0.964" is
followed by "difference 0.072", never 0.071.
"""

from __future__ import annotations

import math

from model_core.vocabulary import AIDED, UNAIDED
from studies.analysis.study_results import AnalysisResult
from studies.analysis.tables import (
    format_interval,
    format_number,
    p_phrase,
    shown_difference,
)


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 reader``, ``5 readers``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _auc_sentence(result: AnalysisResult) -> str | None:
    mrmc = result.mrmc.auc_delong
    if mrmc is None:
        return None
    unaided, aided = mrmc.mean_fom[0], mrmc.mean_fom[1]
    one_reader = len(result.readers) == 1
    test = mrmc.fixed_readers_random_cases if one_reader else mrmc.random_readers_random_cases
    difference = format_interval(shown_difference(unaided, aided), test.ci_low, test.ci_high)
    if one_reader:
        return (
            f"The reader's AUC {format_number(unaided)} unaided → {format_number(aided)} aided; "
            f"difference {difference}, {p_phrase(test.p_value)} (fixed reader, random cases: "
            "it speaks for this reader only)."
        )
    return (
        f"Reader-averaged AUC {format_number(unaided)} unaided → {format_number(aided)} aided; "
        f"difference {difference}, {p_phrase(test.p_value)} (Obuchowski–Rockette, random "
        "readers and cases)."
    )


def _accuracy_sentence(result: AnalysisResult) -> str:
    if len(result.readers) == 1:
        sessions = result.readers[0].sessions
        before = sessions[UNAIDED].metrics.accuracy.estimate
        after = sessions[AIDED].metrics.accuracy.estimate
        shown_before, shown_after = format_number(before), format_number(after)
        verdict = (
            "more" if shown_after > shown_before else "less" if shown_after < shown_before else "as"
        )
        tail = "than unaided" if verdict != "as" else "as unaided"
        return f"The reader was {verdict} accurate aided {tail} ({shown_before} → {shown_after})."
    improved = sum(
        format_number(reader.sessions[AIDED].metrics.accuracy.estimate)
        > format_number(reader.sessions[UNAIDED].metrics.accuracy.estimate)
        for reader in result.readers
    )
    verb = "was" if improved == 1 else "were"
    return (
        f"{improved} of {count(len(result.readers), 'reader')} {verb} more accurate aided "
        "than unaided."
    )


def _reading_time_sentence(result: AnalysisResult) -> str | None:
    times = result.reading_times
    if times is None:
        return None
    pooled = times.all_readers
    if not math.isfinite(pooled.change.median_difference_s):
        return None
    change = pooled.change.median_difference_s
    return (
        f"Median reading time {pooled.unaided.median_s:.1f} s unaided → "
        f"{pooled.aided.median_s:.1f} s aided; median change per case "
        f"{change:+.1f} s".replace("-", "\N{MINUS SIGN}")
        + f", {p_phrase(pooled.change.wilcoxon_p)} (Wilcoxon signed-rank)."
    )


def _cases_sentence(result: AnalysisResult) -> str:
    changed = sum(outcome.majority_changed for outcome in result.case_outcomes)
    missed = sum(
        outcome.missed_by_all_unaided and outcome.missed_by_all_aided
        for outcome in result.case_outcomes
    )
    return (
        f"The readers' majority call changed with the model on {count(changed, 'case')}; "
        f"{count(missed, 'case')} {'was' if missed == 1 else 'were'} missed by every reader in "
        "both sessions (listed in the case table)."
    )


def key_findings(result: AnalysisResult) -> list[str]:
    """A few plain sentences for the top of the report (and the command's output)."""
    study = result.study
    lines = []
    if result.provenance.simulated:
        lines.append(result.provenance.summary())
    lines.append(
        f"{count(study['n_readers'], 'reader')} read {count(study['n_cases'], 'case')} "
        f"({study['n_malignant']} malignant, {study['n_benign']} benign), unaided and aided."
    )
    if result.model is not None:
        auc = result.model.auc
        lines.append(
            f"Model AUC {format_interval(auc.estimate, auc.ci_low, auc.ci_high)}; AUPRC "
            f"{format_number(result.model.auprc)}."
        )
    else:
        lines.append("No model scores were given: the model itself is not evaluated.")
    auc_line = _auc_sentence(result)
    if auc_line:
        lines.append(auc_line)
    averaged = result.mrmc.reader_averaged
    if averaged:
        unaided, aided = averaged[UNAIDED], averaged[AIDED]
        who = "The reader's" if len(result.readers) == 1 else "Reader-averaged"
        lines.append(
            f"{who} sensitivity {format_number(unaided.sensitivity)} → "
            f"{format_number(aided.sensitivity)}, specificity "
            f"{format_number(unaided.specificity)} → "
            f"{format_number(aided.specificity)} (unaided → aided)."
        )
    lines.append(_accuracy_sentence(result))
    time_line = _reading_time_sentence(result)
    if time_line:
        lines.append(time_line)
    lines.append(_cases_sentence(result))
    return lines


def roc_reading_guide(result: AnalysisResult) -> str:
    """How to read the ROC figure, for what it draws."""
    readers = (
        "Each reader has a hollow circle (unaided) and a filled circle (aided) of the same "
        "colour, joined by an arrow; an arrow pointing up and to the left is an improvement in "
        "both sensitivity and specificity. Points that coincide are drawn side by side, tied to "
        "their true position by a thin grey line."
    )
    if result.model is None:
        return f"No model scores were given, so the figure shows the readers only. {readers}"
    return (
        "The black curve is the model; its black markers are its operating points at the "
        f"analysis thresholds, drawn above the readers'. {readers} A reader point below the "
        "black curve means the model, at some threshold, beats that reader on both."
    )
