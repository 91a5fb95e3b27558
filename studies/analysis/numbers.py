"""How the analysis checks its significance level and writes numbers for people and for JSON.

Strict JSON has no NaN or infinity, yet the statistics have undefined values (a PPV when nobody
was called malignant; an infinite denominator df). Every ``to_dict()`` writes numbers through
:func:`json_number`, the convention of the R reference vectors (jsonlite): NaN -> ``null``,
±inf -> ``"Inf"``/``"-Inf"``; :func:`strict_json` is the last line of defence for whole trees.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def json_number(value: float | None) -> float | str | None:
    """A float as the analysis JSON writes it: NaN -> ``None``, ±inf -> ``"Inf"``/``"-Inf"``.

    Strict JSON has no NaN or infinity; this is the convention of the R reference vectors
    (jsonlite), so exported results can be compared with them directly.
    """
    if value is None:
        return None
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "Inf" if number > 0 else "-Inf"
    return number


def check_alpha(alpha: float) -> float:
    """Validate a significance level (0 < alpha < 1) and return it as a float."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise ValueError(f"alpha must be a number in (0, 1), got {alpha!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    return float(alpha)


def confidence_label(alpha: float) -> str:
    """``0.05`` -> ``"95%"``, for summaries."""
    return f"{100 * (1 - alpha):g}%"


def strict_json(value: object) -> object:
    """Make a ``to_dict()`` tree strictly JSON-serialisable: NaN → ``None``, numpy → Python.

    The estimators' ``to_dict()`` already map NaN to ``None``; this is the last line of defence
    so that ``results.json`` never contains a ``NaN`` token, whatever a future field holds.
    """
    if isinstance(value, dict):
        return {str(key): strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return [strict_json(item) for item in value.tolist()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    return value
