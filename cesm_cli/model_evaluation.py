"""A trained classifier on a labelled cohort: AUC with its DeLong 95 % CI, and sensitivity and
specificity (with their CIs and counts) at the bundle's thresholds — shared by
``train --evaluate`` and ``evaluate``.

The thresholds are the ones fixed on the training data's out-of-fold predictions and applied
unchanged here, as Mao et al. did for their test sets; a case is called malignant when its
probability is at least the threshold. The AUC is ``studies.analysis.roc``'s and the
proportions ``studies.analysis.diagnostic``'s (with the paper's interval methods): the
computations of the reader-study analysis, checked against R.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_core.errors import CesmError

if TYPE_CHECKING:
    from model_core.manifest import ManifestRow

#: Cases of each class an evaluation needs: DeLong's variance divides by (cases − 1).
MIN_CASES_PER_CLASS = 2


def check_evaluable(rows: Sequence[ManifestRow], where: str) -> None:
    """Refuse, before any image is read, a cohort whose AUC and CI cannot be computed.

    Raises:
        CesmError: fewer than :data:`MIN_CASES_PER_CLASS` malignant or benign cases (``where``
            names the manifest and split).
    """
    malignant = sum(row.label == "malignant" for row in rows)
    benign = sum(row.label == "benign" for row in rows)
    if min(malignant, benign) < MIN_CASES_PER_CLASS:
        raise CesmError(
            f"{where}: {malignant} malignant and {benign} benign case(s); an evaluation needs "
            f"at least {MIN_CASES_PER_CLASS} of each (the AUC's DeLong confidence interval)"
        )


def evaluate(
    models: list[Any],
    cases: Any,
    thresholds: Mapping[str, float],
    batch_size: int,
    manifest: Path,
    *,
    recorded_as: str | Path | None = None,
) -> dict[str, Any]:
    """The evaluation record of ``models`` (their mean probability) on ``cases``
    (:class:`~model_core.classifier.inputs.CaseInputs` of ``manifest``, every case labelled),
    as ``model.json`` keeps it (docs/formats.md, model bundle). ``recorded_as``: the manifest
    as the user named it (e.g. relative to a work folder), recorded instead of its full path."""
    import numpy as np

    from model_core.classifier.training import predict_probabilities
    from studies.analysis.diagnostic import diagnostic_metrics
    from studies.analysis.roc import auc_delong

    probabilities, _ = predict_probabilities(models, cases.images, batch_size)
    truth = cases.labels.astype(int)
    auc = auc_delong(probabilities, truth)
    at_thresholds = {}
    for name, threshold in thresholds.items():
        metrics = diagnostic_metrics(truth, (probabilities >= threshold).astype(int))
        at_thresholds[name] = {
            "threshold": float(threshold),
            "sensitivity": metrics.sensitivity.estimate,
            "specificity": metrics.specificity.estimate,
            "sensitivity_ci": [metrics.sensitivity.ci_low, metrics.sensitivity.ci_high],
            "specificity_ci": [metrics.specificity.ci_low, metrics.specificity.ci_high],
            "ci_methods": [metrics.sensitivity.method, metrics.specificity.method],
            "tp": metrics.tp,
            "fn": metrics.fn,
            "tn": metrics.tn,
            "fp": metrics.fp,
        }
    return {
        "auc": {
            "estimate": auc.estimate,
            "ci_low": auc.ci_low,
            "ci_high": auc.ci_high,
            "se": auc.se,
            "method": "DeLong",
        },
        "cases": len(truth),
        "malignant": int(truth.sum()),
        "benign": int((truth == 0).sum()),
        "data_fingerprint": cases.fingerprint(),
        "at_thresholds": at_thresholds,
        "summary": auc.summary(),
        "manifest": str(recorded_as if recorded_as is not None else manifest),
        "synthetic": is_synthetic(manifest),
        "probabilities": {
            "case_id": list(cases.case_ids),
            "label": truth.tolist(),
            "probability": [round(float(p), 6) for p in np.asarray(probabilities)],
        },
    }


def threshold_lines(record: Mapping[str, Any]) -> list[str]:
    """One line per threshold: its value, sensitivity and specificity with counts and CIs."""
    lines = []
    for name, point in record["at_thresholds"].items():
        sensitivity_low, sensitivity_high = point["sensitivity_ci"]
        specificity_low, specificity_high = point["specificity_ci"]
        lines.append(
            f"  {name} (probability >= {point['threshold']:.3f}): sensitivity "
            f"{point['sensitivity']:.3f} ({point['tp']}/{point['tp'] + point['fn']}; 95% CI "
            f"{sensitivity_low:.3f}-{sensitivity_high:.3f}), specificity "
            f"{point['specificity']:.3f} ({point['tn']}/{point['tn'] + point['fp']}; 95% CI "
            f"{specificity_low:.3f}-{specificity_high:.3f})"
        )
    return lines


def is_synthetic(manifest: Path) -> bool:
    """Whether the manifest is a ``cesm-reader synth`` cohort's (its ``synth.json`` beside it)."""
    return (manifest.parent / "synth.json").is_file()
