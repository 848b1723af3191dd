"""The admin's spreadsheet formats: CSV and XLSX, cells of text that never hold a live formula.

A list (the tags) is written comma-separated, as a form field sends it. Every exported cell
goes through ``items.api.cells.neutralised`` (the text mark before text a spreadsheet would
run), the rule the import undoes, so an export still reads back unchanged. JSON is left
exact: no spreadsheet runs it, and its import reads values as JSON, not cells.
"""

from __future__ import annotations

from typing import Any

import tablib
from import_export.formats.base_formats import CSV, XLSX

from items.api.cells import neutralised


def _cell(value: Any) -> Any:
    return neutralised(", ".join(value) if isinstance(value, list) else value)


def _neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    rows = [tuple(_cell(value) for value in row) for row in dataset]
    return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)


class SpreadsheetCSV(CSV):
    """CSV, its cells written as text."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_neutralised(dataset), **kwargs)


class SpreadsheetXLSX(XLSX):
    """XLSX, its cells written as text (openpyxl stores a string beginning with ``=`` as a
    formula)."""

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_neutralised(dataset), **kwargs)
