"""The PostgreSQL repository's reads: pages, counts, one item, ranked search, facets and
suggestions. A search (its window, its count, its facets) is the search engine's when it
answers (``search_engine``: fresh, and confirmed by these rows), else the SQL below."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from items.models import Item
from items.records import (
    ANONYMOUS,
    RECORD_FIELDS,
    SUGGESTIONS_MAX,
    Cursor,
    Facets,
    ItemFilter,
    ItemRecord,
    SearchPage,
    Suggestion,
    Viewer,
)
from items.repository import search_engine
from items.repository.facets import assembled
from items.repository.postgres import search as postgres_search
from items.repository.postgres.facets import facet_counts
from items.repository.postgres.queries import after, by_id, filtered, record_of, records
from items.repository.postgres.suggestions import suggestions


class PostgresItemReads:
    """Reads of ``PostgresItemRepository`` (see the ``ItemRepository`` Protocol)."""

    def existing_ids(self, item_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        return set(Item.objects.filter(pk__in=list(item_ids)).values_list("pk", flat=True))

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
        qs = filtered(filter)
        if cursor is not None:
            qs = qs.filter(after(sort_by, descending, cursor))
        direction = "-" if descending != walk_backwards else ""
        qs = qs.order_by(f"{direction}{sort_by}", f"{direction}id")
        rows = records(qs, limit=limit, offset=offset)
        return rows[::-1] if walk_backwards else rows

    def count(
        self,
        filter: ItemFilter = ItemFilter(),
        *,
        query: str | None = None,
        at_most: int | None = None,
    ) -> int:
        qs = filtered(filter)
        if query is not None:
            searched = postgres_search.searched(query, filter)
            if (total := search_engine.count(searched, filter=filter)) is not None:
                return total if at_most is None else min(total, at_most)
            qs = postgres_search.matching(qs, searched).order_by().values("pk")
        # A sliced count is SELECT count(*) FROM (... LIMIT n): it stops reading at n rows.
        return qs[:at_most].count() if at_most is not None else qs.count()

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        if filter == ItemFilter(viewer=filter.viewer):  # visibility alone: a detail's read
            return by_id(item_id, filter.viewer)
        row = filtered(filter).filter(pk=item_id).values(*RECORD_FIELDS).first()
        return record_of(row) if row else None

    def search(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> list[ItemRecord]:
        text = postgres_search.searched(query, filter)
        if answered := search_engine.window(text, filter=filter, limit=limit, offset=offset):
            return answered[0]
        ranked = postgres_search.matching(filtered(filter), text)
        return records(ranked, limit=limit, offset=offset)

    def search_page(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> SearchPage:
        corrected = postgres_search.correction(query, filter)
        text = corrected or query
        if answered := search_engine.window(text, filter=filter, limit=limit, offset=offset):
            return SearchPage(answered[0], answered[1], corrected)
        items = filtered(filter)
        # A common word's name matches, when the filter is the viewer's visibility alone: the
        # window without ranking (or counting) every match.
        common = None
        if filter == ItemFilter(viewer=filter.viewer):
            common = postgres_search.names_first(items, text, limit, offset)
        if common is not None:
            ranked, total = common
        else:
            ranked, window_total = postgres_search.ranked_window(items, text, limit, offset)
            # An empty window (past the end) says nothing of the total.
            total = window_total if window_total is not None else postgres_search.count(items, text)
        rows = {row["id"]: row for row in Item.objects.filter(pk__in=ranked).values(*RECORD_FIELDS)}
        found = [record_of(rows[i]) for i in ranked if i in rows]
        return SearchPage(found, total, corrected, total_exact=common is None)

    def search_highlights(self, query: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return postgres_search.highlights(query, item_ids)

    def facets(
        self, names: Sequence[str], *, filter: ItemFilter = ItemFilter(), query: str | None = None
    ) -> Facets:
        if not names or (query is not None and not query.strip()):
            return assembled(names)  # nothing asked, or a blank search: it finds nothing
        counted = search_engine.facets(names, filter=filter, text=query) if query else None
        return counted if counted is not None else facet_counts(names, filter, query)

    def suggest(
        self, prefix: str, *, viewer: Viewer = ANONYMOUS, limit: int = SUGGESTIONS_MAX
    ) -> list[Suggestion]:
        return suggestions(prefix, viewer=viewer, limit=limit)
