"""The MongoDB backend's change history: versions in a collection of their own.

MongoDB has no triggers, so each write of this backend records its versions itself, in
``<items collection>_history`` beside the items: the same versions PostgreSQL's triggers
write (the item's values after the change, before it for a deletion; who; when), read back
through the same ``entries_of``. The one difference: MongoDB commits the item and its version
as two writes, so a process killed between them loses that version.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from items.actor import current_actor
from items.history import HISTORY_FIELDS, Version, entries_of
from items.records import HistoryEntry
from items.repository.mongo.documents import bson_id, item_id_of, now_millisecond, utc

_ORDER = [("at", DESCENDING), ("_id", DESCENDING)]


def history_of(collection: Collection) -> Collection:
    """The collection holding the versions of ``collection``'s items."""
    return collection.database[f"{collection.name}_history"]


def install_history_index(collection: Collection) -> str:
    """The index ``history`` reads by; idempotent. Returns its name."""
    keys = [("item_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]
    return history_of(collection).create_index(keys, name="item_history")


def _values(document: Mapping[str, Any]) -> dict[str, Any]:
    values = {name: document.get(name) for name in HISTORY_FIELDS if name != "created_by"}
    values["created_by"] = document.get("created_by_id")
    return values


class MongoItemHistory:
    """History of ``MongoItemRepository``: recorded by its writes, read as on PostgreSQL."""

    collection: Collection

    def record_versions(self, documents: Iterable[Mapping[str, Any]], kind: str) -> None:
        """Record ``documents`` (items as stored) as versions of kind ``+``, ``~`` or ``-``."""
        at, actor = now_millisecond(), current_actor()
        versions = [
            {"item_id": d["_id"], "at": at, "type": kind, "user_id": actor, "values": _values(d)}
            for d in documents
        ]
        if versions:
            history_of(self.collection).insert_many(versions, ordered=True)

    def history(self, item_id: uuid.UUID, *, limit: int, offset: int = 0) -> list[HistoryEntry]:
        found = (
            history_of(self.collection)
            .find({"item_id": bson_id(item_id)})
            .sort(_ORDER)
            .skip(offset)
            .limit(limit + 1)  # the previous state of the oldest one shown
        )
        versions = [
            Version(
                item_id=item_id_of(d["item_id"]),
                at=utc(d["at"]),
                kind=d["type"],
                user_id=d["user_id"],
                values={**d["values"], "price": d["values"]["price"].to_decimal()},
            )
            for d in found
        ]
        return entries_of(versions, complete=len(versions) <= limit)

    def history_count(self, item_id: uuid.UUID) -> int:
        return history_of(self.collection).count_documents({"item_id": bson_id(item_id)})
