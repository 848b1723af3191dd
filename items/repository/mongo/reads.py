"""The MongoDB repository's reads: pages, counts, one item, and ``$text`` search."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from items.records import Cursor, ItemFilter, ItemRecord, SearchPage
from items.repository.mongo.documents import (
    Query,
    after_cursor,
    all_of,
    bson_id,
    filter_query,
    item_id_of,
    record_of,
)
from items.repository.mongo.search import searched_words, snippet, text_query

_TEXT_SCORE = {"$meta": "textScore"}


class MongoItemReads:
    """Reads of ``MongoItemRepository`` (see the ``ItemRepository`` Protocol)."""

    collection: Collection

    def existing_ids(self, item_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        query = {"_id": {"$in": [bson_id(item_id) for item_id in item_ids]}}
        return {item_id_of(d["_id"]) for d in self.collection.find(query, {"_id": 1})}

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

    def count(
        self,
        filter: ItemFilter = ItemFilter(),
        *,
        query: str | None = None,
        at_most: int | None = None,
    ) -> int:
        conditions = filter_query(filter)
        if query is not None:
            if not query.strip():
                return 0
            conditions = all_of([text_query(query), conditions])
        if at_most is not None:
            if at_most <= 0:  # count_documents reads limit=0 as "no limit"
                return 0
            return self.collection.count_documents(conditions, limit=at_most)
        return self.collection.count_documents(conditions)

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        document = self.collection.find_one(
            all_of([{"_id": bson_id(item_id)}, filter_query(filter)])
        )
        return record_of(document) if document else None

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

    def search_page(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> SearchPage:
        found = self.search(query, limit=limit, offset=offset, filter=filter)
        return SearchPage(found, self.count(filter, query=query))

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
