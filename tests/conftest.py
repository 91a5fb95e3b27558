"""Root of the test suite: makes :mod:`cesm_files` (the shared test data builders) importable.

This file lies in ``tests/``, which is not a package, so pytest's default ``prepend`` import mode
puts ``tests/`` at the front of ``sys.path`` when it loads this file, before any test module.
Test modules and the ``conftest.py`` files below then import the builders by bare name,
``from cesm_files import write_dicom``, as they import the helper modules beside them.
"""
