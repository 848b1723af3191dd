"""``PostgresItemRepository``: the item repository on PostgreSQL, through the ORM."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from datetime import datetime
from itertools import repeat
from typing import Any

from django.contrib.postgres.indexes import GinIndex
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from items import domain
from items.ids import new_item_id
from items.models import Item
from items.records import (
    RECORD_FIELDS,
    WRITABLE_FIELDS,
    Cursor,
    ItemConflict,
    ItemData,
    ItemFilter,
    ItemRecord,
)
from items.repository import postgres_search
from items.signals import announce_item_change


def _record(row: Mapping[str, Any]) -> ItemRecord:
    values = {name: row[name] for name in RECORD_FIELDS}
    values["tags"] = tuple(values["tags"] or ())
    return ItemRecord(**values)


def _filtered(filter: ItemFilter) -> QuerySet:
    qs = Item.objects.all()
    if not filter.viewer.sees_all:
        visible = Q(is_active=True)
        if filter.viewer.user_id is not None:
            visible |= Q(created_by_id=filter.viewer.user_id)
        qs = qs.filter(visible)
    conditions = {
        "category": filter.category,
        "is_active": filter.is_active,
        "price__gte": filter.min_price,
        "price__lte": filter.max_price,
        "created_at__gte": filter.created_after,
        "created_at__lt": filter.created_before,
    }
    qs = qs.filter(**{k: v for k, v in conditions.items() if v is not None})
    if filter.tags:
        lookup = "tags__contains" if filter.tags_match == "all" else "tags__overlap"
        qs = qs.filter(**{lookup: list(filter.tags)})
    return qs


def _after(sort_by: str, descending: bool, cursor: Cursor) -> Q:
    forward = descending == cursor.reverse  # ascending walk in key order
    op = "gt" if forward else "lt"
    return Q(**{f"{sort_by}__{op}": cursor.value}) | Q(
        **{sort_by: cursor.value, f"id__{op}": cursor.id}
    )


_COPY_COLUMNS = ("id", *WRITABLE_FIELDS, "created_at", "updated_at", "created_by_id")


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


class PostgresItemRepository:
    """Items in PostgreSQL via the Django ORM."""

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
        qs = _filtered(filter)
        if cursor is not None:
            qs = qs.filter(_after(sort_by, descending, cursor))
        direction = "-" if descending != walk_backwards else ""
        qs = qs.order_by(f"{direction}{sort_by}", f"{direction}id")
        rows = [_record(row) for row in qs.values(*RECORD_FIELDS)[offset : offset + limit]]
        return rows[::-1] if walk_backwards else rows

    def count(self, filter: ItemFilter = ItemFilter(), *, query: str | None = None) -> int:
        qs = _filtered(filter)
        return postgres_search.matching(qs, query).count() if query is not None else qs.count()

    def find_by_id(
        self, item_id: uuid.UUID, *, filter: ItemFilter = ItemFilter()
    ) -> ItemRecord | None:
        row = _filtered(filter).filter(pk=item_id).values(*RECORD_FIELDS).first()
        return _record(row) if row else None

    def find_by_category(self, category: str, *, limit: int, offset: int = 0) -> list[ItemRecord]:
        qs = Item.objects.filter(category=category, is_active=True).order_by("created_at", "id")
        return [_record(row) for row in qs.values(*RECORD_FIELDS)[offset : offset + limit]]

    def search(
        self,
        query: str,
        *,
        limit: int,
        offset: int = 0,
        filter: ItemFilter = ItemFilter(),
    ) -> list[ItemRecord]:
        ranked = postgres_search.matching(_filtered(filter), query)
        return [_record(row) for row in ranked.values(*RECORD_FIELDS)[offset : offset + limit]]

    def search_highlights(self, query: str, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        return postgres_search.highlights(query, item_ids)

    def create(self, data: ItemData, *, created_by_id: int | None = None) -> ItemRecord:
        values = domain.checked_values({name: getattr(data, name) for name in WRITABLE_FIELDS})
        item = Item(**values, created_by_id=created_by_id)
        item.save(force_insert=True)
        return self._reload(item.pk)

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

    def update(
        self,
        item_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        expected_updated_at: datetime | None = None,
    ) -> ItemRecord | None:
        values = domain.checked_values(changes, change=True)
        with transaction.atomic():
            item = Item.objects.select_for_update().filter(pk=item_id).first()
            if item is None:
                return None
            if expected_updated_at is not None and item.updated_at != expected_updated_at:
                raise ItemConflict(str(item_id))
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
        return self._reload(item_id)

    def delete(self, item_id: uuid.UUID, *, expected_updated_at: datetime | None = None) -> bool:
        with transaction.atomic():
            item = Item.objects.select_for_update().filter(pk=item_id).first()
            if item is None:
                return False
            if expected_updated_at is not None and item.updated_at != expected_updated_at:
                raise ItemConflict(str(item_id))
            item.delete()
        return True

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        # queryset.update() sends no model signal, so this method announces the change itself.
        with transaction.atomic():
            targets = Item.objects.select_for_update().filter(pk__in=list(ids))
            changed_ids = list(targets.exclude(is_active=is_active).values_list("id", flat=True))
            changed = Item.objects.filter(pk__in=changed_ids).update(
                is_active=is_active, updated_at=timezone.now()
            )
            if changed:
                announce_item_change(item_ids=changed_ids, source="bulk_update")
        return changed

    # --- Whole-catalog transfer (``manage.py copy_items``, backups), in id order -----------

    def records_after(self, item_id: uuid.UUID | None, *, limit: int) -> list[ItemRecord]:
        """Up to ``limit`` items with ids greater than ``item_id`` (all when None), by id."""
        rows = Item.objects.order_by("id")
        if item_id is not None:
            rows = rows.filter(id__gt=item_id)
        return [_record(row) for row in rows.values(*RECORD_FIELDS)[:limit]]

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

    @staticmethod
    def _reload(item_id: uuid.UUID) -> ItemRecord:
        return _record(Item.objects.filter(pk=item_id).values(*RECORD_FIELDS).get())
