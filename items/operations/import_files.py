"""Rows of an import file, read as a stream: CSV, XLSX or a JSON array, one row at a time.

Nothing here holds more than a row (and a read buffer): a file of any length costs the same
memory. Each row comes with its number, counted as the admin's import preview counts them
(the first row under the header, or the JSON array's first element, is row 1), and whether
its values are typed (JSON) or cells of text (CSV, XLSX).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FORMATS = ("csv", "json", "xlsx")
# A row by column name; cells under no name are under None (as csv.DictReader puts them).
Row = dict[str | None, Any]
_JSON_CHUNK = 1 << 16


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a row of it: those are reported one by one)."""


def format_of(path: Path, given: str | None) -> str:
    """``given``, or the format the file's extension names."""
    chosen = given or path.suffix.lower().lstrip(".")
    if chosen not in FORMATS:
        raise ImportFileError(
            f"Cannot tell the format of {path.name}: name it with --format ({', '.join(FORMATS)})."
        )
    return chosen


def read_rows(path: Path, file_format: str) -> Iterator[tuple[int, Row, bool]]:
    """``(number, row, typed)`` for every row of the file, streamed."""
    if not path.is_file():
        raise ImportFileError(f"No such file: {path}")
    readers = {"csv": _csv_rows, "json": _json_rows, "xlsx": _xlsx_rows}
    return readers[file_format](path)


def _csv_rows(path: Path) -> Iterator[tuple[int, Row, bool]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        try:
            for number, row in enumerate(reader, start=1):
                yield number, row, False
        except (csv.Error, UnicodeDecodeError) as error:
            raise ImportFileError(f"Line {reader.line_num}: {error}") from None


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Row, bool]]:
    from openpyxl import load_workbook  # only XLSX imports need it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is no workbook
        raise ImportFileError(f"Not an XLSX workbook: {error}") from None
    try:
        lines = workbook.active.iter_rows(values_only=True)
        header = [None if name is None else str(name) for name in next(lines, ())]
        for number, cells in enumerate(lines, start=1):
            if any(cell is not None for cell in cells):
                yield number, dict(zip(header, cells, strict=False)), False
    finally:
        workbook.close()


def _json_rows(path: Path) -> Iterator[tuple[int, Row, bool]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, value in enumerate(_json_array(handle), start=1):
            yield number, value, True  # not always an object: the import says so


def _json_array(handle: Any) -> Iterator[Any]:
    """The values of the JSON array in ``handle``, decoded one at a time."""
    decoder, buffer, ended = json.JSONDecoder(), "", False

    def fill() -> bool:
        nonlocal buffer, ended
        more = "" if ended else handle.read(_JSON_CHUNK)
        ended = not more
        buffer += more
        return bool(more)

    def skip(chars: str = "") -> str:
        nonlocal buffer
        while not buffer.lstrip() and fill():
            pass
        buffer = buffer.lstrip()
        if chars and buffer and buffer[0] in chars:
            found, buffer = buffer[0], buffer[1:]
            return found
        return ""

    if skip("[") != "[":
        raise ImportFileError("A JSON import is an array of objects: [{...}, {...}].")
    if skip("]"):
        return
    while True:
        skip()
        try:
            value, end = decoder.raw_decode(buffer)
        except json.JSONDecodeError as error:
            if fill():
                continue
            raise ImportFileError(f"Not valid JSON: {error.msg}.") from None
        if end == len(buffer) and fill():  # a number may go on in the next chunk
            continue
        buffer = buffer[end:]
        yield value
        separator = skip(",]")
        if separator == "]":
            return
        if separator != ",":
            raise ImportFileError("Not valid JSON: expected ',' or ']' after an array element.")
