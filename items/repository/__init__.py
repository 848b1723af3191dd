"""The one seam for item data: ``ItemRepository`` and the factory that picks its backend.

Everything outside models, admin and migrations reads and writes items through this Protocol.
Implementations return ``ItemRecord`` values, never ORM instances or raw documents, so callers
cannot tell the backends apart. ``DB_TYPE`` selects the backend; this module is the one place
that names one. Each backend is a package that owns its internals:

- ``postgres``: ``PostgresItemRepository`` (ORM, full-text search, COPY, ORM receivers)
- ``mongo``: ``MongoItemRepository`` (pymongo, documents, ``$jsonSchema``, ``$text`` search)

Both make their search snippets into HTML the same way (``highlights``), lay facet counts out
the same way (``facets``) and merge suggestions the same way (``suggestions``).

PostgreSQL's read replicas are reached through the few functions at the end
(``read_positions``): WAL positions of commits, and reads sent where they are recent enough.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from items.records import (
    ANONYMOUS,
    SUGGESTIONS_MAX,
    Cursor,
    Facets,
    HistoryEntry,
    ItemData,
    ItemFilter,
    ItemRecord,
    RecordCheck,
    SearchPage,
    SortField,
    SortOrder,
    Suggestion,
    Viewer,
)


class ItemReads(Protocol):
    """Reading items: pages, counts, one item."""

    def find_all(
        self,
        *,
        limit: int,
        offset: int = 0,
        sort_by: SortField = "created_at",
        sort_order: SortOrder = "asc",
        filter: ItemFilter = ItemFilter(),
        cursor: Cursor | None = None,
    ) -> list[ItemRecord]:
        """A page of items matching ``filter``, ordered with ``id`` as the tie-break."""
        ...

    def count(
        self,
        filter: ItemFilter = ItemFilter(),
        *,
        query: str | None = None,
        at_most: int | None = None,
    ) -> int:
        """How many items match ``filter`` (and the search ``query`` when given, corrected as
        ``search`` corrects it); with ``at_most``, counting stops there, so the cost does not
        grow with the table."""
        ...

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        """The item with this id, if it exists and passes ``filter``."""
        ...

    def existing_ids(self, item_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        """Those of ``item_ids`` that name a stored item (one query, whatever the count)."""
        ...

    def find_by_category(self, category: str, *, limit: int, offset: int = 0) -> list[ItemRecord]:
        """Active items of one category, in the default order."""
        ...


class ItemDiscovery(Protocol):
    """Finding items: ranked search, its corrections and snippets, facets and suggestions."""

    def search(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> list[ItemRecord]:
        """Items matching the full-text ``query``, best first, ``id`` breaking ties; misspelt
        words are corrected first where the backend can (see ``search_correction``)."""
        ...

    def search_page(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> SearchPage:
        """``search``'s window and ``count``'s total for ``query``, at once where the backend
        can (PostgreSQL counts the matches while ranking them: no second pass), with
        ``search_correction``'s answer, found once for both. When the backend found the window
        without visiting every match (PostgreSQL, for a word many items hold in their name),
        the total is only how many match at least (``total_exact`` False); ``count`` counts
        them, up to a cap."""
        ...

    def search_correction(self, query: str, *, filter: ItemFilter = ItemFilter()) -> str | None:
        """The query ``search`` runs instead of ``query`` for ``filter``'s viewer, when it
        corrects misspelt words; None when it searches ``query`` as written."""
        ...

    def search_highlights(self, query: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """For each item, an HTML-escaped snippet with the words matching ``query`` (the query
        as searched: corrected, if it was) in <mark>."""
        ...

    def facets(
        self, names: Sequence[str], *, filter: ItemFilter = ItemFilter(), query: str | None = None
    ) -> Facets:
        """Counts for each facet in ``names`` (``FACET_NAMES``) over the items ``filter`` (and
        the search ``query``) admit, each facet leaving its own condition out."""
        ...

    def suggest(
        self, prefix: str, *, viewer: Viewer = ANONYMOUS, limit: int = SUGGESTIONS_MAX
    ) -> list[Suggestion]:
        """Up to ``limit`` names (and, where the backend keeps one, vocabulary words) starting
        with ``prefix``, accents and case aside, among what ``viewer`` may see."""
        ...


class ItemWrites(Protocol):
    """Changing items: each write is announced (``item_changed``) once it is committed."""

    def create(self, data: ItemData, *, created_by_id: int | None = None) -> ItemRecord:
        """Store a new item; raises ``InvalidItem`` when the data breaks a rule."""
        ...

    def create_many(
        self, items: Iterable[ItemData], *, created_at: Iterable[datetime] | None = None
    ) -> int:
        """Bulk insert (seeding); ``created_at`` gives each item's creation time, else now."""
        ...

    def bulk_loading(self, count: int) -> contextlib.AbstractContextManager:
        """Wrap a load of ``count`` items through ``create_many`` (PostgreSQL defers indexes)."""
        ...

    def update(
        self,
        item_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        expected_updated_at: datetime | None = None,
        check: RecordCheck | None = None,
    ) -> ItemRecord | None:
        """Change some writable fields; ``None`` when no such item. Raises ``InvalidItem``,
        and ``ItemConflict`` when ``expected_updated_at`` is given and no longer current.
        ``check`` sees the current record before the change, which is made only if that record
        is still current when written; what it raises stops the write."""
        ...

    def delete(
        self,
        item_id: uuid.UUID,
        *,
        expected_updated_at: datetime | None = None,
        check: RecordCheck | None = None,
    ) -> bool:
        """Remove the item; ``False`` when there was none. ``ItemConflict`` and ``check`` as
        for update."""
        ...

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        """Bulk (de)activate; returns how many items changed."""
        ...


