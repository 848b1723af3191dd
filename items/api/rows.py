"""A row of an imported file, checked by the API's own input rules (``ItemInputSerializer``).

A spreadsheet (CSV, XLSX) is text: its cells are read as an HTML form's fields are, by the
very serializer the API uses, so ``true``/``false``, comma-separated tags and ``12.50`` mean
what they mean in the browsable API's form. A JSON file is read as a JSON request body is,
as strictly. Either way the messages are the API's. A blank cell is a field not sent (its
default applies, or "This field is required."). An ``id`` names an existing item to replace;
without one the row is a new item. A cell an export marked as text (``cells``) reads as the
text it was before.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.datastructures import MultiValueDict
from rest_framework import serializers

from items.api.cells import restored
from items.api.serializers import ItemInputSerializer
from items.records import ImportRow, InvalidItem, ItemData


class ItemRowSerializer(ItemInputSerializer):
    """An item's fields as a row holds them, with the id of the item it replaces, if any."""

    id = serializers.UUIDField(required=False)


ROW_FIELDS: tuple[str, ...] = tuple(ItemRowSerializer().fields)


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a form field would send."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class RowChecker:
    """Checks rows one after another with one serializer (building one costs more than
    checking a row). One per import: it is not shared between threads."""

    def __init__(self) -> None:
        self._serializer = ItemRowSerializer()

    def __call__(self, row: Mapping[str | None, Any], typed: bool) -> ImportRow:
        """The row as an ``ImportRow``, or ``InvalidItem`` with the API's messages by field.

        ``typed``: the row came from JSON (values keep their JSON types); else cells are
        text. Columns that are not item fields (``created_at``, ``created_by``) are ignored.
        A row with an ``id`` changes only the fields its file gives (its columns, or a JSON
        object's keys), as a PUT of those fields would: one left blank takes its default or is
        required; a field the file leaves out keeps the item's value.
        """
        given = {str(name).strip() for name in row if name is not None} & set(ROW_FIELDS)
        sent = {
            str(name).strip(): value
            for name, value in row.items()
            if name is not None and str(name).strip() in given and not _blank(value)
        }
        data: Any = (
            sent
            if typed
            else MultiValueDict({k: [restored(cell_text(v))] for k, v in sent.items()})
        )
        serializer = self._serializer
        serializer.initial_data = data  # what the fields read to tell a form from JSON
        serializer.partial = "id" in sent  # an existing item: what the file leaves out is kept
        errors: dict[str, list[str]] = {}
        try:
            values = serializer.run_validation(data)
        except serializers.ValidationError as error:
            errors = {k: [str(m) for m in v] for k, v in error.detail.items()}
            values = {}
        if not serializer.partial:
            if errors:
                raise InvalidItem(errors)
            values["tags"] = tuple(values.get("tags", ()))
            return ImportRow(item_id=None, data=ItemData(**values))
        changes = self._blanks_as_in_a_put(given - set(sent) - {"id"}, errors)
        if errors:
            raise InvalidItem(errors)
        changes.update(values)
        item_id: uuid.UUID = changes.pop("id")
        if "tags" in changes:
            changes["tags"] = tuple(changes["tags"])
        return ImportRow(item_id=item_id, changes=changes)

    def _blanks_as_in_a_put(self, blank: set[str], errors: dict[str, list[str]]) -> dict:
        """The fields a row gives blank: their default, or "required" (into ``errors``)."""
        changes = {}
        for name in sorted(blank):
            field = self._serializer.fields[name]
            if field.required:
                errors.setdefault(name, [str(field.error_messages["required"])])
            else:  # ``get_default`` would skip it: the serializer is partial
                changes[name] = field.default() if callable(field.default) else field.default
        return changes
