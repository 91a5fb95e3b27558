"""Parameters of the paper's preprocessing, as recorded in a model bundle's ``model.json``.

The defaults are the paper's: a 5 mm margin around the lesion bounding box and histogram
equalisation of the low-energy and recombined channels. They are a frozen dataclass so that a
trained model and the inference that uses it can be checked to agree, field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from model_core.errors import PreprocessingError
from model_core.preprocessing.validation import check_margin


@dataclass(frozen=True)
class PreprocessingSettings:
    """How a case becomes the classifier's input.

    Attributes:
        margin_mm: margin added on every side of the lesion bounding box, in millimetres, ≥ 0.
            Converted to pixels per axis with that axis' own spacing (see
            :func:`model_core.preprocessing.crop.margin_pixels`).
        equalise: histogram-equalise the low-energy and recombined channels (the paper does);
            ``False`` exists for ablation studies only.
    """

    margin_mm: float = 5.0
    equalise: bool = True

    def __post_init__(self) -> None:
        # Stored as a plain float so that to_dict() is JSON-ready whatever number type came in.
        object.__setattr__(self, "margin_mm", check_margin(self.margin_mm))
        if not isinstance(self.equalise, bool):
            raise PreprocessingError(f"equalise: expected true or false, got {self.equalise!r}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, as stored under ``preprocessing`` in ``model.json``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], source: str = "") -> PreprocessingSettings:
        """Settings from :meth:`to_dict` output; unknown keys are an error, missing keys default.

        Args:
            values: the mapping read from JSON.
            source: where it came from (e.g. a ``model.json`` path), for error messages.
        """
        where = f"{source}: " if source else ""
        if not isinstance(values, Mapping):
            raise PreprocessingError(f"{where}preprocessing settings must be a mapping")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise PreprocessingError(
                f"{where}unknown preprocessing setting(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        try:
            return cls(**dict(values))
        except PreprocessingError as error:
            raise PreprocessingError(f"{where}{error}") from error

    def summary(self) -> str:
        """One line for logs and reports."""
        equalised = "histogram-equalised" if self.equalise else "not equalised"
        return f"margin {self.margin_mm:g} mm, LE/RE {equalised}"
