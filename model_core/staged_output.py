"""Writing a command's output folder: all of it or nothing, and never over files it did not make.

Every command that writes files (``synth``, ``simulate-reads``, ``analyze``, the demo) writes them
through :class:`StagedOutput`:

1. **Before any work**, the destination is checked: ``--out`` must be a folder or not exist yet,
   and the nearest folder that exists must be writable. An unwritable destination is an input
   error that names the folder, not a traceback after minutes of computation.
2. The command writes into a hidden **staging folder** on the same file system (inside ``--out``
   when it exists, else inside the nearest existing folder above it), so that moving is renaming.
   If the command fails or is interrupted (Ctrl-C, or SIGTERM: the CLI turns it into the same
   interrupt), the staging folder is removed and ``--out`` is untouched.
3. On success the output **moves into place**. A file or folder already there is replaced only
   if an earlier run of the same command wrote it and nobody changed it since (its size and
   modification time are recorded in :data:`RECORD_FILE`) and the command allows replacing its own
   output; anything else with the same name is somebody else's, and the command stops before
   moving anything, naming it. Files an earlier run of the same command wrote that this run did
   not write again are removed, so a folder never mixes two runs (e.g. an old PDF beside a new
   report). Files the tool did not make are never replaced or deleted.

Interrupts are held back for the few milliseconds the moves take, so a folder is never left
half-replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from model_core.errors import OutputError

#: Written into every output folder: which command wrote which file, and the file's size and
#: modification time then (so that a file someone edited since is no longer taken as ours).
RECORD_FILE = ".cesm-reader-output.json"
_STAGING_PREFIX = ".cesm-reader-staging-"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path("/")


def check_destination(out: str | Path, option: str = "--out", *, is_file: bool = False) -> None:
    """Refuse an output folder (or, with ``is_file``, an output file) that cannot be written.

    Raises:
        OutputError: the destination is of the wrong kind, a folder on its path is a file, or
            the nearest existing folder is not writable (permissions, read-only file system).
    """
    out = Path(os.path.abspath(out))
    if is_file and out.is_dir():
        raise OutputError(f"{option} {out}: is a folder; give a file name")
    if not is_file and out.exists() and not out.is_dir():
        raise OutputError(f"{option} {out}: exists and is not a folder")
    existing = _nearest_existing(out.parent if is_file else out)
    if not existing.is_dir():
        raise OutputError(f"{option} {out}: cannot write there, {existing} is a file, not a folder")
    try:  # a real probe: permissions, read-only mounts and pseudo file systems, root included
        os.rmdir(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=existing))
    except OSError as error:
        raise OutputError(
            f"{option} {out}: cannot write in {existing} ({error.strerror or error}); "
            "choose another place"
        ) from None


def _fingerprint(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_size, status.st_mtime_ns]


def _files_under(root: Path, entry: Path) -> list[Path]:
    if entry.is_dir() and not entry.is_symlink():
        return sorted(p for p in entry.rglob("*") if p.is_file() or p.is_symlink())
    return [entry]


def _read_record(out: Path) -> dict[str, dict[str, Any]]:
    """The record of ``out``: relative path → {command, fingerprint}; empty when none or invalid."""
    try:
        record = json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))
        files = record["files"]
        return {
            str(name): {"command": str(entry["command"]), "fingerprint": list(entry["fingerprint"])}
            for name, entry in files.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the output moves into place (a few renames)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class StagedOutput:
    """A command's output folder, staged and moved into place (see the module docstring).

    Use as a context manager; it yields the staging folder to write into::

        with StagedOutput(out, "analyze") as staging:
            (staging / "results.json").write_text(...)
        written = output.written  # the final paths, once the block has ended without error

    Args:
        out: the destination folder (created on success if it does not exist).
        command: the command's name, recorded with every file it writes.
        replace_own: whether files an earlier run of ``command`` wrote may be replaced; when
            ``False``, they are refused with ``replace_hint`` (e.g. "pass --overwrite").
        exclusive: the folder is the command's alone (a cohort): anything else in it is refused.
        names: the top-level names the command will write, when known in advance, so that a
            conflict is refused before any work rather than after it.
        option: how the destination is named in messages.
    """

    def __init__(
        self,
        out: str | Path,
        command: str,
        *,
        replace_own: bool = True,
        replace_hint: str = "",
        exclusive: bool = False,
        names: Iterable[str] = (),
        option: str = "--out",
    ) -> None:
        self.out = Path(os.path.abspath(out))
        self.command = command
        self.replace_own = replace_own
        self.replace_hint = replace_hint
        self.exclusive = exclusive
        self.option = option
        self.written: list[Path] = []
        self._staging: Path | None = None
        check_destination(self.out, option)
        if self.out.is_dir():
            self._check_conflicts(set(names), _read_record(self.out))

    def __enter__(self) -> Path:
        parent = self.out if self.out.is_dir() else _nearest_existing(self.out)
        try:
            staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=parent))
            staging.chmod(0o755)  # mkdtemp makes it private; outputs are meant to be shared
        except OSError as error:
            raise OutputError(
                f"{self.option} {self.out}: cannot write in {parent} ({error.strerror or error})"
            ) from None
        self._staging = staging
        return staging

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        staging = self._staging
        assert staging is not None, "StagedOutput used outside a with block"
        try:
            if kind is None:
                self.written = self._move_into_place(staging)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            self._staging = None

    # ------------------------------------------------------------------------------ commit

    def _ours(self, record: dict[str, dict[str, Any]], path: Path) -> bool:
        """Whether ``path`` (a file under ``out``) was written by this command and is unchanged."""
        entry = record.get(path.relative_to(self.out).as_posix())
        if entry is None or entry["command"] != self.command:
            return False
        try:
            return _fingerprint(path) == entry["fingerprint"]
        except OSError:
            return False

    def _check_conflicts(self, names: set[str], record: dict[str, dict[str, Any]]) -> None:
        """Refuse when writing ``names`` (and, if exclusive, anything) would touch what is not
        ours, or ours without leave to replace it."""
        foreign: list[Path] = []
        own: list[Path] = []
        for target in sorted(self.out.iterdir()):
            if target.name == RECORD_FILE or target.name.startswith(_STAGING_PREFIX):
                continue
            if not (self.exclusive or target.name in names):
                continue
            for path in _files_under(self.out, target):
                (own if self._ours(record, path) else foreign).append(path)
        if foreign:
            reason = (
                "holds files this tool did not write (or that were changed since); "
                "choose an empty folder"
                if self.exclusive
                else "would replace files this tool did not write (or that were changed since); "
                "move them away or choose another folder"
            )
            raise self._refuse(foreign, reason)
        if own and not self.replace_own:
            hint = f"; {self.replace_hint}" if self.replace_hint else ""
            raise self._refuse(own, f"holds the output of an earlier '{self.command}'{hint}")

    def _refuse(self, paths: list[Path], reason: str) -> OutputError:
        shown = ", ".join(str(path.relative_to(self.out)) for path in paths[:5])
        more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
        return OutputError(f"{self.option} {self.out}: {reason}: {shown}{more}")

    def _move_into_place(self, staging: Path) -> list[Path]:
        record = _read_record(self.out) if self.out.is_dir() else {}
        entries = sorted(staging.iterdir())
        if self.out.is_dir():  # again: the folder may have changed while the command ran
            self._check_conflicts({entry.name for entry in entries}, record)
        new_files = {
            path.relative_to(staging).as_posix()
            for entry in entries
            for path in _files_under(staging, entry)
        }
        stale = [
            self.out / name
            for name in record
            if name not in new_files and self._ours(record, self.out / name)
        ]
        try:
            with _interrupts_held():
                self.out.mkdir(parents=True, exist_ok=True)
                retired = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=staging))
                moved = []
                for entry in entries:
                    target = self.out / entry.name
                    if target.exists():
                        os.replace(target, retired / entry.name)
                    os.replace(entry, target)
                    moved.append(target)
                for path in stale:
                    path.unlink(missing_ok=True)
                    _remove_empty_parents(path.parent, self.out)
                self._write_record(record, new_files, stale)
        except OSError as error:
            raise OutputError(
                f"{self.option} {self.out}: cannot move the output into place "
                f"({error.strerror or error}); the output so far is in {staging.name}"
            ) from None
        return moved

    def _write_record(
        self, record: dict[str, dict[str, Any]], new_files: set[str], stale: list[Path]
    ) -> None:
        removed = {path.relative_to(self.out).as_posix() for path in stale}
        kept = {
            name: entry
            for name, entry in record.items()
            if name not in new_files and name not in removed and (self.out / name).exists()
        }
        for name in sorted(new_files):
            kept[name] = {"command": self.command, "fingerprint": _fingerprint(self.out / name)}
        text = json.dumps({"files": kept}, indent=1, sort_keys=True) + "\n"
        (self.out / RECORD_FILE).write_text(text, encoding="utf-8")


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def write_file_atomically(
    path: str | Path, write: Callable[[BinaryIO], None], option: str = "--out"
) -> Path:
    """Write one file through ``write(stream)`` into a temporary file beside it, then rename.

    For commands whose output is one file the user named: the file is replaced in one step, so
    a reader of it never sees half of it, and an interrupted or failed write leaves nothing.

    Raises:
        OutputError: the file cannot be written there (the folder above is a file, missing
            permission, a read-only file system).
    """
    target = Path(os.path.abspath(path))
    check_destination(target, option, is_file=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{option} {target}: cannot write ({error.strerror or error})") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o666 & ~_current_umask())  # mkstemp makes it owner-only
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{option} {target}: cannot write ({error.strerror or error})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
