"""Running the readers and the command line in a child process, as a user would.

A child process can be killed: a reader that blocks on a FIFO or reads ``/dev/zero`` forever
fails its test after ``timeout`` seconds instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]

#: Calls ``model_core.io.<function>(path)`` and prints ``OK`` or ``<error type>: <message>``.
_CALL = """
import importlib, sys
module, name = sys.argv[1].rsplit(".", 1)
try:
    getattr(importlib.import_module(module), name)(sys.argv[2])
except Exception as error:
    print(f"{type(error).__name__}: {error}")
    sys.exit(3)
print("OK")
"""

#: Runs the command line like ``python -m cesm_cli`` and reports its peak memory on stderr.
_CLI_WITH_PEAK_MEMORY = """
import resource, sys
from cesm_cli.main import main
try:
    status = main(sys.argv[1:])
finally:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak-rss-kib {peak_kib}", file=sys.stderr)
sys.exit(status)
"""


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPOSITORY), environment.get("PYTHONPATH", "")) if part
    )
    return environment


@pytest.fixture
def call_in_child() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``call_in_child("model_core.io.read_image", path)``: the outcome as printed text."""

    def call(function: str, path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", _CALL, function, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            check=False,
        )

    return call


@pytest.fixture
def cesm_reader() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cesm_reader("validate", manifest)``: ``python -m cesm_cli`` in a child process.

    With ``peak_memory=True`` the command runs through :func:`cesm_cli.main.main` in a wrapper
    that prints its peak resident memory (``peak-rss-kib N``) on stderr.
    """

    def run(
        *arguments: object, timeout: float = 120, peak_memory: bool = False
    ) -> subprocess.CompletedProcess[str]:
        program = ["-c", _CLI_WITH_PEAK_MEMORY] if peak_memory else ["-m", "cesm_cli"]
        return subprocess.run(
            [sys.executable, *program, *(str(argument) for argument in arguments)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            check=False,
        )

    return run
