"""A progress bar on the terminal, for commands that work through many files.

Drawn on standard error, and only when it is a terminal: piped or logged output stays free of
carriage returns.
"""

from __future__ import annotations

import sys
from typing import TextIO


def bar_text(done: int, total: int, label: str, width: int = 30) -> str:
    """``label [#########.........]  30/100`` for ``done`` of ``total``."""
    filled = width if total <= 0 else round(width * min(done, total) / total)
    return f"{label} [{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total}"


class ProgressBar:
    """A ``progress(done, total)`` callback that redraws one line; ends it when done."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream

    def __call__(self, done: int, total: int) -> None:
        if not self.stream.isatty():
            return
        end = "\n" if done >= total else ""
        print(f"\r{bar_text(done, total, self.label)}", end=end, file=self.stream, flush=True)
