"""The MongoDB repository's whole-catalog moves: bulk inserts, id-ordered batches, upserts."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from itertools import repeat
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReplaceOne
from pymongo.collection import Collection

from items.records import ItemData, ItemRecord
from items.repository.mongo.documents import (
    bson_id,
    document_of,
    item_id_of,
    new_document,
    now_millisecond,
    record_of,
)
from items.repository.mongo.writes import announce


class MongoBulkStore:
    """Bulk loads and whole-catalog transfer of ``MongoItemRepository``."""

    collection: Collection
    record_versions: Any  # MongoItemHistory's

    def bulk_loading(self, count: int) -> contextlib.AbstractContextManager:
        """Nothing to prepare: MongoDB maintains its indexes well enough during a load."""
        return contextlib.nullcontext()

    def create_many(
        self, items: Iterable[ItemData], *, created_at: Iterable[datetime] | None = None
    ) -> int:
        stamps = iter(created_at) if created_at is not None else repeat(now_millisecond())
        # Every item is validated before the first is written: a bad one inserts nothing.
        documents = [new_document(data, next(stamps)) for data in items]
        if not documents:
            return 0
        self.collection.insert_many(documents, ordered=True)
        self.record_versions(documents, "+")
        announce([item_id_of(d["_id"]) for d in documents])
        return len(documents)

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` items with ids greater than ``item_id`` (all when None), by id."""
        if limit <= 0:
            return []
        query = {} if item_id is None else {"_id": {"$gt": bson_id(item_id)}}
        found = self.collection.find(query).sort([("_id", ASCENDING)]).limit(limit)
        return [record_of(document) for document in found]

    def ids_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` item ids greater than ``item_id`` (all when None), in order."""
        query = {} if item_id is None else {"_id": {"$gt": bson_id(item_id)}}
        found = self.collection.find(query, {"_id": 1}).sort([("_id", ASCENDING)]).limit(limit)
        return [item_id_of(document["_id"]) for document in found]

    def remove_records(self, item_ids: Iterable[uuid.UUID]) -> int:
        """Delete these items (their versions recorded, the cache told); how many went."""
        selector = {"_id": {"$in": [bson_id(item_id) for item_id in item_ids]}}
        removed = list(self.collection.find(selector))
        if not removed:
            return 0
        self.collection.delete_many({"_id": {"$in": [d["_id"] for d in removed]}})
        self.record_versions(removed, "-")
        announce([item_id_of(d["_id"]) for d in removed])
        return len(removed)

    def last_id(self) -> uuid.UUID | None:
        """The greatest item id stored, if any."""
        document = self.collection.find_one({}, {"_id": 1}, sort=[("_id", DESCENDING)])
        return item_id_of(document["_id"]) if document else None

    def upsert_records(self, records: Iterable[ItemRecord]) -> int:
        """Store these records exactly, ids and stamps included, replacing any with their ids."""
        documents = [document_of(record) for record in records]
        if not documents:
            return 0
        writes = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in documents]
        # By index; pymongo gives None for a result that reports nothing: no upserts then.
        upserted = self.collection.bulk_write(writes, ordered=True).upserted_ids or {}
        self.record_versions([d for i, d in enumerate(documents) if i in upserted], "+")
        self.record_versions([d for i, d in enumerate(documents) if i not in upserted], "~")
        announce([item_id_of(d["_id"]) for d in documents])
        return len(documents)
