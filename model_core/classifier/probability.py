"""Probabilities of malignancy from the classifier's logit: one definition for every caller.

Training (the out-of-fold predictions that set the thresholds), evaluation (``train
--evaluate``, ``cesm-reader evaluate``) and inference (``predict``, the scores the workstation
shows) all take the model's **logit** and apply :func:`sigmoid` here, in float64. They used to
differ: training and evaluation read the model's own float32 sigmoid output, which reaches
exactly 1.0 at a logit of about 17, while inference's float64 sigmoid does so only above about
37. Cut-offs chosen on the one and applied to the other then disagree at the very top, and the
threshold 1.0 — "nobody is positive" (``thresholds.py``), since a case is positive when its
probability is ≥ the cut-off — would call the most confident cases malignant.

So :func:`sigmoid` never returns 1.0: its largest value is :data:`MAX_PROBABILITY`, the float64
just below 1, reached above a logit of about 36.7. Ranking is unchanged except that logits
beyond that tie (as they already did in the model's float32 output from about 17).

Keras and TensorFlow are imported only when logits are computed, never at module import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from model_core.classifier.architectures import LOGIT_LAYER
from model_core.classifier.inputs import evaluation_dataset
from model_core.errors import CesmError

#: The largest probability reported: the float64 just below 1.0, so that the cut-off 1.0
#: ("nobody is positive") never calls a case malignant.
MAX_PROBABILITY = float(np.nextafter(1.0, 0.0))


class LogitLayerError(CesmError):
    """A model has no layer named ``logit`` (not built by ``architectures.build_model``)."""


def sigmoid(logits: Any) -> np.ndarray:
    """The logistic function of ``logits``, numerically stable, float64, in [0, MAX_PROBABILITY]."""
    values = np.asarray(logits, dtype=np.float64)
    return np.minimum(np.exp(-np.logaddexp(0.0, -values)), MAX_PROBABILITY)


def logit_model(model: Any) -> Any:
    """A Keras model sharing ``model``'s layers whose output is the logit, shape (batch, 1).

    Raises:
        LogitLayerError: ``model`` has no ``logit`` layer.
    """
    import keras

    try:
        logit = model.get_layer(LOGIT_LAYER)
    except ValueError:
        raise LogitLayerError(
            f"model {model.name!r} has no layer named {LOGIT_LAYER!r}; probabilities are "
            "computed from the logit of a model built by cesm-reader's classifier"
        ) from None
    return keras.Model(model.inputs, logit.output, name=f"{model.name}_logit")


def model_logits(models: Sequence[Any], images: np.ndarray, batch_size: int = 32) -> np.ndarray:
    """Each model's logits of ``images`` (inference mode), float64 (models, cases)."""
    per_model = []
    for model in models:
        logits = logit_model(model)
        outputs = [
            np.asarray(logits(batch, training=False), dtype=np.float64).reshape(-1)
            for batch in evaluation_dataset(images, None, batch_size=batch_size)
        ]
        per_model.append(np.concatenate(outputs) if outputs else np.zeros(0))
    return np.stack(per_model) if per_model else np.zeros((0, len(images)))
