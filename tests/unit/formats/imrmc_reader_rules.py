"""iMRMC's Java reader of input files, transcribed to Python to read exported files back.

Java is not part of this project, so the tests cannot run iMRMC. This module follows
``src/mrmc/core/InputFile.java`` of github.com/DIDSR/iMRMC (commit ``ad589e5``) step by step —
``ReadInputFile`` (line clean-up), ``getExperimentSizeFromHeader``, ``parseObserverData``,
``verifySizesAndGetIDs`` and ``processScoresAndTruth`` — raising :class:`ImrmcReadError` where the
Java code throws, and is itself checked on iMRMC's own example file (``data/imrmc``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

#: ``java.util.regex`` ``\s``: ASCII white space only.
_JAVA_SPACE = re.compile(r"[ \t\n\x0b\f\r]")
_JAVA_INTEGER = re.compile(r"[+-]?\d+")
_SIZE_KEYS = {"N0:": "N0", "N1:": "N1", "NR:": "NR", "NM:": "NM"}


class ImrmcReadError(Exception):
    """Where iMRMC's Java reader throws or stops."""


@dataclass
class ImrmcData:
    """What the Java reader holds after reading a file."""

    title: str
    header_sizes: dict[str, int] = field(default_factory=dict)
    #: ``dataCheckResults``: the sizes of the header that differ from the data.
    size_mismatches: str = ""
    truth: dict[str, int] = field(default_factory=dict)
    normal_ids: list[str] = field(default_factory=list)
    disease_ids: list[str] = field(default_factory=list)
    reader_ids: list[str] = field(default_factory=list)
    modality_ids: list[str] = field(default_factory=list)
    #: ``keyedData``: (reader, case, modality) → score, only where iMRMC keeps it (a reader in a
    #: modality with more than two normal and more than two disease cases).
    scores: dict[tuple[str, str, str], float] = field(default_factory=dict)
    #: Every observation row, kept or not.
    observations: int = 0


def _clean(line: str) -> str:
    """``ReadInputFile``: a line ending in ``,,`` is cut at its first ``,,``, then one trailing
    comma is dropped. A one-character line makes ``substring(length - 2)`` throw, which the Java
    code catches by abandoning the rest of the file."""
    if len(line) == 1:
        raise ImrmcReadError(f"one-character line {line!r}: iMRMC stops reading there")
    if line.endswith(",,"):
        line = line[: line.index(",,")]
    if line.endswith(","):
        line = line[:-1]
    return line


def _java_split(line: str) -> list[str]:
    """``String.split(",")``: trailing empty strings are removed."""
    parts = line.split(",")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def read_imrmc_like_java(path: Path) -> ImrmcData:
    """Read ``path`` as iMRMC's Java ``InputFile`` does (raw-data ``.imrmc`` input)."""
    lines = [_clean(line) for line in path.read_text(encoding="utf-8").splitlines()]
    data = ImrmcData(title=lines[0] if lines else "")
    position = 0
    while True:  # getExperimentSizeFromHeader
        if position >= len(lines):
            raise ImrmcReadError("ERROR: Can't find BEGIN DATA")
        upper = lines[position].upper()
        if upper.find("BEGIN DATA:") == 0:
            break
        for key, name in _SIZE_KEYS.items():
            if key in upper:
                text = upper[3:].strip()
                if not _JAVA_INTEGER.fullmatch(text):
                    raise ImrmcReadError(f"Found {key} Text following is not an integer: {upper}")
                data.header_sizes[name] = int(text)
        position += 1
    rows = []
    for number, line in enumerate(lines[position + 1 :], start=position + 2):  # parseObserverData
        fields = _java_split(line)
        if len(fields) < 4:
            raise ImrmcReadError(f"ERROR: Invalid input row = {number}: {line!r}")
        rows.append((number, [_JAVA_SPACE.sub("", f) for f in fields[:4]]))
    _verify_sizes_and_get_ids(rows, data)
    _process_scores_and_truth(rows, data)
    return data


def _is_truth(reader: str) -> bool:
    return reader in ("truth", "-1")


def _verify_sizes_and_get_ids(rows: list[tuple[int, list[str]]], data: ImrmcData) -> None:
    normals: set[str] = set()
    diseases: set[str] = set()
    for number, (reader, case, _modality, score) in rows:
        if _is_truth(reader):
            if case in normals or case in diseases:
                raise ImrmcReadError(f"ERROR: Duplicate case found row = {number} caseID = {case}")
            if score == "0":
                normals.add(case)
            if score == "1":
                diseases.add(case)
    readers: set[str] = set()
    modalities: set[str] = set()
    for number, (reader, case, modality, _score) in rows:
        if _is_truth(reader):
            continue
        if case not in normals and case not in diseases:
            raise ImrmcReadError(f"ERROR: No truth for case row = {number} caseID = {case}")
        readers.add(reader)
        modalities.add(modality)
    data.reader_ids, data.modality_ids = sorted(readers), sorted(modalities)
    data.normal_ids, data.disease_ids = sorted(normals), sorted(diseases)
    found = {
        "NR": len(readers),
        "N0": len(normals),
        "N1": len(diseases),
        "NM": len(modalities),
    }
    for name in ("NR", "N0", "N1", "NM"):
        given = data.header_sizes.get(name, 0)
        if given != found[name]:
            data.size_mismatches += f"{name} Given = {given} {name} Found = {found[name]}\n"


def _process_scores_and_truth(rows: list[tuple[int, list[str]]], data: ImrmcData) -> None:
    counts: dict[tuple[str, str], list[int]] = {}
    for _, (reader, case, modality, _score) in rows:
        if not _is_truth(reader):
            count = counts.setdefault((modality, reader), [0, 0])
            count[0 if case in data.normal_ids else 1] += 1
    for number, (reader, case, modality, score_text) in rows:
        score = float(score_text)  # Double.valueOf: throws on text that is not a number
        if _is_truth(reader):
            data.truth[case] = int(score_text)
            continue
        key = (reader, case, modality)
        if key in data.scores:  # only scores kept so far are compared, as in the Java code
            raise ImrmcReadError(f"ERROR: Replicate observation found row = {number}")
        data.observations += 1
        if min(counts[(modality, reader)]) > 2:
            data.scores[key] = score
