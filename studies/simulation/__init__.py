"""Everything simulated: synthetic CESM cohorts and simulated reader studies.

No CESM data or radiologists' reads can be shared, so the demo, the tests and the demo
classifier run on simulated data. Whatever is made here says so wherever it is shown.

* :mod:`studies.simulation.cohort` — synthetic low-energy / recombined pairs, masks, manifests;
* :mod:`studies.simulation.reader_study` — simulated readers and model scores with known
  structure (reads export and scores files).

Independent of :mod:`studies.analysis` and :mod:`studies.store` (an import-linter contract): a
simulation writes the same files a real study would, and the analysis reads them back.
"""
