"""The record a command keeps in every folder it writes into: which file it wrote, and how to
know the file is still the one it wrote (docs/formats.md, "Output record").

``.cesm-reader-output.json`` lists, for each file, the command that wrote it, the file's size and
modification time then (its *fingerprint*) and its SHA-256, and the folders the command made. A
file is the command's own while it is a regular file of the recorded size whose modification
time, or else (a copy that did not keep timestamps) whose SHA-256, is the recorded one.

The record is read as untrusted input: anyone can edit it. An entry that is not well formed is
skipped, and one that names anything outside the record's folder (an absolute path, ``..``, a
path through a symbolic link that leaves the folder) is dropped, so that no record can make the
tool replace or delete a file elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The start of every name the tool keeps for itself in an output folder.
TOOL_PREFIX = ".cesm-reader-"
RECORD_FILE = f"{TOOL_PREFIX}output.json"
#: 1: files with fingerprints; 2: SHA-256 and folders added (both are read).
RECORD_FORMAT = 2
_MAX_RECORD_BYTES = 64 * 2**20


@dataclass(frozen=True)
class FileEntry:
    """What the record says about one file: who wrote it, and how to recognise it unchanged."""

    command: str
    size: int
    mtime_ns: int
    sha256: str | None

    def to_json(self) -> dict[str, Any]:
        written: dict[str, Any] = {
            "command": self.command,
            "fingerprint": [self.size, self.mtime_ns],
        }
        if self.sha256 is not None:
            written["sha256"] = self.sha256
        return written

    @staticmethod
    def from_json(value: Any) -> FileEntry | None:
        """The entry, or ``None`` when it is not one (a hand-edited or damaged record)."""
        if not isinstance(value, dict) or not isinstance(value.get("command"), str):
            return None
        fingerprint = value.get("fingerprint")
        if (
            not isinstance(fingerprint, list)
            or len(fingerprint) != 2
            or not all(type(number) is int for number in fingerprint)
        ):
            return None
        digest = value.get("sha256")
        if digest is not None and not (
            isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)
        ):
            return None
        return FileEntry(value["command"], fingerprint[0], fingerprint[1], digest)


@dataclass
class OutputRecord:
    """A folder's record: relative path → file entry, and relative folder → command."""

    files: dict[str, FileEntry] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        """The record as JSON, one line per file or folder, for people who read it too."""
        files = {name: self.files[name].to_json() for name in sorted(self.files)}
        folders = {name: {"command": self.folders[name]} for name in sorted(self.folders)}
        sections = [f' "format_version": {RECORD_FORMAT}']
        for key, items in (("files", files), ("folders", folders)):
            lines = ",\n".join(
                f"  {json.dumps(name)}: {json.dumps(v)}" for name, v in items.items()
            )
            sections.append(f' "{key}": {{\n{lines}\n }}' if items else f' "{key}": {{}}')
        return "{\n" + ",\n".join(sections) + "\n}\n"


class _Inside:
    """Whether a record's relative path names something inside its folder (after symlinks)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        base = os.path.realpath(folder)
        self._prefix = base if base.endswith(os.sep) else base + os.sep
        self._parents: dict[str, bool] = {}

    def _under(self, path: str) -> bool:
        return path.startswith(self._prefix)

    def __call__(self, name: Any) -> bool:
        if not isinstance(name, str) or not name or "\0" in name or name.startswith("/"):
            return False
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return False
        if parts[0].startswith(TOOL_PREFIX):  # the record itself, staging folders
            return False
        parent = os.path.join(self.folder, *parts[:-1])
        if parent not in self._parents:
            self._parents[parent] = self._under(os.path.realpath(parent) + os.sep)
        if not self._parents[parent]:
            return False
        path = os.path.join(self.folder, name)
        return not os.path.islink(path) or self._under(os.path.realpath(path))


def read_record(folder: Path) -> OutputRecord:
    """The record of ``folder``; empty when there is none or it is not a readable record.

    Entries that name anything outside ``folder`` (an absolute path, ``..``, a symbolic link out
    of it) are dropped: a hand-edited or hostile record must never make the tool replace or
    delete a file elsewhere.
    """
    try:
        handle = os.open(folder / RECORD_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return OutputRecord()
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_RECORD_BYTES:
            return OutputRecord()
        with os.fdopen(handle, "rb", closefd=False) as stream:
            content = json.loads(stream.read().decode("utf-8"))
    except (OSError, ValueError):
        return OutputRecord()
    finally:
        os.close(handle)
    if not isinstance(content, dict):
        return OutputRecord()
    inside = _Inside(folder)
    record = OutputRecord()
    files = content.get("files")
    for name, value in files.items() if isinstance(files, dict) else ():
        entry = FileEntry.from_json(value)
        if entry is not None and inside(name):
            record.files[name] = entry
    folders = content.get("folders")
    for name, value in folders.items() if isinstance(folders, dict) else ():
        command = value.get("command") if isinstance(value, dict) else None
        if isinstance(command, str) and inside(name):
            record.folders[name] = command
    return record


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of a regular file (not followed through a symbolic link, never a pipe).

    Raises:
        OSError: ``path`` cannot be read or is not a regular file.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return hashlib.file_digest(stream, "sha256").hexdigest()


def entry_of(path: Path, command: str) -> FileEntry:
    """The record's entry for ``path``, just written by ``command``."""
    status = path.lstat()
    return FileEntry(command, status.st_size, status.st_mtime_ns, sha256_of(path))


def unchanged(entry: FileEntry, path: str | Path) -> bool:
    """Whether ``path`` is still the regular file ``entry`` describes (the hash is computed only
    when the modification time differs: a copy that did not keep timestamps)."""
    try:
        status = os.lstat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size != entry.size:
            return False
        if status.st_mtime_ns == entry.mtime_ns:
            return True
        return entry.sha256 is not None and sha256_of(path) == entry.sha256
    except OSError:
        return False
