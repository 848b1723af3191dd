"""What the admin's import and export read and write: ``ItemResource`` (django-import-export).

Import: every row is checked by the API's rules (``items.api.rows``: cells as form fields,
JSON as JSON), and an ``id`` must name a stored item, on one row only (each row naming it is
refused, naming the others); a row with an ``id`` changes only the fields the file gives. A
faulty row is shown in the preview with its messages by field, and then nothing can be
confirmed. The preview writes nothing, whichever the backend; the confirmed import writes
each row through the repository, in the request's transaction (so all or nothing on
PostgreSQL), and the cache and history hear of it.
Export: the change list as filtered, prices as text with two places, tags a list (in a
spreadsheet's cell, comma-separated: the form the import reads back).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from import_export import resources
from import_export.fields import Field

from items.api.rows import RowChecker
from items.models import Item
from items.operations.importing import also_on
from items.records import WRITABLE_FIELDS, ImportRow, InvalidItem
from items.repository import get_item_repository

UNKNOWN_ID = "No item has this id."


class ItemResource(resources.ModelResource):
    """Items in and out of CSV, XLSX and JSON files."""

    # Exported for the record, never imported: the system keeps them.
    created_at = Field(attribute="created_at", column_name="created_at", readonly=True)
    updated_at = Field(attribute="updated_at", column_name="updated_at", readonly=True)
    created_by = Field(attribute="created_by_id", column_name="created_by", readonly=True)

    class Meta:
        model = Item
        fields = ("id", *WRITABLE_FIELDS, "created_at", "updated_at", "created_by")
        export_order = fields
        clean_model_instances = False  # the API's rules checked the row already
        skip_unchanged = False

    def __init__(self, *, typed_rows: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._check, self._typed = RowChecker(), typed_rows
        self._row: ImportRow | None = None  # rows are imported one after another
        self._repeated: dict[int, str] = {}  # row number: the message naming the others

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        rows = defaultdict(list)
        if "id" in (dataset.headers or ()):
            for number, cell in enumerate(dataset["id"], start=1):
                try:
                    rows[uuid.UUID(str(cell).strip())].append(number)
                except ValueError:
                    continue  # blank, or no id at all: the row's check says so
        self._repeated = {
            number: also_on(set(numbers) - {number})
            for numbers in rows.values()
            if len(numbers) > 1
            for number in numbers
        }

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self._row = None
        number = kwargs.get("row_number")
        repeated = self._repeated.get(number) if number is not None else None
        try:
            checked = self._check(dict(row), self._typed)
        except InvalidItem as error:
            errors = error.errors
            if repeated:
                errors = {**errors, "id": [*errors.get("id", []), repeated]}
            raise ValidationError(errors) from None
        if repeated:
            raise ValidationError({"id": [repeated]})
        if checked.item_id and not get_item_repository().existing_ids([checked.item_id]):
            raise ValidationError({"id": [UNKNOWN_ID]})
        self._row = checked

    @property
    def _checked(self) -> ImportRow:
        """The row ``before_import_row`` passed (one it refuses is not imported further)."""
        assert self._row is not None
        return self._row

    def get_instance(self, instance_loader: Any, row: Any) -> Item | None:
        if self._row is None or self._row.item_id is None:
            return None
        return Item.objects.filter(pk=self._row.item_id).first()

    def import_instance(self, instance: Item, row: Any, **kwargs: Any) -> None:
        checked = self._checked
        values = (
            checked.changes
            if checked.item_id
            else {n: getattr(checked.new_item, n) for n in WRITABLE_FIELDS}
        )
        for name, value in values.items():  # the checked values, for the preview's diff
            setattr(instance, name, list(value) if name == "tags" else value)

    def save_instance(self, instance: Item, is_create: bool, row: Any, **kwargs: Any) -> None:
        if self._is_dry_run(kwargs):  # the preview: nothing written, on either backend
            return
        repository, checked = get_item_repository(), self._checked
        if is_create:
            instance.pk = repository.create(checked.new_item).id
            return
        if repository.update(instance.pk, checked.changes) is None:
            raise ValidationError({"id": [UNKNOWN_ID]})

    def dehydrate_price(self, item: Item) -> str:
        return f"{item.price:.2f}"

    def dehydrate_tags(self, item: Item) -> list[str]:
        return list(item.tags)  # a JSON list; a spreadsheet's cell joins them (spreadsheets)

    def dehydrate_is_active(self, item: Item) -> bool:
        return item.is_active
