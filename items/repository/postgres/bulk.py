"""The PostgreSQL repository's whole-catalog moves: COPY in, id-ordered batches out, upserts.

Seeding loads through ``create_many`` (one COPY per batch), inside ``bulk_loading`` for large
loads; ``copy_items`` and backups walk the catalog in id order and upsert whole records. None of
these paths sends a model signal, so each announces its change itself.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from itertools import repeat

from django.contrib.postgres.indexes import GinIndex
from django.db import connection, transaction
from django.utils import timezone

from items import domain
from items.ids import new_item_id
from items.models import Item
from items.records import RECORD_FIELDS, WRITABLE_FIELDS, ItemData, ItemRecord
from items.repository.postgres.queries import records as record_window
from items.signals import announce_item_change

_COPY_COLUMNS = ("id", *WRITABLE_FIELDS, "created_at", "updated_at", "created_by_id")
# From this many items on, a load builds the GIN indexes once at the end instead of per row.
BULK_LOAD_THRESHOLD = 50_000


def _copy_row(data: ItemData, stamp: datetime) -> tuple:
    values = domain.checked_values({name: getattr(data, name) for name in WRITABLE_FIELDS})
    return (new_item_id(), *(values[name] for name in WRITABLE_FIELDS), stamp, stamp, None)


@contextlib.contextmanager
def deferred_gin_indexes() -> Iterator[None]:
    """Drop the GIN indexes (search, trigrams, tags) for a bulk load, and build them after.

    Maintaining them row by row is most of a large load's cost; one build at the end is
    several times faster. Meant for seeding an otherwise idle database.
    """
    gin = [index for index in Item._meta.indexes if isinstance(index, GinIndex)]
    with connection.schema_editor() as editor:
        for index in gin:
            editor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            # Inside a transaction, deferred foreign-key checks would block CREATE INDEX.
            editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for index in gin:
                editor.add_index(Item, index)


class PostgresBulkStore:
    """Bulk loads and whole-catalog transfer of ``PostgresItemRepository``."""

    def bulk_loading(self, count: int) -> contextlib.AbstractContextManager:
        """Large loads build the GIN indexes once, after the rows are in."""
        if count >= BULK_LOAD_THRESHOLD:
            return deferred_gin_indexes()
        return contextlib.nullcontext()

    def create_many(
        self, items: Iterable[ItemData], *, created_at: Iterable[datetime] | None = None
    ) -> int:
        stamps = iter(created_at) if created_at is not None else repeat(timezone.now())
        rows = [_copy_row(data, next(stamps)) for data in items]
        columns = ", ".join(_COPY_COLUMNS)
        with transaction.atomic(), connection.cursor() as cursor:
            sql = f"COPY {Item._meta.db_table} ({columns}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            # COPY sends no model signal; a bulk insert may touch any list.
            announce_item_change(source="bulk_insert")
        return len(rows)

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` items with ids greater than ``item_id`` (all when None), by id."""
        rows = Item.objects.order_by("id")
        if item_id is not None:
            rows = rows.filter(id__gt=item_id)
        return record_window(rows, limit=limit)

    def last_id(self) -> uuid.UUID | None:
        """The greatest id held, if any."""
        return Item.objects.order_by("-id").values_list("id", flat=True).first()

    def upsert_records(self, records: Iterable[ItemRecord]) -> int:
        """Store whole records as they are (ids and times kept), replacing any with their id."""
        items = [Item(**{**asdict(record), "tags": list(record.tags)}) for record in records]
        with transaction.atomic():
            Item.objects.bulk_create(
                items,
                update_conflicts=True,
                unique_fields=["id"],
                update_fields=[name for name in RECORD_FIELDS if name != "id"],
            )
            # bulk_create sends no model signal, so the cache hears of it here.
            announce_item_change(item_ids=[item.pk for item in items], source="copy_items")
        return len(items)
