"""An item's change history: django-simple-history's model, filled by the database itself.

``Item.history`` is simple-history's ``HistoricalItem`` (its admin pages, its diffs, its
revert), but its rows are written by PostgreSQL triggers on the items table (migration
``0010_history``), not by simple-history's ``post_save`` receivers: so every path that changes
the table (the API, the admin, imports, COPY loads, ``update()``, ``loaddata``, raw SQL) is
recorded, inside the write's own transaction and without a statement of its own. The acting
user reaches the triggers as the transaction-local setting ``catalog.actor``.

``entries_of`` turns stored versions (newest first) into ``HistoryEntry`` values, the same
whichever backend stored them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from simple_history.models import HistoricalRecords

from items.records import WRITABLE_FIELDS, FieldChange, HistoryEntry

ACTOR_SETTING = "catalog.actor"
# What a version records of an item, and so what an entry's changes speak of.
HISTORY_FIELDS: tuple[str, ...] = (*WRITABLE_FIELDS, "created_by")
KINDS: dict[str, Literal["created", "changed", "deleted"]] = {
    "+": "created",
    "~": "changed",
    "-": "deleted",
}


class DatabaseRecordedHistory(HistoricalRecords):
    """simple-history's ``HistoricalRecords`` whose rows the database triggers write.

    Its ORM receivers do nothing: a second row per save would double every version, and
    the triggers see the writes those receivers never hear of (COPY, ``update()``).
    """

    def post_save(self, instance: Any, created: bool, using: str | None = None, **_: Any) -> None:
        return None

    def post_delete(self, instance: Any, using: str | None = None, **_: Any) -> None:
        return None

    def pre_delete(self, instance: Any, **_: Any) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of an item: its values after a change (before, for a deletion)."""

    item_id: uuid.UUID
    at: datetime
    kind: str  # "+", "~" or "-", simple-history's history_type
    user_id: int | None
    values: Mapping[str, Any]


def plain(value: Any) -> Any:
    """A version's value as JSON holds it: prices as text with two places, tags as a list."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, tuple | list):
        return list(value)
    return value


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple:
    changes = []
    for name in HISTORY_FIELDS:
        old = None if before is None else plain(before.get(name))
        new = None if after is None else plain(after.get(name))
        if before is None or after is None or old != new:
            changes.append(FieldChange(field=name, old=old, new=new))
    return tuple(changes)


def entries_of(versions: Sequence[Version], *, complete: bool) -> list[HistoryEntry]:
    """``versions`` newest first as entries; each is compared with the next (older) one.

    With ``complete`` the last version is the item's first; else it only serves as the
    previous state of the one before it, and is not returned.
    """
    shown = versions if complete else versions[:-1]
    entries = []
    for index, version in enumerate(shown):
        older = versions[index + 1] if index + 1 < len(versions) else None
        if version.kind == "+":
            changes = _changes(None, version.values)
        elif version.kind == "-":
            changes = _changes(version.values, None)
        else:
            changes = _changes(older.values if older else None, version.values)
        entries.append(
            HistoryEntry(
                item_id=version.item_id,
                at=version.at,
                kind=KINDS[version.kind],
                user_id=version.user_id,
                changes=changes,
            )
        )
    return entries
