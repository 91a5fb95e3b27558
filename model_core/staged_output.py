"""Writing a command's output: all of it or nothing, and never over files the tool did not write.

Every command that writes files goes through :class:`StagedOutput`: a folder of outputs
(``synth``, ``simulate-reads``, ``analyze``, ``import``, ``study export``, the demo's marker) or,
through :meth:`StagedOutput.for_file`, one file the user named (``preprocess``).

1. **Before any work**, the destination is checked: ``--out`` must be a folder or not exist yet
   (not a broken symbolic link), and the nearest folder that exists must be writable. Every name
   the command will write that already exists must be the command's own earlier output (an
   exclusive command, ``synth`` or ``import``, checks everything in the folder). Staging folders
   that dead processes of this machine left behind (SIGKILL, a power cut) are removed.
2. The command writes into a hidden **staging folder**, ``.cesm-reader-staging-<pid>@<host>-…``,
   on the same file system (inside ``--out`` when it exists, else inside the nearest existing
   folder above it), so that moving is renaming. If the command fails or is interrupted (Ctrl-C,
   SIGTERM), the staging folder is removed and ``--out`` is untouched.
3. On success the output **moves into place file by file**, and the record of what was written,
   :data:`RECORD_FILE`, last (it is written in the staging folder and renamed over the old one,
   never written through a symbolic link). A file already there is replaced only if the record
   says this command wrote it and it is unchanged: same size and modification time, or, for a
   copy that did not keep timestamps, same SHA-256. Anything else in the way (a file the record
   does not list or lists for another command, a changed file, a folder it does not list, a
   symbolic link, a named pipe, a folder that cannot be read) is somebody else's: the command
   stops before moving anything, naming the first few. Files an earlier run of the same command
   wrote that this run does not write again are removed, so a folder never mixes two runs.
   Files the tool did not write are never replaced or deleted; a single file replaces a file the
   tool did not write only when the user asks (``preprocess --overwrite``).
4. The files replaced or removed wait in the staging folder until the last rename; if any move
   fails, the moves already done are undone from there and the command reports that nothing
   changed.

Ctrl-C and SIGTERM are held back while the output moves into place and while a staging folder is
removed, then acted on: the command still stops, and says whether its output was complete
(:class:`~model_core.errors.Interrupted`). Replacing a 30-case full-size cohort (93 files,
0.53 GB) holds them 36–56 ms on the 2-core reference machine, most of it deleting the
replaced files (moving whole folders with one rename each, as before, took 33–35 ms); the
checks and SHA-256 fingerprints before, with interrupts not held, take 0.34 s
(``benchmarks/bench_staged_output.py``).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from model_core.errors import Interrupted, OutputError
from model_core.held_interrupts import HeldInterrupts, pending_interrupt
from model_core.output_record import (
    RECORD_FILE,
    TOOL_PREFIX,
    OutputRecord,
    entry_of,
    read_record,
    unchanged,
)
from model_core.output_survey import SHOWN, Survey, survey_folder

_STAGING_PREFIX = f"{TOOL_PREFIX}staging-"
#: A staging folder whose moves could not be undone: kept, named in the message, never swept.
_RESCUE_PREFIX = f"{TOOL_PREFIX}rescue-"
_HOST = re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "host"
_STAGING_NAME = re.compile(re.escape(_STAGING_PREFIX) + r"(\d+)@([A-Za-z0-9._-]*)-[a-z0-9_]+")
#: The staged output inside a staging folder (beside it: the record and the retired files).
_TREE = "out"
_RETIRED = "retired"
# ------------------------------------------------------------------------------ destination


def nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (a symbolic link counts, even a broken one)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def _absolute(out: str | Path, option: str) -> Path:
    if isinstance(out, str) and not out:
        raise OutputError(f"{option} '': give a folder; '.' for the current one")
    return Path(os.path.abspath(out))


def _staging_prefix() -> str:
    return f"{_STAGING_PREFIX}{os.getpid()}@{_HOST}-"


def check_destination(out: str | Path, option: str = "--out", *, is_file: bool = False) -> None:
    """Refuse an output folder (or, with ``is_file``, an output file) that cannot be written.

    Raises:
        OutputError: the destination is empty text, of the wrong kind, or a broken symbolic
            link; a folder on its path is a file; or the nearest existing folder is not writable
            (permissions, read-only file system).
    """
    out = _absolute(out, option)
    existing = nearest_existing(out.parent if is_file else out)
    if existing.is_symlink() and not existing.exists():  # reported as a file otherwise
        where = "is" if existing == out else f"cannot write there, {existing} is"
        raise OutputError(
            f"{option} {out}: {where} a broken symbolic link (to {os.readlink(existing)})"
        )
    if is_file and out.is_dir():
        raise OutputError(f"{option} {out}: is a folder; give a file name")
    if not is_file and out.exists() and not out.is_dir():
        raise OutputError(f"{option} {out}: exists and is not a folder")
    if not existing.is_dir():
        raise OutputError(f"{option} {out}: cannot write there, {existing} is a file, not a folder")
    try:  # a real probe: permissions, read-only mounts and pseudo file systems, root included
        os.rmdir(tempfile.mkdtemp(prefix=_staging_prefix(), dir=existing))
    except OSError as error:
        raise OutputError(
            f"{option} {out}: cannot write in {existing} ({error.strerror or error}); "
            "choose another place"
        ) from None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or not 0 < pid < 2**31:
        return True  # ours, or not a pid we can ask about: keep it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, belongs to another user
    return True


def _is_staging(entry: os.DirEntry[str]) -> bool:
    """A staging folder of another run (dead runs' ones are removed before the survey)."""
    return entry.name.startswith(_STAGING_PREFIX) and entry.is_dir(follow_symlinks=False)


def _remove_abandoned_staging(folder: Path) -> None:
    """Remove staging folders in ``folder`` left by processes of this machine that are gone."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _STAGING_NAME.fullmatch(entry.name)
        if match is None or match.group(2) != _HOST or _pid_alive(int(match.group(1))):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)


def _completed(interrupt: KeyboardInterrupt, out: Path) -> Interrupted:
    """``interrupt``, noting that it came when the output in ``out`` was already complete."""
    if not isinstance(interrupt, Interrupted):
        interrupt = Interrupted(signal.SIGINT)
    interrupt.completed.append(out)
    return interrupt


# ------------------------------------------------------------------------------ commit


@dataclass(frozen=True)
class _Plan:
    """What :meth:`StagedOutput.__exit__` will move, decided before interrupts are held."""

    tree: Path
    files: list[str]
    folders: list[str]
    own: set[str]
    stale: list[str]
    record: Path


class _Moves:
    """The renames done so far, so that a failure can undo them, last first."""

    def __init__(self, retired: Path) -> None:
        self.retired = retired
        self._done: list[tuple[str, Path, Path]] = []

    def make_folder(self, folder: Path) -> None:
        os.mkdir(folder)
        self._done.append(("folder", folder, folder))

    def retire(self, path: Path, relative: str) -> None:
        kept = self.retired / relative
        kept.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, kept)
        self._done.append(("retired", path, kept))

    def place(self, source: Path, target: Path) -> None:
        os.replace(source, target)
        self._done.append(("placed", target, source))

    def undo(self) -> None:
        while self._done:
            kind, path, other = self._done[-1]
            if kind == "folder":
                os.rmdir(path)
            elif kind == "retired":
                os.replace(other, path)
            else:
                os.replace(path, other)
            self._done.pop()


# ------------------------------------------------------------------------------ the output


class StagedOutput:
    """A command's output, staged and moved into place (see the module docstring).

    Use as a context manager; it yields the staging folder to write into::

        output = StagedOutput(out, "analyze", names={"results.json"})  # checks, before any work
        ...  # the work
        with output as staging:
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
        file_name: write this one file into ``out`` (see :meth:`for_file`).
        replace_foreign: whether a file the tool did not write may be replaced (only for a file
            the user named, with ``--overwrite``).
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
        file_name: str | None = None,
        replace_foreign: bool = False,
    ) -> None:
        self.out = _absolute(out, option)
        self.command = command
        self.replace_own = replace_own
        self.replace_hint = replace_hint
        self.exclusive = exclusive
        self.option = option
        self.file_name = file_name
        self.replace_foreign = replace_foreign
        self.written: list[Path] = []
        #: Seconds Ctrl-C and SIGTERM were held back while the output moved into place and the
        #: staging folder was removed (printed by ``benchmarks/bench_staged_output.py``).
        self.held_seconds = 0.0
        self._staging: Path | None = None
        self._rescued = False
        self._shown = self.out if file_name is None else self.out / file_name
        check_destination(self._shown, option, is_file=file_name is not None)
        for folder in {self.out, nearest_existing(self.out.parent)}:
            _remove_abandoned_staging(folder)
        if self.out.is_dir():
            self._check_record_path()
            wanted = {file_name} if file_name is not None else set(names)
            self._check(self._survey(read_record(self.out), None if exclusive else wanted))

    @classmethod
    def for_file(
        cls, path: str | Path, command: str, *, overwrite: bool = False, option: str = "--out"
    ) -> StagedOutput:
        """One file the user named: it replaces the command's own earlier file, and a file the
        tool did not write only with ``overwrite``; it is recorded in its folder's record."""
        target = _absolute(path, option)
        return cls(
            target.parent,
            command,
            replace_hint="pass --overwrite to replace it",
            option=option,
            file_name=target.name,
            replace_foreign=overwrite,
        )

    def __enter__(self) -> Path:
        parent = self.out if self.out.is_dir() else nearest_existing(self.out)
        try:
            staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(), dir=parent))
            (staging / _TREE).mkdir()
        except OSError as error:
            raise OutputError(
                f"{self.option} {self._shown}: cannot write in {parent} ({error.strerror or error})"
            ) from None
        self._staging = staging
        return staging / _TREE

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        staging = self._staging
        assert staging is not None, "StagedOutput used outside a with block"
        self._staging = None
        if kind is not None:  # the block failed or was interrupted: its exception goes on
            self._discard(staging, interrupted=issubclass(kind, KeyboardInterrupt))
            return
        signum = pending_interrupt()
        if signum is not None:  # an interrupt whose exception was lost: nothing is committed
            self._discard(staging, interrupted=True)
            raise Interrupted(signum)
        try:
            plan = self._plan(staging)
        except BaseException as failure:
            self._discard(staging, interrupted=isinstance(failure, KeyboardInterrupt))
            raise
        self._commit(plan, staging)

    # ------------------------------------------------------------------------------ checks

    def _check_record_path(self) -> None:
        path = self.out / RECORD_FILE
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        except OSError as error:
            raise OutputError(
                f"{self.option} {self._shown}: cannot read {path} ({error})"
            ) from None
        if not stat.S_ISREG(mode):
            raise OutputError(
                f"{self.option} {self._shown}: {path} is not a regular file (a symbolic link, a "
                "folder or a special file); the tool keeps its record of what it wrote there "
                "and never writes through it: move it away"
            )

    def _survey(self, record: OutputRecord, names: set[str] | None) -> Survey:
        try:
            return survey_folder(self.out, self.command, record, names, skip=_is_staging)
        except OSError as error:
            raise OutputError(
                f"{self.option} {self._shown}: cannot read {self.out} ({error.strerror or error})"
            ) from None

    def _check(self, survey: Survey) -> None:
        """Refuse what is in the way, or the command's own output without leave to replace it."""
        blocking = [
            found for found in survey.foreign if not (self.replace_foreign and not found.folder)
        ]
        if blocking:
            groups: dict[str, list[str]] = {}
            for found in blocking[:SHOWN]:
                groups.setdefault(found.what, []).append(found.path)
            listed = "; ".join(f"{what}: {', '.join(paths)}" for what, paths in groups.items())
            more = " and more" if len(blocking) > SHOWN else ""
            if self.file_name is not None:
                verb, advice = "would replace", self.replace_hint
            elif self.exclusive:
                verb, advice = "holds", "choose an empty folder"
            else:
                verb, advice = "would replace", "move them away or choose another folder"
            raise OutputError(f"{self.option} {self._shown}: {verb} {listed}{more}; {advice}")
        if survey.own and not self.replace_own:
            hint = f"; {self.replace_hint}" if self.replace_hint else ""
            raise OutputError(
                f"{self.option} {self._shown}: holds the output of an earlier "
                f"'{self.command}'{hint}"
            )

    # ------------------------------------------------------------------------------ commit

    def _plan(self, staging: Path) -> _Plan:
        """Check again (the folder may have changed while the command ran), fingerprint the new
        files and write the new record into the staging folder."""
        tree = staging / _TREE
        files: list[str] = []
        folders: list[str] = []

        def refuse(error: OSError) -> None:
            raise error

        for root, subfolders, names in os.walk(tree, onerror=refuse):
            base = Path(root).relative_to(tree).as_posix()
            prefix = "" if base == "." else f"{base}/"
            folders += [prefix + name for name in subfolders]
            files += [prefix + name for name in names]
        files.sort()
        folders.sort()
        if self.file_name is not None and files != [self.file_name]:
            raise ValueError(f"StagedOutput for {self.file_name} was given {files}")
        if RECORD_FILE in files or RECORD_FILE in folders:
            raise ValueError(f"a command may not write {RECORD_FILE}")

        record = OutputRecord()
        own: set[str] = set()
        if self.out.is_dir():
            self._check_record_path()
            record = read_record(self.out)
            top = {name.split("/")[0] for name in files + folders}
            survey = self._survey(record, None if self.exclusive else top)
            self._check(survey)
            own = survey.own
        new = set(files)
        stale = sorted(
            name
            for name, entry in record.files.items()
            if self.file_name is None
            and entry.command == self.command
            and name not in new
            and unchanged(entry, self.out / name)
        )
        removed = new | set(stale)
        updated = OutputRecord(
            files={
                name: entry
                for name, entry in record.files.items()
                if name not in removed and os.path.lexists(self.out / name)
            },
            folders={
                name: command
                for name, command in record.folders.items()
                if command != self.command and os.path.isdir(self.out / name)
            },
        )
        for name in files:
            updated.files[name] = entry_of(tree / name, self.command)
        for name in folders:
            updated.folders[name] = self.command
        record_path = staging / RECORD_FILE
        record_path.write_text(updated.to_json(), encoding="utf-8")
        return _Plan(tree, files, folders, own, stale, record_path)

    def _commit(self, plan: _Plan, staging: Path) -> None:
        """Move everything into place and remove the staging folder, interrupts held."""
        started = time.perf_counter()
        with HeldInterrupts() as held:
            try:
                self._move(plan, staging)
            finally:
                if not self._rescued:
                    shutil.rmtree(staging, ignore_errors=True)
                self.held_seconds = time.perf_counter() - started
        self.written = sorted({self.out / name.split("/")[0] for name in plan.files + plan.folders})
        try:
            held.act()
        except KeyboardInterrupt as interrupt:
            raise _completed(interrupt, self.out) from None

    def _make_folders(self, moves: _Moves, folder: Path) -> None:
        missing: list[Path] = []
        probe = folder
        while not os.path.lexists(probe):
            missing.append(probe)
            probe = probe.parent
        inside = probe == self.out or self.out in probe.parents
        if inside and probe != self.out and not stat.S_ISDIR(os.lstat(probe).st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "in the way of an output folder", str(probe))
        if not probe.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(probe))
        for path in reversed(missing):
            moves.make_folder(path)

    def _move(self, plan: _Plan, staging: Path) -> None:
        moves = _Moves(staging / _RETIRED)
        try:
            self._make_folders(moves, self.out)
            for name in plan.folders:
                self._make_folders(moves, self.out / name)
            for name in plan.files:
                target = self.out / name
                self._make_folders(moves, target.parent)
                if os.path.lexists(target):
                    if name not in plan.own and not self.replace_foreign:
                        raise FileExistsError(errno.EEXIST, "appeared meanwhile", str(target))
                    moves.retire(target, name)
                moves.place(plan.tree / name, target)
            for name in plan.stale:
                moves.retire(self.out / name, name)
            record = self.out / RECORD_FILE
            if os.path.lexists(record):
                if not stat.S_ISREG(os.lstat(record).st_mode):
                    raise FileExistsError(errno.EEXIST, "not a regular file", str(record))
                moves.retire(record, RECORD_FILE)
            moves.place(plan.record, record)
        except OSError as error:
            reason = f"{error.strerror or error}" + (
                f": {error.filename}" if error.filename else ""
            )
            try:
                moves.undo()
            except OSError as undo_error:
                rescue = self._rescue(staging)
                raise OutputError(
                    f"{self.option} {self._shown}: cannot move the output into place ({reason}), "
                    f"and undoing the moves failed ({undo_error.strerror or undo_error}): the "
                    f"folder may mix two runs; the files it replaced are in {rescue / _RETIRED}, "
                    f"the new ones in {rescue / _TREE} (move them away before writing there again)"
                ) from None
            raise OutputError(
                f"{self.option} {self._shown}: cannot move the output into place ({reason}); "
                "nothing was changed"
            ) from None
        for name in plan.stale:
            _remove_empty_parents((self.out / name).parent, self.out)

    def _rescue(self, staging: Path) -> Path:
        """Keep a staging folder whose moves could not be undone, under a name never swept."""
        self._rescued = True
        rescue = staging.with_name(
            f"{_RESCUE_PREFIX}{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        )
        try:
            os.rename(staging, rescue)
        except OSError:
            return staging
        return rescue

    def _discard(self, staging: Path, *, interrupted: bool) -> None:
        """Remove the staging folder, interrupts held; act on one that came meanwhile unless
        an interrupt is already on its way."""
        with HeldInterrupts() as held:
            shutil.rmtree(staging, ignore_errors=True)
        if not interrupted:
            held.act()


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
