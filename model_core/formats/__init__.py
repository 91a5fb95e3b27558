"""The file contracts shared by every layer, one module each, and the CSV plumbing under them.

* :mod:`~model_core.formats.csv_text` — opening a CSV file safely (regular files only, bounded
  size, UTF-8 with or without a byte-order mark) and splitting it into line-numbered records;
* :mod:`~model_core.formats.located_table` — a CSV table of text cells, each row knowing its
  line, and the cell checks that report problems by file, line and column;
* :mod:`~model_core.formats.reads` — the reads export (one row per reading decision);
* :mod:`~model_core.formats.scores` — the model scores (one probability per case);
* :mod:`~model_core.formats.imrmc` and :mod:`~model_core.formats.rjafroc` — the reads in the
  input formats of iMRMC and RJafroc, both made of the checked ratings of
  :mod:`~model_core.formats.mrmc_ratings`.

The case manifest, which has a validator of its own, is :mod:`model_core.manifest`. These live
in the bottom layer because the classifier (here) writes scores, and the analysis, the
simulators and the study store (above) all read or write reads: one module per format, whoever
uses it. The contracts are documented for users in ``docs/formats.md``.
"""
