"""The PostgreSQL repository's whole-catalog moves: COPY in, id-ordered batches out, upserts.

Seeding loads through ``create_many`` (one COPY per batch) inside ``bulk_loading``: one
transaction for the whole load (its items are counted into the search vocabulary once, at its
end), so a load stopped in any way (an error, a signal, a lost connection) stores nothing and
leaves the table and its indexes as they were. Large loads go
through a staging table first and then into the live table with its GIN indexes rebuilt once,
still in that transaction. ``copy_items`` and backups walk the catalog in id order and upsert
whole records. None of these paths sends a model signal, so each announces its change itself.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import asdict
from datetime import datetime
from itertools import repeat
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import connection, transaction
from django.utils import timezone

from items import domain
from items.ids import new_item_id
from items.models import Item
from items.records import RECORD_FIELDS, WRITABLE_FIELDS, ItemData, ItemRecord
from items.repository.postgres.history import set_actor
from items.repository.postgres.queries import TABLE
from items.repository.postgres.queries import records as record_window
from items.signals import announce_item_change

_COPY_COLUMNS = ("id", *WRITABLE_FIELDS, "created_at", "updated_at", "created_by_id")
# From this many items on, a load is staged and builds the GIN indexes once at the end.
BULK_LOAD_THRESHOLD = 50_000
_STAGING = "items_item_staging"
# Where create_many's COPY goes: the live table, or the staging table of a staged load.
_copy_target: ContextVar[str] = ContextVar("copy_target", default=Item._meta.db_table)
# The ids a small load inserted, for the search vocabulary to count once at the load's end.
_loaded_ids: ContextVar[list | None] = ContextVar("loaded_ids", default=None)


def _copy_row(data: ItemData, stamp: datetime) -> tuple:
    values = domain.checked_values({name: getattr(data, name) for name in WRITABLE_FIELDS})
    return (new_item_id(), *(values[name] for name in WRITABLE_FIELDS), stamp, stamp, None)


@contextlib.contextmanager
def staged_load() -> Iterator[None]:
    """Load into a staging table, then move the rows in and build the GIN indexes once.

    Maintaining the GIN indexes (search, trigrams, tags) row by row is most of a large load's
    cost; one build at the end is several times faster. The indexes are dropped and rebuilt
    only at the end, in the load's own transaction, so no other session ever sees the table
    without them and a load stopped at any point (even by SIGKILL) rolls them back with it.
    Readers of the table wait during that last step, which ends with ANALYZE. Once committed,
    outside any other transaction, the table is vacuumed (``_vacuumed``).
    """
    table, columns = Item._meta.db_table, ", ".join(_COPY_COLUMNS)
    gin = [index for index in Item._meta.indexes if isinstance(index, GinIndex)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGING} AS SELECT {columns} FROM {table} WITH NO DATA"
            )
        loading_into = _copy_target.set(_STAGING)
        try:
            yield
        finally:
            _copy_target.reset(loading_into)
        with connection.schema_editor() as editor:
            for index in gin:
                editor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
            editor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGING}")
            editor.execute(f"DROP TABLE {_STAGING}")
            # Deferred foreign-key checks still pending would block CREATE INDEX.
            editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for index in gin:
                editor.add_index(Item, index)
            # Fresh statistics for the planner: a table that just grew by tens of thousands of
            # rows would be planned from none (or stale ones) until autovacuum's next pass.
            editor.execute(f"ANALYZE {table}")
    _vacuumed(table)


def _vacuumed(table: str) -> None:
    """VACUUM after a large load, when not inside a transaction (VACUUM cannot run there).

    Until the table's pages are marked all-visible, an index-only scan still reads the heap
    for every row: a capped count over a category (``count(at_most=)``) costs about three
    times as much on a freshly loaded table. The first readers would also dirty every page
    to set its hint bits. Autovacuum does both eventually, or never where it is turned off.
    """
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {table}")


@contextlib.contextmanager
def counted_once() -> Iterator[None]:
    """One transaction whose COPYs leave the search vocabulary to its end, counted once.

    The vocabulary's insert trigger would otherwise count every batch as it lands, touching
    the same common words once per batch. Other writes in the load are counted as usual.
    """
    with transaction.atomic():
        loaded = _loaded_ids.set([])
        try:
            yield
            ids = _loaded_ids.get()
        finally:
            _loaded_ids.reset(loaded)
        with connection.cursor() as cursor:
            cursor.execute("SELECT public.search_vocabulary_count_items(%s::uuid[])", [ids])


def _vocabulary_deferred(cursor: Any, deferred: bool) -> None:
    """Whether the vocabulary's insert trigger leaves this transaction's inserts for later."""
    value = "on" if deferred else "off"
    cursor.execute("SELECT pg_catalog.set_config('catalog.vocabulary_deferred', %s, true)", [value])


class PostgresBulkStore:
    """Bulk loads and whole-catalog transfer of ``PostgresItemRepository``."""

    def bulk_loading(self, count: int) -> contextlib.AbstractContextManager:
        """One transaction for the whole load; large loads are staged (``staged_load``)."""
        if count >= BULK_LOAD_THRESHOLD:
            return staged_load()
        return counted_once()

    def create_many(
        self, items: Iterable[ItemData], *, created_at: Iterable[datetime] | None = None
    ) -> int:
        stamps = iter(created_at) if created_at is not None else repeat(timezone.now())
        rows = [_copy_row(data, next(stamps)) for data in items]
        loaded = _loaded_ids.get()
        counted_later = loaded is not None and _copy_target.get() == Item._meta.db_table
        if loaded is not None and counted_later:
            loaded.extend(row[0] for row in rows)
        columns = ", ".join(_COPY_COLUMNS)
        with transaction.atomic(), connection.cursor() as cursor:
            set_actor()  # for the history triggers (an import made by someone)
            sql = f"COPY {_copy_target.get()} ({columns}) FROM STDIN"
            if counted_later:
                _vocabulary_deferred(cursor, True)
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            if counted_later:
                _vocabulary_deferred(cursor, False)
            # COPY sends no model signal; a bulk insert may touch any list.
            announce_item_change(source="bulk_insert")
        return len(rows)

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` items with ids greater than ``item_id`` (all when None), by id."""
        rows = Item.objects.order_by("id")
        if item_id is not None:
            rows = rows.filter(id__gt=item_id)
        return record_window(rows, limit=limit)

    def ids_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[uuid.UUID]:
        """Up to ``limit`` item ids greater than ``item_id`` (all when None), in order."""
        rows = Item.objects.order_by("id")
        if item_id is not None:
            rows = rows.filter(id__gt=item_id)
        return list(rows.values_list("id", flat=True)[: max(limit, 0)])

    def remove_records(self, item_ids: Iterable[uuid.UUID]) -> int:
        """Delete these items (their versions recorded by the triggers, the cache told after
        the commit); how many went."""
        wanted = list(item_ids)
        if not wanted:
            return 0
        with transaction.atomic(), connection.cursor() as cursor:
            set_actor()
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = ANY(%s) RETURNING id", [wanted])
            removed = [row[0] for row in cursor.fetchall()]
            if removed:
                announce_item_change(item_ids=removed, source="restore")
        return len(removed)

    def last_id(self) -> uuid.UUID | None:
        """The greatest id held, if any."""
        return Item.objects.order_by("-id").values_list("id", flat=True).first()

    def upsert_records(self, records: Iterable[ItemRecord]) -> int:
        """Store whole records as they are (ids and times kept), replacing any with their id."""
        items = [Item(**{**asdict(record), "tags": list(record.tags)}) for record in records]
        with transaction.atomic():
            set_actor()
            Item.objects.bulk_create(
                items,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=[name for name in RECORD_FIELDS if name != "id"],
            )
            # bulk_create sends no model signal, so the cache hears of it here.
            announce_item_change(item_ids=[item.pk for item in items], source="copy_items")
        return len(items)
