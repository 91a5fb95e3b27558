"""One module per schema version of the study store, oldest first (``0001_initial.py``, ...)."""
