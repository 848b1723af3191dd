"""Importing items from a file: every row checked first, then all written, or none.

Two passes over a streamed file (``import_files``), so a file of any length costs one batch
of memory. The first checks every row by the API's rules (``check``, which the caller takes
from ``items.api.rows``: this room may not import the API) and that each ``id`` names an item;
it reports every faulty row. Only a file without one is written, in a second pass, through
the repository: new items ``batch`` at a time by its bulk insert, rows with an ``id`` by its
update, all inside its ``bulk_loading`` (one transaction on PostgreSQL). So the cache and the
history hear of an import as of any other write. With ``skip_invalid`` the faulty rows are
reported and the others written.

A row with an ``id`` changes only the fields the file gives (``items.api.rows``). An id on
more than one row is refused on each of them, naming the others: which one should win is not
the import's to guess. Telling them apart keeps each id's first row number while checking (a
few dozen bytes per row that names an id).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from items.operations.import_files import ImportFileError, format_of, read_rows
from items.records import ImportRow, InvalidItem, ItemData
from items.repository import ItemRepository, get_item_repository

CheckRow = Callable[[Mapping[str | None, Any], bool], ImportRow]
MAX_REPORTED = 1_000  # faulty rows kept for the report; the rest are only counted
UNKNOWN_ID = "No item has this id."


def also_on(rows: Iterable[int]) -> str:
    """The message for a row whose id other rows of the file name too."""
    numbers = sorted(rows)
    listed = ", ".join(map(str, numbers))
    return f"This id is also on row{'s' if len(numbers) > 1 else ''} {listed}."


__all__ = ["ImportFileError", "ImportReport", "RowError", "import_file"]


@dataclass(frozen=True, slots=True)
class RowError:
    """A faulty row: its number in the file and the messages by field."""

    number: int
    errors: dict[str, list[str]]


@dataclass(slots=True)
class ImportReport:
    """What an import found and did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    faulty: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Checked:
    number: int
    row: ImportRow | None
    errors: dict[str, list[str]] | None


def _checked_rows(
    rows: Iterable[tuple[int, Any, bool]], check: CheckRow, repository: ItemRepository, batch: int
) -> Iterator[_Checked]:
    """Each row checked, ids included (looked up ``batch`` rows at a time)."""
    for chunk in iter(lambda: list(itertools.islice(rows, batch)), []):
        checked = []
        for number, row, typed in chunk:
            if not isinstance(row, dict):
                checked.append(_Checked(number, None, {"row": ["Expected a JSON object."]}))
                continue
            try:
                checked.append(_Checked(number, check(row, typed), None))
            except InvalidItem as error:
                checked.append(_Checked(number, None, error.errors))
        ids = {c.row.item_id for c in checked if c.row is not None and c.row.item_id}
        known = repository.existing_ids(ids) if ids else set()
        for entry in checked:
            if entry.row is not None and entry.row.item_id not in (None, *known):
                yield _Checked(entry.number, None, {"id": [UNKNOWN_ID]})
            else:
                yield entry


class _RepeatedIds:
    """The row each id is first on, and the rows that name an id again."""

    def __init__(self) -> None:
        self.first: dict[int, int] = {}  # the id's 128 bits: a UUID object costs more
        self.again: dict[int, list[int]] = {}

    def checked(self, entry: _Checked) -> _Checked:
        """``entry``, faulty if an earlier row named its id."""
        if entry.row is None or entry.row.item_id is None:
            return entry
        key = entry.row.item_id.int
        first = self.first.setdefault(key, entry.number)
        if first == entry.number:
            return entry
        self.again.setdefault(key, []).append(entry.number)
        return _Checked(entry.number, None, {"id": [also_on([first])]})

    def first_rows(self) -> list[RowError]:
        """The first row of each id named again, naming the rows that repeat it."""
        return [
            RowError(self.first[key], {"id": [also_on(rows)]}) for key, rows in self.again.items()
        ]

    def repeated(self, row: ImportRow) -> bool:
        return row.item_id is not None and row.item_id.int in self.again


def _note_fault(report: ImportReport, entry: _Checked) -> None:
    report.faulty += 1
    if len(report.errors) < MAX_REPORTED:
        report.errors.append(RowError(entry.number, entry.errors or {}))


def _write(
    entries: Iterable[_Checked],
    repository: ItemRepository,
    batch: int,
    report: ImportReport,
    *,
    skip_invalid: bool,
) -> None:
    pending: list[ItemData] = []
    for entry in entries:
        if entry.row is None:
            if not skip_invalid:  # it passed the first pass: its item went meanwhile
                errors = entry.errors or {}
                raise InvalidItem({f"row {entry.number} {k}": v for k, v in errors.items()})
            continue
        if entry.row.item_id is None:
            pending.append(entry.row.new_item)
            if len(pending) >= batch:
                report.created += repository.create_many(pending)
                pending = []
            continue
        if repository.update(entry.row.item_id, entry.row.changes) is None:  # deleted since
            raise InvalidItem({f"row {entry.number}": [UNKNOWN_ID]})
        report.updated += 1
    if pending:
        report.created += repository.create_many(pending)


def import_file(
    path: Path,
    *,
    check: CheckRow,
    file_format: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    batch: int = 1_000,
    progress: bool = False,
) -> ImportReport:
    """Check, then (unless ``dry_run``, or faulty rows without ``skip_invalid``) write."""
    if batch < 1:
        raise ImportFileError(f"--batch must be at least 1 (got {batch:,}).")
    chosen = format_of(path, file_format)
    repository, report, started = get_item_repository(), ImportReport(), time.perf_counter()
    passing, ids = 0, _RepeatedIds()
    with tqdm(desc="checking", unit="row", disable=not progress) as bar:
        for entry in _checked_rows(read_rows(path, chosen), check, repository, batch):
            report.rows += 1
            entry = ids.checked(entry)
            if entry.errors is None:
                passing += 1
            else:
                _note_fault(report, entry)
            bar.update()
    for fault in ids.first_rows():  # they passed on their own: the later rows named them
        passing -= 1
        _note_fault(report, _Checked(fault.number, None, fault.errors))
    report.errors.sort(key=lambda fault: fault.number)
    if not dry_run and passing and (skip_invalid or not report.faulty):
        with (
            repository.bulk_loading(passing),
            tqdm(total=passing, desc="importing", unit="row", disable=not progress) as bar,
        ):
            entries = _checked_rows(read_rows(path, chosen), check, repository, batch)
            kept = (e for e in entries if e.row is None or not ids.repeated(e.row))
            _write(_progressing(kept, bar), repository, batch, report, skip_invalid=skip_invalid)
        report.written = True
    report.seconds = time.perf_counter() - started
    return report


def _progressing(entries: Iterable[_Checked], bar: Any) -> Iterator[_Checked]:
    for entry in entries:
        yield entry
        if entry.row is not None:
            bar.update()
