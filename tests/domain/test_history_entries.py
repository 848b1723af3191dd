"""An item's versions become history entries the same way on both backends (``items.history``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from items.history import HISTORY_FIELDS, Version, entries_of
from items.records import FieldChange

ITEM = uuid.uuid4()
T0 = datetime(2026, 1, 1, tzinfo=UTC)
FIRST = {
    "name": "Lampe",
    "description": "",
    "price": Decimal("10.00"),
    "category": "autre",
    "tags": ("bureau",),
    "is_active": True,
    "created_by": 7,
}


def _version(minutes: int, kind: str, user: int | None = 7, **changes) -> Version:
    return Version(ITEM, T0 + timedelta(minutes=minutes), kind, user, {**FIRST, **changes})


def test_a_creation_lists_every_field_from_nothing():
    (entry,) = entries_of([_version(0, "+")], complete=True)
    assert entry.kind == "created" and entry.user_id == 7
    assert [c.field for c in entry.changes] == list(HISTORY_FIELDS)
    assert all(c.old is None for c in entry.changes)
    assert FieldChange("price", None, "10.00") in entry.changes
    assert FieldChange("tags", None, ["bureau"]) in entry.changes


def test_a_change_lists_only_the_fields_that_moved_newest_first():
    versions = [
        _version(2, "~", user=None, price=Decimal("12.00"), tags=("bureau", "led")),
        _version(1, "~", name="Lampe LED"),
        _version(0, "+"),
    ]
    newest, middle, created = entries_of(versions, complete=True)
    assert newest.kind == "changed" and newest.user_id is None
    assert newest.changes == (
        FieldChange("name", "Lampe LED", "Lampe"),
        FieldChange("price", "10.00", "12.00"),
        FieldChange("tags", ["bureau"], ["bureau", "led"]),
    )
    assert middle.changes == (FieldChange("name", "Lampe", "Lampe LED"),)
    assert created.kind == "created"


def test_a_deletion_lists_every_field_to_nothing():
    deleted, _ = entries_of([_version(1, "-"), _version(0, "+")], complete=True)
    assert deleted.kind == "deleted"
    assert all(c.new is None for c in deleted.changes)


def test_a_page_short_of_the_first_version_uses_the_next_one_only_as_before():
    versions = [_version(2, "~", price=Decimal("11.00")), _version(1, "~", name="Autre")]
    (entry,) = entries_of(versions, complete=False)
    assert entry.changes[0] == FieldChange("name", "Autre", "Lampe")
