"""What an output folder holds that a command must not replace: the survey before any move.

A command may replace only files its own earlier run wrote and nobody changed since
(:mod:`model_core.output_record`). Before it starts, and again before its output moves into
place, the folder is walked without following symbolic links; each entry is either the
command's own unchanged file, or in the way:

* a file the record does not list ("files this tool did not write"), lists for another command
  ("files written by `cesm-reader simulate-reads`", also when that command keeps its own record
  in a subfolder), or that changed since;
* a folder the record does not list (an empty folder of the user's included), or one that
  cannot be read;
* anything that is neither a file nor a folder: a symbolic link, a named pipe, a device.

A folder the command did not make is reported as one entry, not walked, unless another
command's record inside it says whose files it holds. The walk stops after the first
:data:`SHOWN` + 1 entries in the way: a message names :data:`SHOWN` of them and says "and more",
so ``synth --out /usr`` is refused at once instead of after walking all of ``/usr``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from model_core.output_record import RECORD_FILE, OutputRecord, read_record, unchanged

#: Entries in the way that a message names.
SHOWN = 5

UNRECORDED = "files this tool did not write"
CHANGED = "files changed since this tool wrote them"
FOREIGN_FOLDER = "folders this tool did not make"
SPECIAL = "symbolic links or special files (named pipes, devices, sockets)"
UNREADABLE = "folders that cannot be read"


def written_by(commands: Iterable[str]) -> str:
    """How files another command wrote are described."""
    names = " and ".join(f"`cesm-reader {command}`" for command in sorted(set(commands)))
    return f"files written by {names}"


class Finding(NamedTuple):
    """One entry in the way: its path relative to the folder, what it is, and whether it is a
    folder (a folder is never replaced, not even with ``--overwrite``)."""

    path: str
    what: str
    folder: bool = False


@dataclass
class Survey:
    """The command's own unchanged files, and the first few entries in the way."""

    own: set[str] = field(default_factory=set)
    foreign: list[Finding] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """Enough found to refuse and say "and more": stop looking."""
        return len(self.foreign) > SHOWN


def survey_folder(
    out: Path,
    command: str,
    record: OutputRecord,
    names: set[str] | None,
    skip: Callable[[os.DirEntry[str]], bool],
) -> Survey:
    """Walk ``out`` (only the entries ``names`` at its top, unless ``None``) for ``command``.

    ``record`` is ``out``'s record; top-level entries for which ``skip`` is true (staging
    folders of runs still going) are left out.

    Raises:
        OSError: ``out`` itself cannot be read.
    """
    surveyor = _Surveyor(command, record)
    for entry in sorted(os.scandir(out), key=lambda entry: entry.name):
        if entry.name == RECORD_FILE or (names is not None and entry.name not in names):
            continue
        if not skip(entry):
            surveyor.visit(entry, entry.name, [])
        if surveyor.survey.full:
            break
    return surveyor.survey


class _Surveyor:
    def __init__(self, command: str, record: OutputRecord) -> None:
        self.command = command
        self.record = record
        self.survey = Survey()
        made = [name for name, owner in record.folders.items() if owner == command]
        written = [name for name, entry in record.files.items() if entry.command == command]
        self.own_folders = set(made)  # and every folder above what it made or wrote
        for name in made + written:
            self.own_folders.update(str(parent) for parent in PurePosixPath(name).parents)
        self.own_folders.discard(".")

    def visit(
        self, entry: os.DirEntry[str], relative: str, nested: list[tuple[str, OutputRecord]]
    ) -> None:
        """Classify ``entry``; ``nested`` holds the records of other commands found above it."""
        try:
            is_file = entry.is_file(follow_symlinks=False)
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_file = is_folder = False
        if is_file:
            own = self.record.files.get(relative)
            if own is not None and own.command == self.command and unchanged(own, entry.path):
                self.survey.own.add(relative)
            else:
                what = self._describe(relative, entry.path, nested)
                self.survey.foreign.append(Finding(relative, what))
        elif not is_folder:
            self.survey.foreign.append(Finding(relative, SPECIAL))
        else:
            self._visit_folder(entry, relative, nested)

    def _visit_folder(
        self, entry: os.DirEntry[str], relative: str, nested: list[tuple[str, OutputRecord]]
    ) -> None:
        try:
            children = sorted(os.scandir(entry.path), key=lambda child: child.name)
        except OSError:
            self.survey.foreign.append(Finding(relative, UNREADABLE, folder=True))
            return
        inner = read_record(Path(entry.path))  # another command's output kept its own record
        if inner.files:
            nested = [*nested, (relative, inner)]
        elif relative not in self.own_folders:
            self.survey.foreign.append(Finding(relative, FOREIGN_FOLDER, folder=True))
            return
        found = len(self.survey.foreign)
        for child in children:
            if child.name != RECORD_FILE:
                self.visit(child, f"{relative}/{child.name}", nested)
            if self.survey.full:
                return
        if len(self.survey.foreign) == found and any(c.name == RECORD_FILE for c in children):
            commands = {known.command for known in inner.files.values()}
            what = written_by(commands) if commands else UNRECORDED
            self.survey.foreign.append(Finding(f"{relative}/{RECORD_FILE}", what))

    def _describe(self, relative: str, path: str, nested: list[tuple[str, OutputRecord]]) -> str:
        """Why a file is in the way: changed since, another command's output, or not ours."""
        candidates = [(self.record, relative)]
        candidates += [(inner, relative[len(base) + 1 :]) for base, inner in reversed(nested)]
        for record, name in candidates:
            known = record.files.get(name)
            if known is not None:
                if known.command == self.command or not unchanged(known, path):
                    return CHANGED
                return written_by([known.command])
        return UNRECORDED
