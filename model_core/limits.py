"""Limits shared by several parts of the tool, each far above any real reader study.

They catch a mistyped number (a seed typed where the number of readers goes) at once, instead of
after an hour of work or an exhausted memory. Limits that belong to one format live with it
(CSV size in :mod:`model_core.formats.csv_text`, image size in :mod:`model_core.io.file_checks`).
"""

from __future__ import annotations

from typing import Final

#: Most readers in one study, real or simulated (Mao et al.: 6; large MRMC studies: ~100).
MAX_READERS: Final = 1000
