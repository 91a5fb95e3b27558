"""The software versions recorded with every output that carries numbers or images.

A results file, a synthetic cohort or (later) a model bundle records which versions of Python,
of this project and of the libraries that computed it were used, so that a figure can be traced
and reproduced. Each output names the libraries whose code shaped it; the lookup is here once.
"""

from __future__ import annotations

import platform
from importlib import metadata

#: This project's distribution name.
PROJECT = "cesm-reader"


def software_versions(*distributions: str) -> dict[str, str]:
    """``python``, this project and each of ``distributions`` → its installed version.

    A distribution that is not installed is recorded as ``"unknown"`` rather than left out, so
    that its absence is visible.
    """
    versions = {"python": platform.python_version()}
    for distribution in (PROJECT, *distributions):
        try:
            versions[distribution] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            versions[distribution] = "unknown"
    return versions
