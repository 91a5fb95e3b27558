"""Waiting for a command started by ``start_cesm_reader`` (``conftest.py``) to stage cases.

The child runs ``cli_reporting_progress.py``, which prints ``staged N`` after each case the cohort
generator has written into its staging folder; reading those lines blocks until the moment under
test, with no timer and no polling of the file system.
"""

from __future__ import annotations

import subprocess


def wait_until_staged(process: subprocess.Popen[str], cases: int) -> None:
    """Block until a child started by ``start_cesm_reader`` reports ``cases`` staged cases."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("staged ") and int(line.split()[1]) >= cases:
            return
    raise AssertionError(f"the command ended before it staged {cases} case(s)")
