"""The study engine (to be built): study definition, randomisation, sessions and washout, and the
reader and coordinator APIs the GUI binds to.

It is the one part of :mod:`studies` that joins the others: it stores decisions through
:mod:`studies.store`, analyses them with :mod:`studies.analysis` and runs demo studies from
:mod:`studies.simulation`. Empty until the study-engine work lands; the package exists so that
the layering contracts in ``pyproject.toml`` already hold it in place.
"""
