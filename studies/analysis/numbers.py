"""How the analysis checks its significance level and writes numbers for people and for JSON.

Strict JSON has no NaN or infinity, yet the statistics have both: undefined values (a PPV when
nobody was called malignant; every random-reader statistic with one reader) and infinite ones
(the chi-square test's denominator df; the z of a non-zero difference with zero variance). The
analysis writes them the way the R reference vectors do (jsonlite): NaN -> ``null``, ±inf ->
``"Inf"``/``"-Inf"``, so that ``null`` always means "undefined" and never "infinite". This
module is the one place that convention is implemented: :func:`json_number` for one number,
:func:`strict_json` for a whole tree; every ``to_dict()`` goes through them. ``docs/analysis.md``
("Numbers in JSON") documents it for the readers of ``results.json``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def json_number(value: float | None) -> float | str | None:
    """A float as the analysis JSON writes it: NaN -> ``None``, ±inf -> ``"Inf"``/``"-Inf"``."""
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
    """A tree of dicts, lists, tuples, arrays and numbers as strict JSON values.

    Floats go through :func:`json_number` (NaN -> ``None``, ±inf -> ``"Inf"``/``"-Inf"``),
    numpy scalars and arrays become Python numbers and lists, tuples become lists and dict keys
    strings; anything else is returned unchanged. ``AnalysisResult.to_json`` passes the whole
    ``results.json`` tree through it, so no ``NaN`` or ``Infinity`` token can reach the file.
    """
    if isinstance(value, dict):
        return {str(key): strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return [strict_json(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return json_number(value)
    return value
