"""Opening a CSV file safely and splitting it into line-numbered records.

Every CSV the project reads (manifests, reads exports, model scores) comes through here, so the
rules are the same for all of them:

* only a regular file is opened, and without blocking: a named pipe or a device given by mistake
  (or malice) is refused at once instead of hanging the command or reading ``/dev/zero`` until
  memory runs out;
* a file larger than :data:`MAX_CSV_BYTES` is refused before it is read;
* the text is UTF-8, with or without the byte-order mark Excel writes; a decoding error names the
  byte and the line;
* a record is located by the line it *starts* on, as a text editor numbers lines (a quoted cell
  may span lines), so that every message can say where to look.

Problems are raised as :class:`CsvTextError`, which carries the line (or ``None``) and a message
about the file; the caller adds the file name in its own report format.

:func:`split_table` applies the rules of a table's shape once for every reader, with one wording:
the header is the first record that is not blank, every row must have as many fields as the
header, and every header cell names its column. Columns after the last named one that are empty
in the header and in every row are dropped: Excel writes such columns (a cell once formatted to
the right of the table) as trailing commas, and they hold nothing.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Largest CSV file read, in bytes (512 MiB): a reads export of a million decisions is ~150 MB.
MAX_CSV_BYTES = 512 * 1024 * 1024


class CsvTextError(Exception):
    """A CSV file cannot be read or split into records; ``line`` is ``None`` for the whole file."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_csv_text(path: str | Path, *, max_bytes: int = MAX_CSV_BYTES) -> str:
    """The text of a CSV file, checked as the module docstring describes.

    Raises:
        CsvTextError: missing, a folder, not a regular file, too large, not UTF-8, or empty.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise CsvTextError(None, "file not found") from None
    except IsADirectoryError:
        raise CsvTextError(None, "is a folder, not a CSV file") from None
    except OSError as error:
        raise CsvTextError(None, f"cannot be read ({error.strerror or error})") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise CsvTextError(None, "is a folder, not a CSV file")
        raise CsvTextError(None, "is not a regular file (a pipe or a device?), not a CSV file")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(max_bytes + 1)
        except OSError as error:
            raise CsvTextError(None, f"cannot be read ({error.strerror or error})") from None
    if len(data) > max_bytes:
        raise CsvTextError(
            None, f"is larger than {max_bytes // (1024 * 1024)} MiB, the limit for a CSV file"
        )
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvTextError(
            line,
            f"is not UTF-8 text (byte 0x{data[error.start]:02X}); save it as UTF-8 CSV",
        ) from None
    if not text.strip():
        raise CsvTextError(None, "is empty (no header, no rows)")
    return text


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, fields) of each CSV record of ``text``; a record may span lines.

    Raises:
        CsvTextError: the csv module gave up (an unclosed quote, stray characters after a
            closing quote), located at the first line of the broken record.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    previous_end = 0
    try:
        for fields in reader:
            yield previous_end + 1, fields
            previous_end = reader.line_num
    except csv.Error as error:
        # report where the broken record starts: an unclosed quote fails at the end of the file
        raise CsvTextError(
            previous_end + 1, f"malformed CSV from this line on ({error}; an unclosed quote?)"
        ) from None


def is_blank(fields: list[str]) -> bool:
    """A record of empty cells only: a blank line or a spreadsheet's leftover row."""
    return not any(cell.strip() for cell in fields)


@dataclass(frozen=True)
class CsvTable:
    """A CSV text split into its header and rows, with the problems of its shape.

    Attributes:
        header_line: the header's line, or ``None`` when the text has no record that is not
            blank.
        header: the header's cells, stripped; trailing columns that hold nothing are left out.
        rows: (line, cells stripped) of each row that has the header's number of fields, in
            file order; blank rows are left out.
        problems: what is wrong with the shape, each with its line: a row with another number
            of fields (left out of ``rows``), an empty header cell, malformed CSV (the rows
            before it are kept).
    """

    header_line: int | None
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: tuple[CsvTextError, ...]


def field_count_message(fields: int, named: int, cells: int) -> str:
    """The message of a row of ``fields`` fields under a header of ``named`` columns (and
    ``cells`` cells, counting the empty trailing ones that are left out)."""
    trailing = f" ({cells} with its empty trailing cells)" if cells != named else ""
    noun = "field" if fields == 1 else "fields"
    return f"the row has {fields} {noun}, but the header has {named}{trailing}"


def blank_header_message(position: int) -> str:
    """The message of an empty header cell at ``position`` (1-based)."""
    return (
        f"header cell {position} (spreadsheet column {spreadsheet_column(position)}) is empty: "
        "every column needs a name"
    )


def spreadsheet_column(position: int) -> str:
    """A spreadsheet's name of the column at ``position`` (1-based): 1 → A, 27 → AA."""
    name = ""
    while position > 0:
        position, remainder = divmod(position - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def split_table(text: str) -> CsvTable:
    """Split CSV ``text`` into its header and rows, as the module docstring describes."""
    header: list[str] | None = None
    header_line: int | None = None
    records: list[tuple[int, list[str]]] = []
    problems: list[CsvTextError] = []
    try:
        for line, fields in csv_records(text):
            if is_blank(fields):
                continue
            if header is None:
                header, header_line = [cell.strip() for cell in fields], line
            else:
                records.append((line, [cell.strip() for cell in fields]))
    except CsvTextError as error:
        problems.append(error)
    if header is None:
        return CsvTable(None, (), (), tuple(problems))
    named = _named_width(header, records)
    for position, name in enumerate(header[:named], start=1):
        if not name:
            problems.append(CsvTextError(header_line, blank_header_message(position)))
    rows = []
    for line, cells in records:
        if named <= len(cells) <= len(header):
            rows.append((line, tuple(cells[:named])))
        else:
            problems.append(CsvTextError(line, field_count_message(len(cells), named, len(header))))
    ordered = sorted(problems, key=lambda problem: problem.line or 0)
    return CsvTable(header_line, tuple(header[:named]), tuple(rows), tuple(ordered))


def _named_width(header: list[str], records: list[tuple[int, list[str]]]) -> int:
    """How many columns are kept: up to the last one named in the header or holding something in
    a row (rows longer than the header are refused anyway and not looked at)."""
    width = len(header)
    while width > 0 and not header[width - 1]:
        width -= 1
    if width == len(header):
        return width
    for _, cells in records:
        if len(cells) > len(header):
            continue
        for position in range(len(cells), width, -1):
            if cells[position - 1]:
                width = position
                break
    return width
