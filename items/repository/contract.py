"""The seam's contract: every family of the item repository, and its optional capabilities.

A backend is an ``ItemRepository``: reads, discovery, writes, history and transfer, each a
``typing.Protocol`` below, which the type checker holds every backend to (``make test``'s lint
step). Implementations return ``ItemRecord`` values, never ORM instances or raw documents, so
callers cannot tell the backends apart. What only some backends can do is a capability, declared
here too (``Maintenance``, ``ReadPositions``) and asked for with ``capability`` before use.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

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

T = TypeVar("T")
C = TypeVar("C")


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
        words are corrected first where the backend can (as ``search_page`` says it did)."""
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
        can (PostgreSQL counts the matches while ranking them: no second pass), with the query
        searched instead when misspelt words were corrected (``corrected``), found once for
        both. When the backend found the window
        without visiting every match (PostgreSQL, for a word many items hold in their name),
        the total is only how many match at least (``total_exact`` False); ``count`` counts
        them, up to a cap."""
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
        check: RecordCheck | None = None,
    ) -> ItemRecord | None:
        """Change some writable fields; ``None`` when no such item. Raises ``InvalidItem``.
        ``check`` sees the current record before the change, which is made only if that record
        is still current when written; what it raises stops the write (``ItemConflict`` when
        the record kept changing under it)."""
        ...

    def delete(
        self,
        item_id: uuid.UUID,
        *,
        check: RecordCheck | None = None,
    ) -> bool:
        """Remove the item; ``False`` when there was none. ``check`` as for update."""
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


class ItemTransfer(Protocol):
    """Whole catalogs moved between backends (``copy_items``, MongoDB backups): every record
    in id order, upserted by id with its own ids and stamps."""

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` whole records with ids greater than ``item_id`` (None: from the
        first), in id order, whoever may see them."""
        ...

    def ids_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` stored ids greater than ``item_id`` (None: from the first), in
        order: a walk of the catalog that reads no record."""
        ...

    def last_id(self) -> uuid.UUID | None:
        """The greatest id stored (None: the catalog is empty)."""
        ...

    def remove_records(self, item_ids: Iterable[uuid.UUID]) -> int:
        """Delete these items whoever owns them (a restore making the catalog its backup's);
        returns how many went. Each deletion is recorded and announced (``item_changed``)."""
        ...

    def upsert_records(self, records: Iterable[ItemRecord]) -> int:
        """Store these records as they are (ids, stamps, owners), replacing any with the same
        id; returns how many were written. Each is announced (``item_changed``)."""
        ...


class ItemRepository(ItemReads, ItemDiscovery, ItemWrites, ItemHistory, ItemTransfer, Protocol):
    """Storage of catalog items: the five families every backend implements."""


# --- Optional capabilities: declared here, checked (``capability``) before use ------------


@runtime_checkable
class Maintenance(Protocol):
    """A backend whose store the service checks and sets up itself (MongoDB): PostgreSQL's
    connection is checked by the service's own database check, and its schema is the
    migrations'."""

    def ping(self) -> None:
        """Raise unless the store answers (the readiness check)."""
        ...

    def install_schema(self) -> list[str]:
        """Install the store's validator and indexes (idempotent); one line per step."""
        ...


@runtime_checkable
class ReadPositions(Protocol):
    """A backend that may read from replicas (PostgreSQL's streaming replicas): positions are
    WAL positions as integers (``records.format_position`` spells them for clients)."""

    def replicas_enabled(self) -> bool:
        """Whether any read replica is configured (else every read is the primary's)."""
        ...

    def commit_position(self) -> int | None:
        """The position a replica must reach to see what was just committed."""
        ...

    def read_at(
        self,
        position: int | None,
        read: Callable[[], T],
        *,
        floor: int | None = None,
        clears: Callable[[int, T | None], bool] | None = None,
    ) -> T:
        """``read()`` where the data is at least as new as ``position`` (a replica that has
        replayed past it, else the primary; the primary too if the replica fails it). A replica
        only past ``floor`` may read if ``clears(replayed, None)`` before and
        ``clears(replayed, answer)`` after say nothing committed since alters the answer."""
        ...

    def replica_report(self) -> dict[str, dict]:
        """Each replica's status (``ok``, ``lagging``, ``down: ...``), lag and position."""
        ...


def capability(repository: object, kind: Callable[..., C]) -> C | None:
    """``repository`` as an implementation of the optional capability ``kind`` (a Protocol
    class above), or None when its backend has none. Checked once per backend class.

    ``kind`` is typed as a callable making a ``C``: a type checker refuses a Protocol class
    where ``type[C]`` is expected (it cannot be instantiated), not there."""
    found = _capable(type(repository), kind)  # type: ignore[arg-type]  # see _capable
    return cast(C, repository) if found else None


# A class is hashable; mypy's check of ``cache``'s Hashable arguments says otherwise of a
# class object (python/mypy#11470), hence the ignore where this is called.
@functools.cache
def _capable(backend: type, kind: Callable[..., object]) -> bool:
    return all(callable(getattr(backend, name, None)) for name in _methods(kind))


def _methods(kind: Callable[..., object]) -> list[str]:
    return [name for name in vars(kind) if not name.startswith("_") and callable(vars(kind)[name])]
