"""The MongoDB repository's writes: one item at a time, each announced at once.

MongoDB commits each of these by itself, so ``item_changed`` goes out as soon as the write is
done (``durable``), not after a PostgreSQL transaction. A write judged by a ``check`` (the API's
permission and ``If-Match`` rules) carries the version it judged in its own selector, so two
writers holding the same version cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.collection import Collection

from items.records import ItemConflict, ItemData, ItemRecord, RecordCheck
from items.repository.mongo.documents import (
    MILLISECOND,
    Query,
    bson_id,
    checked,
    item_id_of,
    new_document,
    now_millisecond,
    record_of,
    stored_fields,
    to_millisecond,
)
from items.signals import announce_item_change

# A write judged on a version that another write then replaced is judged again, this many times.
_CHECKED_ATTEMPTS = 5
SOURCE = "mongodb"  # what every item_changed from this backend names as its source


def announce(item_ids: Iterable[uuid.UUID]) -> None:
    """Tell the cache at once: a MongoDB write is committed when it returns."""
    announce_item_change(item_ids=item_ids, source=SOURCE, durable=True)


class MongoItemWrites:
    """Single-item writes of ``MongoItemRepository`` (see the ``ItemRepository`` Protocol).

    Each records its version (``history``) once the item's write is done.
    """

    collection: Collection
    record_versions: Any  # MongoItemHistory's

    def create(self, data: ItemData, *, created_by_id: int | None = None) -> ItemRecord:
        document = new_document(data, now_millisecond(), created_by_id=created_by_id)
        self.collection.insert_one(document)
        self.record_versions([document], "+")
        record = record_of(document)  # exactly what a later read returns
        announce([record.id])
        return record

    def update(
        self,
        item_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        check: RecordCheck | None = None,
    ) -> ItemRecord | None:
        values = checked(changes, change=True)
        for _ in range(_CHECKED_ATTEMPTS):
            current = self._checked_current(item_id, check)
            if current is None:
                return None
            selector: Query = {"_id": bson_id(item_id)}
            if check is not None:
                selector["updated_at"] = current["updated_at"]  # atomic: only if unchanged
            # Milliseconds are coarse: make sure every change still moves updated_at forward.
            stamp = max(now_millisecond(), to_millisecond(current["updated_at"]) + MILLISECOND)
            change: Query = {"$max": {"updated_at": stamp}}
            if values:
                change["$set"] = stored_fields(values)
            document = self.collection.find_one_and_update(
                selector, change, return_document=ReturnDocument.AFTER
            )
            if document is not None:
                self.record_versions([document], "~")
                announce([item_id])
                return record_of(document)
            # Deleted, or changed since it was checked: judge the item as it is now.
        raise ItemConflict(str(item_id))

    def delete(
        self,
        item_id: uuid.UUID,
        *,
        check: RecordCheck | None = None,
    ) -> bool:
        for _ in range(_CHECKED_ATTEMPTS):
            selector: Query = {"_id": bson_id(item_id)}
            if check is not None:
                current = self._checked_current(item_id, check)
                if current is None:
                    return False
                selector["updated_at"] = current["updated_at"]
            deleted = self.collection.find_one_and_delete(selector)
            if deleted is not None:
                self.record_versions([deleted], "-")
                announce([item_id])
                return True
            if "updated_at" not in selector:
                return False
        raise ItemConflict(str(item_id))

    def _checked_current(self, item_id: uuid.UUID, check: RecordCheck | None) -> Query | None:
        """The item's document, once its record passed ``check``."""
        current = self.collection.find_one({"_id": bson_id(item_id)})
        if current is None:
            return None
        if check is not None:
            check(record_of(current))
        return current

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        query = {"_id": {"$in": [bson_id(i) for i in ids]}, "is_active": {"$ne": is_active}}
        changed_ids = [item_id_of(d["_id"]) for d in self.collection.find(query, {"_id": 1})]
        if not changed_ids:
            return 0
        # Change only the items about to be announced, even if others flipped meanwhile.
        query["_id"] = {"$in": [bson_id(i) for i in changed_ids]}
        change = {"$set": {"is_active": is_active}, "$max": {"updated_at": now_millisecond()}}
        changed = self.collection.update_many(query, change).modified_count
        self.record_versions(self.collection.find({"_id": query["_id"]}), "~")
        announce(changed_ids)
        return changed
