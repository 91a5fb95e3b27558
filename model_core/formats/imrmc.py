"""The iMRMC input file: a reader study's scores as the FDA's iMRMC tools read them.

iMRMC (github.com/DIDSR/iMRMC; the Java program and the R package ``iMRMC``, which runs the same
Java engine) analyses MRMC ROC studies from one text file. The layout written here follows the
Java reader, ``src/mrmc/core/InputFile.java`` (``ReadInputFile``, ``getExperimentSizeFromHeader``,
``parseObserverData``, ``verifySizesAndGetIDs``, ``processScoresAndTruth``), read at commit
``ad589e5``; ``docs/formats.md`` documents it for users::

    cesm-reader reads export, study demo        <- free text before BEGIN DATA: (the first line
    NR: 2                                          is iMRMC's record title)
    N0: 10                                      <- sizes: iMRMC compares them with the data
    N1: 10
    NM: 2
    ...
    BEGIN DATA:
    -1,C0001,0,0                                <- truth: reader -1, modality 0, 0 = benign
    -1,C0002,0,1                                            1 = malignant
    R1,C0001,unaided,67                         <- reader, case, modality, score
    R1,C0001,aided,72

The rules of the Java reader that shape what is written (each refused id is reported, since it
would be read as something else):

* a data row is split at every comma and **all white space is removed** from each field, so an
  id holding a comma or white space cannot be written as given;
* a row whose reader is ``-1`` or ``truth`` is a truth row, so no reader may be called that;
* ``N0:``, ``N1:``, ``NR:``, ``NM:`` anywhere in a header line (any letter case) make the reader
  parse the rest of the line from its fourth character as an integer, so free text never holds
  them; ``BEGIN DATA:`` must start its line;
* a line of one character stops the Java reader (a substring check), so there is none.

Case ids are the study's own, as given, not renumbered; iMRMC keys everything by text. The score
is the reader's probability of malignancy (0–100); the modalities are ``unaided`` and ``aided``.
iMRMC itself analyses a reader in a modality only with more than two benign and more than two
malignant cases read (``processScoresAndTruth``); smaller studies are written all the same.
RJafroc's own reader of ``.imrmc`` files needs integer case and reader ids — use RJafroc's
workbook (:mod:`~model_core.formats.rjafroc`) for RJafroc.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from model_core.errors import ExportError
from model_core.formats.mrmc_ratings import MrmcRatings, mrmc_ratings
from model_core.formats.problems import ProblemCollector

#: The line that ends the free-text header; the data follow it.
BEGIN_DATA = "BEGIN DATA:"
#: How a truth row is marked: reader ``-1`` (iMRMC also accepts ``truth``), modality ``0``.
TRUTH_READER = "-1"
TRUTH_MODALITY = "0"
#: Reader ids that the Java reader takes for truth rows.
RESERVED_READERS: tuple[str, ...] = (TRUTH_READER, "truth")
#: Header keys that the Java reader parses wherever they appear in a header line.
SIZE_KEYS: tuple[str, ...] = ("N0:", "N1:", "NR:", "NM:")
_COMMA_OR_SPACE = re.compile(r"[,\s]")


def write_imrmc(
    reads: pd.DataFrame,
    truth: Mapping[str, int | None],
    path: str | Path,
    *,
    simulated: bool = False,
) -> Path:
    """Write the ``reads`` (reads-export layout) of a study as an iMRMC input file at ``path``.

    ``truth`` gives 0 (benign) or 1 (malignant) for each case; every case read must have one.
    Only the cases read appear in the file. ``simulated`` marks reads of simulated readers in
    the header, so that the file says so wherever it is opened.

    Raises:
        ExportError: the reads break a rule shared with the other formats
            (:func:`~model_core.formats.mrmc_ratings.mrmc_ratings`) or an id cannot be written
            as given (see the module docstring); nothing is written then.
    """
    target = Path(path)
    ratings = mrmc_ratings(reads, truth, str(target), "an iMRMC input file")
    problems = ProblemCollector()
    _check_ids(ratings, str(target), problems)
    header = _header(ratings, simulated)
    for line in header:
        if _breaks_header(line):
            problems.add(
                str(target),
                None,
                "study_id",
                f"the header line {line!r} would be misread by iMRMC (it holds one of "
                f"{', '.join(SIZE_KEYS)} or {BEGIN_DATA!r})",
            )
    problems.raise_if_any(ExportError, "the reads to write as an iMRMC input file")
    lines = [*header, BEGIN_DATA]
    lines += [
        f"{TRUTH_READER},{case_id},{TRUTH_MODALITY},{label}"
        for case_id, label in ratings.truth.items()
    ]
    lines += [
        f"{reader},{case_id},{modality},{_score_text(score)}"
        for reader, modality, case_id, score in ratings.ratings.itertuples(index=False)
    ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return target


def _header(ratings: MrmcRatings, simulated: bool) -> list[str]:
    """The free text before ``BEGIN DATA:``; its first line is iMRMC's record title."""
    title = "cesm-reader reads export"
    if ratings.study_ids:
        title += f", study {', '.join(ratings.study_ids)}"
    if simulated:
        title += " - SIMULATED READERS"
    labels = list(ratings.truth.values())
    lines = [
        title,
        f"NR: {len(ratings.readers)}",
        f"N0: {labels.count(0)}",
        f"N1: {labels.count(1)}",
        f"NM: {len(ratings.modalities)}",
        "Scores: each reader's probability of malignancy from 0 to 100",
        "Modalities: unaided = read without the model; aided = read with the model's output",
        "Truth rows: reader -1, modality 0, score 0 = benign, 1 = malignant",
        "Case and reader ids: the study's own, as given",
    ]
    if simulated:
        lines.append(
            "SIMULATED: these scores come from simulated readers (cesm-reader study simulate), "
            "not from people"
        )
    return lines


def _breaks_header(line: str) -> bool:
    """Whether iMRMC's header parser would misread this free-text line."""
    if re.fullmatch(r"N[01RM]: \d+", line):
        return False
    upper = line.upper()
    return any(key in upper for key in SIZE_KEYS) or upper.startswith(BEGIN_DATA)


def _check_ids(ratings: MrmcRatings, target: str, problems: ProblemCollector) -> None:
    """Ids that the Java reader would split, strip or take for truth rows."""
    for reader in ratings.readers:
        if reader in RESERVED_READERS:
            problems.add(
                target,
                None,
                "reader_id",
                f"reader {reader!r}: iMRMC takes rows of reader "
                f"{' or '.join(map(repr, RESERVED_READERS))} for truth rows",
            )
        elif _COMMA_OR_SPACE.search(reader):
            problems.add(
                target,
                None,
                "reader_id",
                f"reader {reader!r} holds a comma or white space, which iMRMC splits at or removes",
            )
    for case_id in ratings.truth:
        if _COMMA_OR_SPACE.search(case_id):
            problems.add(
                target,
                None,
                "case_id",
                f"case {case_id!r} holds a comma or white space, which iMRMC splits at or "
                "removes (the file keeps case ids as given)",
            )


def _score_text(score: float) -> str:
    """``67`` for a whole number, else the shortest text that reads back to the same float."""
    return str(int(score)) if score.is_integer() else repr(score)
