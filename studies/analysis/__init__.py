"""Reader-study statistics (proportions, ROC/DeLong, kappa, McNemar, MRMC) and the report.

Each estimator returns a frozen result dataclass with ``summary()`` and ``to_dict()``; the
``results.json`` (docs/analysis.md) is built only from those ``to_dict()`` methods.
"""
