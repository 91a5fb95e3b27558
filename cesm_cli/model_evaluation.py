"""A trained classifier on a labelled cohort: AUC with its DeLong 95 % CI, and sensitivity and
specificity at the bundle's thresholds — shared by ``train --evaluate`` and ``evaluate``.

The thresholds are the ones fixed on the training data's out-of-fold predictions and applied
unchanged here, as Mao et al. did for their test sets. The AUC is ``studies.analysis.roc``'s,
the computation the reader-study analysis uses (checked against R's pROC).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model_core.errors import CesmError


def evaluate(
    models: list[Any], cases: Any, thresholds: Mapping[str, float], batch_size: int
) -> dict[str, Any]:
    """The evaluation record of ``models`` (their mean probability) on ``cases``
    (:class:`~model_core.classifier.inputs.CaseInputs`, every case labelled)."""
    import numpy as np

    from model_core.classifier.training import predict_probabilities
    from studies.analysis.roc import auc_delong

    if (cases.labels < 0).any():
        raise CesmError("every case of an evaluation cohort needs a label")
    probabilities, _ = predict_probabilities(models, cases.images, batch_size)
    truth = cases.labels.astype(int)
    auc = auc_delong(probabilities, truth)
    at_thresholds = {}
    for name, threshold in thresholds.items():
        called = probabilities >= threshold
        at_thresholds[name] = {
            "threshold": float(threshold),
            "sensitivity": float(called[truth == 1].mean()),
            "specificity": float((~called[truth == 0]).mean()),
            "true_positives": int(called[truth == 1].sum()),
            "true_negatives": int((~called[truth == 0]).sum()),
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
        "probabilities": {
            "case_id": list(cases.case_ids),
            "label": truth.tolist(),
            "probability": [round(float(p), 6) for p in np.asarray(probabilities)],
        },
    }


def threshold_lines(record: Mapping[str, Any]) -> list[str]:
    """One line per threshold: its value, sensitivity and specificity with their counts."""
    lines = []
    for name, point in record["at_thresholds"].items():
        lines.append(
            f"  {name} (probability >= {point['threshold']:.3f}): sensitivity "
            f"{point['sensitivity']:.3f} ({point['true_positives']}/{record['malignant']}), "
            f"specificity {point['specificity']:.3f} "
            f"({point['true_negatives']}/{record['benign']})"
        )
    return lines


def is_synthetic(manifest: Path) -> bool:
    """Whether the manifest is a ``cesm-reader synth`` cohort's (its ``synth.json`` beside it)."""
    return (manifest.parent / "synth.json").is_file()
