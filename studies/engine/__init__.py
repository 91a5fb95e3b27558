"""The study engine: study definition, randomisation, designs, sessions and washout, and (to come)
the reader and coordinator APIs the GUI binds to.

It is the one part of :mod:`studies` that joins the others: it stores decisions through
:mod:`studies.store`, analyses them with :mod:`studies.analysis` and runs demo studies from
:mod:`studies.simulation`. No Qt here: the GUI is a thin layer over this package.

* :mod:`.definition` — ``study.toml``, validated (docs/study_definition.md);
* :mod:`.randomisation` — per-reader, per-session seeds and reading orders, with blocking;
* :mod:`.designs` — crossover, counterbalanced and sequential session plans;
* :mod:`.session_state` — the session life cycle and the washout;
* :mod:`.clock` — the injectable clock; :mod:`.pins` — PIN and password hashing;
* :mod:`.reader_api` — what the reading workstation calls (idempotent submissions);
* :mod:`.store_access` — :class:`~.store_access.StoreUnavailable`, the database gone away;
* :mod:`.outbox` — answers kept on local disk until the store is back, delivered once.
"""