class ItemHistory(Protocol):
    """Every item's recorded versions."""

    def history(self, item_id: uuid.UUID, *, limit: int, offset: int = 0) -> list[HistoryEntry]:
        """The item's changes, newest first: who, when, and each field's old and new value.
        Every write of every path is recorded, the item's deletion included."""
        ...

    def history_count(self, item_id: uuid.UUID) -> int:
        """How many changes ``history`` holds for the item."""
        ...


class ItemRepository(ItemReads, ItemDiscovery, ItemWrites, ItemHistory, Protocol):
    """Storage of catalog items: the four families each backend implements."""


BACKENDS = ("postgres", "mongodb")


@cache
def repository_for(backend: str) -> ItemRepository:
    """The repository of one backend (``postgres`` or ``mongodb``), whatever ``DB_TYPE`` says."""
    if backend == "mongodb":
        try:
            from items.repository.mongo import MongoItemRepository
        except ImportError as missing:
            raise ImproperlyConfigured(
                "DB_TYPE=mongodb needs pymongo; install the project (pip install -e .)."
            ) from missing
        return MongoItemRepository.from_settings()
    from items.repository.postgres import PostgresItemRepository

    return PostgresItemRepository()


def get_item_repository() -> ItemRepository:
    """The repository for the backend ``DB_TYPE`` selects."""
    return repository_for(settings.DB_TYPE)


class ReadPositions:
    """WAL positions and replica reads (PostgreSQL's streaming replicas); without replicas,
    every read is the primary's and no position is ever asked for."""

    @staticmethod
    def enabled() -> bool:
        from items.repository.postgres import replica_aliases

        return bool(replica_aliases())

    @staticmethod
    def after_commit() -> int | None:
        """The position a replica must reach to see what was just committed."""
        from items.repository.postgres import commit_position

        return commit_position()

    @staticmethod
    def reading_at(position: int | None) -> contextlib.AbstractContextManager:
        """Reads inside go to a replica that has replayed past ``position``, else the primary;
        yields (alias, the replica's known replay position or None on the primary)."""
        from items.repository.postgres import reading_at

        return reading_at(position)

    @staticmethod
    def read_at(position: int | None, read: Callable[[], Any]) -> Any:
        """``read()`` inside ``reading_at(position)``; on the primary if the replica fails it."""
        from items.repository.postgres import read_at

        return read_at(position, read)

    @staticmethod
    def report() -> dict[str, dict]:
        from items.repository.postgres import replica_report

        return replica_report()

    @staticmethod
    def format(position: int) -> str:
        from items.repository.postgres import format_position

        return format_position(position)

    @staticmethod
    def parse(text: str) -> int | None:
        from items.repository.postgres import parse_position

        return parse_position(text)


read_positions = ReadPositions()
