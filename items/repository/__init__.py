"""The one seam for item data: ``ItemRepository`` and the factory that picks its backend.

Everything outside models, admin and migrations reads and writes items through this Protocol.
Implementations return ``ItemRecord`` values, never ORM instances or raw documents, so callers
cannot tell the backends apart. ``DB_TYPE`` selects the backend; this module is the one place
that names one. Each backend is a package that owns its internals:

- ``postgres``: ``PostgresItemRepository`` (ORM, full-text search, COPY, ORM receivers)
- ``mongo``: ``MongoItemRepository`` (pymongo, documents, ``$jsonSchema``, ``$text`` search)

Both make their search snippets into HTML the same way (``highlights``), lay facet counts out
the same way (``facets``) and merge suggestions the same way (``suggestions``).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from items.records import (
    STAFF,
    SUGGESTIONS_MAX,
    Cursor,
    Facets,
    ItemData,
    ItemFilter,
    ItemRecord,
    SearchPage,
    SortField,
    SortOrder,
    Suggestion,
    Viewer,
)


class ItemRepository(Protocol):
    """Storage of catalog items."""

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

    def count(self, filter: ItemFilter = ItemFilter(), *, query: str | None = None) -> int:
        """How many items match ``filter`` (and the search ``query`` when given, corrected as
        ``search`` corrects it)."""
        ...

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        """The item with this id, if it exists and passes ``filter``."""
        ...

    def find_by_category(self, category: str, *, limit: int, offset: int = 0) -> list[ItemRecord]:
        """Active items of one category, in the default order."""
        ...

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
        can (PostgreSQL counts the matches while ranking them: no second pass)."""
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
        self, prefix: str, *, viewer: Viewer = STAFF, limit: int = SUGGESTIONS_MAX
    ) -> list[Suggestion]:
        """Up to ``limit`` names (and, where the backend keeps one, vocabulary words) starting
        with ``prefix``, accents and case aside, among what ``viewer`` may see."""
        ...

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
    ) -> ItemRecord | None:
        """Change some writable fields; ``None`` when no such item. Raises ``InvalidItem``,
        and ``ItemConflict`` when ``expected_updated_at`` is given and no longer current."""
        ...

    def delete(self, item_id: uuid.UUID, *, expected_updated_at: datetime | None = None) -> bool:
        """Remove the item; ``False`` when there was none. ``ItemConflict`` as for update."""
        ...

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        """Bulk (de)activate; returns how many items changed."""
        ...


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
