"""ORM building blocks the PostgreSQL repository's reads, writes and bulk moves share.

Rows become ``ItemRecord`` values here, an ``ItemFilter`` becomes a queryset (visibility
included), and a keyset ``Cursor`` becomes the condition "strictly after it". One read is plain
SQL: an item by its id (``by_id``), the read behind every detail, whose query the ORM would
take longer to compile than PostgreSQL takes to answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db import connection, connections, router
from django.db.models import Q, QuerySet

from items.models import Item
from items.records import RECORD_FIELDS, Cursor, ItemFilter, ItemRecord, Viewer

TABLE = connection.ops.quote_name(Item._meta.db_table)
# The record's columns, in ``RECORD_FIELDS`` order, for SQL written here (``by_id``, and the
# writes' ``RETURNING``).
RECORD_COLUMNS = ", ".join(
    connection.ops.quote_name(Item._meta.get_field(n).column) for n in RECORD_FIELDS
)


def record_of(row: Mapping[str, Any]) -> ItemRecord:
    """The record for one ``values(*RECORD_FIELDS)`` row."""
    values = {name: row[name] for name in RECORD_FIELDS}
    values["tags"] = tuple(values["tags"] or ())
    return ItemRecord(**values)


def records(qs: QuerySet, *, limit: int, offset: int = 0) -> list[ItemRecord]:
    """A window of ``qs`` as records (one SELECT of the record's columns)."""
    return [record_of(row) for row in qs.values(*RECORD_FIELDS)[offset : offset + limit]]


def record_from(row: tuple) -> ItemRecord:
    """The record for one row of ``RECORD_COLUMNS``."""
    return record_of(dict(zip(RECORD_FIELDS, row, strict=True)))


def by_id(item_id: uuid.UUID, viewer: Viewer) -> ItemRecord | None:
    """The item, if ``viewer`` may see it (the rule ``filtered`` applies), from the database
    the router reads from (a replica recent enough, with read replicas)."""
    sql, params = f"SELECT {RECORD_COLUMNS} FROM {TABLE} WHERE id = %s", [item_id]
    if not viewer.sees_all:
        if viewer.user_id is None:
            sql += " AND is_active"
        else:
            sql += " AND (is_active OR created_by_id = %s)"
            params.append(viewer.user_id)
    with connections[router.db_for_read(Item)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return record_from(row) if row is not None else None


def reload(item_id: uuid.UUID) -> ItemRecord:
    """The stored record of an item that exists."""
    return record_of(Item.objects.filter(pk=item_id).values(*RECORD_FIELDS).get())


def filtered(filter: ItemFilter) -> QuerySet:
    """Items that ``filter`` admits, its viewer's visibility included."""
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


def after(sort_by: str, descending: bool, cursor: Cursor) -> Q:
    """Items strictly beyond ``cursor`` in the walk's direction, ``id`` breaking ties.

    The redundant inclusive bound on the sort value is what lets an index on (..., sort value,
    id) start its scan at the cursor: from the OR alone PostgreSQL would read every entry
    before it, so a deep page would cost as much as the OFFSET it replaces.
    """
    forward = descending == cursor.reverse  # ascending walk in key order
    op, bound = ("gt", "gte") if forward else ("lt", "lte")
    beyond = Q(**{f"{sort_by}__{op}": cursor.value}) | Q(
        **{sort_by: cursor.value, f"id__{op}": cursor.id}
    )
    return Q(**{f"{sort_by}__{bound}": cursor.value}) & beyond
