"""SHA-256 of the image files a study records: the store keeps paths and checksums, never
copies of the images, so that a changed or missing file is noticed before anyone reads it."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read in 1 MiB chunks (images can be large).

    Raises:
        OSError: the file cannot be read (the caller names the case and kind).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
