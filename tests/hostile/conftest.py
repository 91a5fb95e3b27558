"""Running the readers and the command line in a child process, as a user would.

A child process can be killed: a reader that blocks on a FIFO or reads ``/dev/zero`` forever
fails its test after ``timeout`` seconds instead of hanging the suite.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
REPORTING_CLI = Path(__file__).with_name("cli_reporting_progress.py")

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
    that prints its peak resident memory (``peak-rss-kib N``) on stderr; other keyword
    arguments go to :func:`subprocess.run` (``cwd``, or :func:`as_ordinary_user`'s options).
    """

    def run(
        *arguments: object,
        timeout: float = 120,
        peak_memory: bool = False,
        **options: Any,
    ) -> subprocess.CompletedProcess[str]:
        program = ["-c", _CLI_WITH_PEAK_MEMORY] if peak_memory else ["-m", "cesm_cli"]
        return subprocess.run(
            [sys.executable, *program, *(str(argument) for argument in arguments)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_environment(),
            check=False,
            **options,
        )

    return run


#: prctl(2) operation that removes a capability from the bounding set, and the capabilities that
#: let root ignore file permissions (linux/capability.h).
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_permission_override() -> None:
    """In the child, before ``exec``: give up root's power to ignore file permissions, so that
    a read-only or mode-000 folder stops it as it stops any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.fixture(scope="session")
def as_ordinary_user() -> dict[str, Any]:
    """``subprocess`` options under which file permissions bind the child, root or not."""
    if os.geteuid() != 0:
        return {}
    options: dict[str, Any] = {"preexec_fn": _drop_permission_override}
    locked = Path(tempfile.mkdtemp(prefix="cesm-permission-probe-"))
    locked.chmod(0)
    try:
        probe = subprocess.run(
            [sys.executable, "-c", f"import os; os.listdir({str(locked)!r})"],
            capture_output=True,
            check=False,
            **options,
        )
    except subprocess.SubprocessError:
        pytest.skip("cannot run a child without root's permission override here")
    finally:
        locked.rmdir()
    if probe.returncode == 0:
        pytest.skip("the child still ignores file permissions")
    return options


@pytest.fixture
def start_cesm_reader() -> Callable[..., subprocess.Popen[str]]:
    """``start_cesm_reader("synth", ...)``: the command line started in a child process, for
    tests that signal it while it runs; it reports each staged case on standard output
    (``cli_reporting_progress.py``, read with ``staging_progress.wait_until_staged``)."""

    def start(*arguments: object, **options: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, str(REPORTING_CLI), *(str(argument) for argument in arguments)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
            **options,
        )

    return start
