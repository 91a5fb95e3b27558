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
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterator
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
