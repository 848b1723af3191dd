"""``MongoItemRepository``: the item repository on MongoDB, through pymongo.

It keeps the Postgres repository's contract: the same ids, rules, filters, orderings, cursors and
ranked search, and every write announces ``item_changed`` so the cache forgets it. Document
mapping and queries live in ``items.mongo_documents``, search in ``items.mongo_search``, the
validator and indexes in ``items.mongo_schema``. Any pymongo-compatible collection can be
injected (tests use mongomock).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from itertools import repeat
from typing import Any

from django.conf import settings
from pymongo import ASCENDING, DESCENDING, MongoClient, ReplaceOne, ReturnDocument
from pymongo.collection import Collection

from items import domain
from items.ids import new_item_id
from items.mongo_documents import (
    MILLISECOND,
    Query,
    after_cursor,
    all_of,
    bson_id,
    document_of,
    filter_query,
    item_id_of,
    now_millisecond,
    record_of,
    stored_fields,
    to_millisecond,
)
from items.mongo_schema import install_schema
from items.mongo_search import searched_words, snippet, text_query
from items.records import (
    WRITABLE_FIELDS,
    Cursor,
    InvalidItem,
    ItemConflict,
    ItemData,
    ItemFilter,
    ItemRecord,
)
from items.signals import announce_item_change

COLLECTION_NAME = "items"
DEFAULT_DATABASE = "catalog"
_SOURCE = "mongodb"
_TYPES = {"name": str, "description": str, "category": str, "is_active": bool}
_TEXT_SCORE = {"$meta": "textScore"}


@cache
def shared_collection(uri: str) -> Collection:
    """The items collection at ``uri``, schema installed: one client per process and URI.

    Made on first use, which in a server is start-up (``AppConfig.ready`` asks for the
    repository), so an unreachable server or a refused schema stops the start, not a request.
    """
    client: MongoClient = MongoClient(uri, uuidRepresentation="standard", tz_aware=True)
    collection = client.get_default_database(DEFAULT_DATABASE)[COLLECTION_NAME]
    install_schema(collection)
    return collection


def _type_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    # PostgreSQL's column types refuse these; MongoDB would store them, so check first.
    errors = {
        name: [f"Expected a {kind.__name__}."]
        for name, kind in _TYPES.items()
        if name in values and not isinstance(values[name], kind)
    }
    tags = values.get("tags", ())
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = ["Expected a list of strings."]
    return errors


def _validated(values: Mapping[str, Any], *, change: bool = False) -> dict:
    errors = _type_errors(values)
    if errors:
        raise InvalidItem(errors)
    return domain.checked_values(values, change=change)


def _new_document(data: ItemData, stamp: datetime, *, created_by_id: int | None = None) -> Query:
    values = _validated({name: getattr(data, name) for name in WRITABLE_FIELDS})
    stamp = to_millisecond(stamp)
    return {
        "_id": bson_id(new_item_id()),
        **stored_fields(values),
        "created_at": stamp,
        "updated_at": stamp,
        "created_by_id": created_by_id,
    }


class MongoItemRepository:
    """Items in a MongoDB collection via pymongo."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    @classmethod
    def from_settings(cls) -> MongoItemRepository:
        """The repository on ``settings.MONGODB_URI``, sharing the process's client."""
        return cls(shared_collection(settings.MONGODB_URI))

    def ping(self) -> None:
        """Raise unless the server answers (the readiness check)."""
        self.collection.database.command("ping")

    def find_all(
        self,
        *,
        limit: int,
        offset: int = 0,
        sort_by: str = "created_at",
        sort_order: str = "asc",
        filter: ItemFilter = ItemFilter(),
        cursor: Cursor | None = None,
    ) -> list[ItemRecord]:
        descending = sort_order == "desc"
        walk_backwards = cursor is not None and cursor.reverse
        query = filter_query(filter)
        if cursor is not None:
            query = all_of([query, after_cursor(sort_by, descending, cursor)])
        direction = DESCENDING if descending != walk_backwards else ASCENDING
        rows = self._page(query, [(sort_by, direction), ("_id", direction)], limit, offset)
        return rows[::-1] if walk_backwards else rows

    def count(self, filter: ItemFilter = ItemFilter(), *, query: str | None = None) -> int:
        conditions = filter_query(filter)
        if query is None:
            return self.collection.count_documents(conditions)
        if not query.strip():
            return 0
        return self.collection.count_documents(all_of([text_query(query), conditions]))

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        document = self.collection.find_one(
            all_of([{"_id": bson_id(item_id)}, filter_query(filter)])
        )
        return record_of(document) if document else None

    def find_by_category(self, category: str, *, limit: int, offset: int = 0) -> list[ItemRecord]:
        query = {"category": category, "is_active": True}
        return self._page(query, [("created_at", ASCENDING), ("_id", ASCENDING)], limit, offset)

    def search(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> list[ItemRecord]:
        if not query.strip() or limit <= 0:
            return []
        found = (
            self.collection.find(
                all_of([text_query(query), filter_query(filter)]), {"score": _TEXT_SCORE}
            )
            .sort([("score", _TEXT_SCORE), ("_id", ASCENDING)])
            .skip(offset)
            .limit(limit)
        )
        return [record_of(document) for document in found]

    def search_highlights(self, query: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        searched = searched_words(query)
        found = self.collection.find(
            {"_id": {"$in": [bson_id(i) for i in item_ids]}}, {"name": 1, "description": 1}
        )
        return {item_id_of(d["_id"]): snippet(d, searched) for d in found}

    def _page(self, query: Query, order: list, limit: int, offset: int) -> list[ItemRecord]:
        if limit <= 0:  # pymongo reads limit(0) as "no limit"
            return []
        found = self.collection.find(query).sort(order).skip(offset).limit(limit)
        return [record_of(document) for document in found]

    def create(self, data: ItemData, *, created_by_id: int | None = None) -> ItemRecord:
        document = _new_document(data, now_millisecond(), created_by_id=created_by_id)
        self.collection.insert_one(document)
        record = record_of(document)  # exactly what a later read returns
        announce_item_change(item_ids=[record.id], source=_SOURCE, durable=True)
        return record

    def create_many(
        self, items: Iterable[ItemData], *, created_at: Iterable[datetime] | None = None
    ) -> int:
        stamps = iter(created_at) if created_at is not None else repeat(now_millisecond())
        # Every item is validated before the first is written: a bad one inserts nothing.
        documents = [_new_document(data, next(stamps)) for data in items]
        if not documents:
            return 0
        self.collection.insert_many(documents, ordered=True)
        announce_item_change(
            item_ids=[item_id_of(d["_id"]) for d in documents], source=_SOURCE, durable=True
        )
        return len(documents)

    def update(
        self,
        item_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        expected_updated_at: datetime | None = None,
    ) -> ItemRecord | None:
        values = _validated(changes, change=True)
        current = self.collection.find_one({"_id": bson_id(item_id)}, {"updated_at": 1})
        if current is None:
            return None
        selector: Query = {"_id": bson_id(item_id)}
        if expected_updated_at is not None:
            if to_millisecond(current["updated_at"]) != to_millisecond(expected_updated_at):
                raise ItemConflict(str(item_id))
            selector["updated_at"] = current["updated_at"]  # atomic: only if still unchanged
        # Milliseconds are coarse: make sure every change still moves updated_at forward.
        stamp = max(now_millisecond(), to_millisecond(current["updated_at"]) + MILLISECOND)
        change: Query = {"$max": {"updated_at": stamp}}
        if values:
            change["$set"] = stored_fields(values)
        document = self.collection.find_one_and_update(
            selector, change, return_document=ReturnDocument.AFTER
        )
        if document is None:  # deleted, or (with an expected version) changed, meanwhile
            if expected_updated_at is not None and self.find_by_id(item_id) is not None:
                raise ItemConflict(str(item_id))
            return None
        announce_item_change(item_ids=[item_id], source=_SOURCE, durable=True)
        return record_of(document)

    def delete(self, item_id: uuid.UUID, *, expected_updated_at: datetime | None = None) -> bool:
        selector: Query = {"_id": bson_id(item_id)}
        if expected_updated_at is not None:
            selector["updated_at"] = to_millisecond(expected_updated_at)
        deleted = self.collection.delete_one(selector).deleted_count
        if not deleted and expected_updated_at is not None and self.find_by_id(item_id):
            raise ItemConflict(str(item_id))
        if deleted:
            announce_item_change(item_ids=[item_id], source=_SOURCE, durable=True)
        return deleted > 0

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        query = {"_id": {"$in": [bson_id(i) for i in ids]}, "is_active": {"$ne": is_active}}
        changed_ids = [item_id_of(d["_id"]) for d in self.collection.find(query, {"_id": 1})]
        if not changed_ids:
            return 0
        # Change only the items about to be announced, even if others flipped meanwhile.
        query["_id"] = {"$in": [bson_id(i) for i in changed_ids]}
        change = {"$set": {"is_active": is_active}, "$max": {"updated_at": now_millisecond()}}
        changed = self.collection.update_many(query, change).modified_count
        announce_item_change(item_ids=changed_ids, source=_SOURCE, durable=True)
        return changed

    # --- Whole-catalog transfer (``manage.py copy_items``), in id order ---------------------

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` items with ids greater than ``item_id`` (all when None), by id."""
        query = {} if item_id is None else {"_id": {"$gt": bson_id(item_id)}}
        return self._page(query, [("_id", ASCENDING)], limit, 0)

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
        self.collection.bulk_write(writes, ordered=True)
        announce_item_change(
            item_ids=[item_id_of(d["_id"]) for d in documents], source=_SOURCE, durable=True
        )
        return len(documents)
