"""``python -m cesm_cli`` that also reports each case ``synth`` has staged (not a test module).

Usage: ``python cli_reporting_progress.py ARGS...``, as ``cesm-reader ARGS...``. Every time the
cohort generator has written a case into its staging folder (``synth`` itself, or the demo's
first step), a line ``staged N`` goes to standard output, flushed. A test that wants to signal
the command at a known moment reads those lines — a blocking read, an event — instead of polling
the file system on a timer.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

from cesm_cli.commands import synth as synth_command
from cesm_cli.main import main


def _reporting(synthesize: Callable[..., Any]) -> Callable[..., Any]:
    def synthesize_and_report(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)
            print(f"staged {done}", flush=True)

        return synthesize(*args, progress=report, **kwargs)

    return synthesize_and_report


if __name__ == "__main__":
    # as at a terminal: a test run started in the background (``cmd &`` in a script) hands its
    # children SIGINT ignored, and Ctrl-C would then never reach the command under test
    signal.signal(signal.SIGINT, signal.default_int_handler)
    synth_command.synthesize_cohort = _reporting(synth_command.synthesize_cohort)  # type: ignore[assignment]
    sys.exit(main(sys.argv[1:]))
