"""Writing one small file so that a crash or a power cut leaves the old content or the new,
whole — never a truncated file: a temporary file in the same folder, ``fsync``, ``os.replace``,
then ``fsync`` of the folder so that the rename itself survives.

Used where a file is rewritten in place rather than staged with its command's other outputs
(:mod:`model_core.staged_output`): a bundle's ``model.json`` updated after training, a reader's
answers kept in the workstation's outbox.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

#: The temporary file's name starts with this unless the caller names another prefix.
TEMPORARY_PREFIX = ".writing-"


def write_durably(path: Path, content: bytes, *, temporary_prefix: str = TEMPORARY_PREFIX) -> None:
    """Replace ``path`` with ``content`` atomically and durably.

    Raises:
        OSError: the folder cannot be written (the temporary file is removed; ``path`` is as
            it was).
    """
    handle, temporary = tempfile.mkstemp(prefix=temporary_prefix, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a rename or deletion in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
