"""``to_dict()`` of the analysis's result dataclasses, derived once from their fields.

A result object (:class:`~studies.analysis.proportions.ProportionResult`,
:class:`~studies.analysis.roc.AucResult`, the MRMC tests...) is exported as one JSON object with
one key per dataclass field, in field order. Each value is written by
:func:`studies.analysis.numbers.strict_json` (the analysis's convention for NaN and ±inf); a
nested result object, also inside a tuple, by its own ``to_dict()``. Two field markers adjust
this:

* ``field(metadata=NOT_EXPORTED)``: a field the object needs but ``results.json`` does not (a CI's
  ``alpha`` is already under ``settings``; a covariance matrix is too big to be useful there);
* ``field(metadata=EXPORTED_WHEN_SET)``: written only when it is not ``None`` or ``""`` (a
  ``note``; the bootstrap-only fields of an AUC).

Result objects whose JSON has a structure of its own (keyed by reader or session, as in
:mod:`studies.analysis.study_results`) write their ``to_dict()`` by hand from these.
"""

from __future__ import annotations

from dataclasses import fields
from types import MappingProxyType
from typing import Any, ClassVar

from studies.analysis.numbers import strict_json

_EXPORT = "export"
#: Field metadata: never written by ``to_dict()``.
NOT_EXPORTED = MappingProxyType({_EXPORT: "never"})
#: Field metadata: written by ``to_dict()`` unless the value is ``None`` or ``""``.
EXPORTED_WHEN_SET = MappingProxyType({_EXPORT: "when_set"})


class FieldsToDict:
    """Mixin of a result dataclass: ``to_dict()`` from its fields (see the module docstring)."""

    # Declared for the type checker: the dataclass decorator of the subclass provides it.
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, object]:
        """One key per exported field, in field order, values as strict JSON."""
        out: dict[str, object] = {}
        for item in fields(self):
            rule = item.metadata.get(_EXPORT)
            value = getattr(self, item.name)
            unset = value is None or (isinstance(value, str) and not value)
            if rule == "never" or (rule == "when_set" and unset):
                continue
            out[item.name] = _exported(value)
        return out


def _exported(value: object) -> object:
    if isinstance(value, FieldsToDict):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_exported(item) for item in value]
    return strict_json(value)
