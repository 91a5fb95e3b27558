"""Opening CSV files: only regular files, bounded size, UTF-8, located records."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from model_core.formats.csv_text import (
    CsvTextError,
    csv_records,
    read_csv_text,
    split_table,
    spreadsheet_column,
)


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("case_id,label\nA,benign\n", encoding="utf-8-sig")
    assert read_csv_text(path) == "case_id,label\nA,benign\n"


@pytest.mark.parametrize(
    ("make", "line", "message"),
    [
        (lambda p: None, None, "file not found"),
        (lambda p: p.mkdir(), None, "is a folder, not a CSV file"),
        (lambda p: os.mkfifo(p), None, "is not a regular file (a pipe or a device?)"),
        (lambda p: p.write_bytes(b""), None, "is empty (no header, no rows)"),
        (lambda p: p.write_bytes(b" \n\n"), None, "is empty (no header, no rows)"),
        (lambda p: p.write_bytes(b"a,b\n1,\xe9\n"), 2, "is not UTF-8 text (byte 0xE9)"),
    ],
    ids=["missing", "folder", "fifo", "empty", "blank", "latin-1"],
)
def test_unusable_files_are_refused_with_their_line(tmp_path, make, line, message) -> None:
    path = tmp_path / "x.csv"
    make(path)
    with pytest.raises(CsvTextError) as error:
        read_csv_text(path)
    assert error.value.line == line
    assert message in error.value.message


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(CsvTextError, match="not a regular file"):
        read_csv_text("/dev/zero")


def test_files_over_the_limit_are_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300)
    assert read_csv_text(path, max_bytes=2000).startswith("a,b")
    with pytest.raises(CsvTextError, match="larger than"):
        read_csv_text(path, max_bytes=1000)


def test_records_are_located_where_they_start() -> None:
    text = 'a,b\n1,"two\nlines"\n3,4\n'
    assert list(csv_records(text)) == [(1, ["a", "b"]), (2, ["1", "two\nlines"]), (4, ["3", "4"])]


def test_an_unclosed_quote_is_located_at_its_record() -> None:
    records = csv_records('a,b\n1,2\n3,"4\n5,6\n')
    with pytest.raises(CsvTextError) as error:
        list(records)
    assert error.value.line == 3
    assert "malformed CSV" in error.value.message


def _shape(text: str) -> tuple[tuple[str, ...], list[tuple[int, tuple[str, ...]]], list]:
    table = split_table(text)
    return table.header, list(table.rows), [(p.line, p.message) for p in table.problems]


def test_trailing_columns_empty_everywhere_are_dropped() -> None:
    """Excel writes a formatted but empty column as trailing commas, on every line."""
    header, rows, problems = _shape("a,b,,\n1,2,,\n\n3,4,, \n5,6\n")
    assert header == ("a", "b")
    assert rows == [(2, ("1", "2")), (4, ("3", "4")), (5, ("5", "6"))]
    assert problems == []


def test_a_trailing_column_holding_a_cell_is_kept_and_its_blank_header_reported() -> None:
    header, rows, problems = _shape("a,b,,\n1,2,x,\n3,4,,\n")
    assert header == ("a", "b", "")
    assert rows == [(2, ("1", "2", "x")), (3, ("3", "4", ""))]
    assert problems == [
        (1, "header cell 3 (spreadsheet column C) is empty: every column needs a name")
    ]


def test_a_blank_header_cell_inside_the_table_is_reported_by_position() -> None:
    header, _, problems = _shape("a,,c,\n1,,3,\n")
    assert header == ("a", "", "c")
    assert problems == [
        (1, "header cell 2 (spreadsheet column B) is empty: every column needs a name")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2\n", "the row has 2 fields, but the header has 3"),
        ("a,b,c\n1,2,3,4\n", "the row has 4 fields, but the header has 3"),
        (
            "a,b,,\n1\n",
            "the row has 1 field, but the header has 2 (4 with its empty trailing cells)",
        ),
        (
            "a,b,,\n1,2,,,\n",
            "the row has 5 fields, but the header has 2 (4 with its empty trailing cells)",
        ),
    ],
)
def test_a_row_of_another_width_is_left_out_and_located(text: str, message: str) -> None:
    _, rows, problems = _shape(text)
    assert rows == []
    assert problems == [(2, message)]


def test_rows_before_malformed_csv_are_kept() -> None:
    header, rows, problems = _shape('a,b\n1,2\n3,"4\n5,6\n')
    assert header == ("a", "b")
    assert rows == [(2, ("1", "2"))]
    assert [line for line, _ in problems] == [3]
    assert "malformed CSV" in problems[0][1]


@pytest.mark.parametrize(("position", "name"), [(1, "A"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_spreadsheet_column_names(position: int, name: str) -> None:
    assert spreadsheet_column(position) == name


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{fifo}"],
        ["simulate-reads", "--manifest", "{fifo}", "--out", "{out}"],
        ["analyze", "--reads", "{fifo}", "--manifest", "{fifo}", "--out", "{out}"],
    ],
    ids=["validate", "simulate-reads", "analyze"],
)
def test_commands_refuse_a_named_pipe_at_once(tmp_path: Path, argv: list[str]) -> None:
    """A FIFO given as a CSV used to block forever; now it is an input error (exit 1 or 2)."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    args = [part.format(fifo=fifo, out=out) for part in argv]
    completed = subprocess.run(
        [sys.executable, "-m", "cesm_cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode in (1, 2), completed.stderr
    assert "not a regular file" in completed.stdout + completed.stderr
    assert "Traceback" not in completed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.csv"]
