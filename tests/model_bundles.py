"""A tiny model bundle for the inference tests and benchmarks: one builder, no copies.

:func:`tiny_bundle` writes, with the classifier's own :func:`write_bundle`, a bundle of untrained
CBAM-Xception fold models (the demo model's architecture) at Xception's smallest input, 71 pixels
(3 x 3 Grad-CAM maps; 43 MB per fold on disk; Xception traces twice as fast as DenseNet121),
each fold with its own fixed seed so that the folds disagree as real ones do. Built once per
test session and folder count (building the models is the slow part), into pytest's session
temporary folder; tests that change a bundle copy it first (:func:`bundle_copy`). Import it by
bare name (``from model_bundles import tiny_bundle``), as ``tests/conftest.py`` explains.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

BACKBONE = "xception"
INPUT_SIZE = 71
THRESHOLDS = {"youden": 0.5, "high_sensitivity": 0.25, "high_specificity": 0.75}

_BUILT: dict[int, Path] = {}


def metadata(folds: int) -> dict[str, Any]:
    """``model.json`` content of the tiny bundle."""
    return {
        "backbone": BACKBONE,
        "cbam": True,
        "input_size": INPUT_SIZE,
        "dropout": 0.5,
        "preprocessing": {"margin_mm": 5.0, "equalise": True},
        "thresholds": THRESHOLDS,
        "seed": 11,
        "folds": [{"seed": 11 + k} for k in range(folds)],
    }


def tiny_bundle(tmp_path_factory: Any, folds: int = 2) -> Path:
    """The folder of a ``folds``-fold tiny bundle (built on first use in the session)."""
    if folds not in _BUILT:
        folder = tmp_path_factory.mktemp("bundles") / f"tiny_{folds}_folds"
        _BUILT[folds] = write_tiny_bundle(folder, folds)
    return _BUILT[folds]


def write_tiny_bundle(folder: Path, folds: int, input_size: int = INPUT_SIZE) -> Path:
    """Write an untrained CBAM-Xception bundle of ``folds`` folds into ``folder`` (new)."""
    import keras

    from model_core.classifier.architectures import build_model
    from model_core.classifier.bundle import write_bundle

    models = []
    for k in range(folds):
        keras.utils.set_random_seed(11 + k)
        models.append(
            build_model(BACKBONE, cbam=True, input_size=input_size, weights=None, dropout=0.5)
        )
    write_bundle(folder, models, {**metadata(folds), "input_size": input_size})
    return folder


def bundle_copy(bundle: Path, folder: Path) -> Path:
    """A copy of ``bundle`` in ``folder`` (for tests that tamper with it)."""
    copy = folder / bundle.name
    shutil.copytree(bundle, copy)
    return copy
