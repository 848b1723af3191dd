"""ORM building blocks the PostgreSQL repository's reads, writes and bulk moves share.

Rows become ``ItemRecord`` values here; an ``ItemFilter``'s clauses (``items.conditions``,
visibility included) become a queryset, or SQL text (``sql_of``) for the statements written by
hand; and a keyset ``Cursor`` becomes the condition "strictly after it". One read is plain SQL:
an item by its id (``by_id``), the read behind every detail, whose query the ORM would take
longer to compile than PostgreSQL takes to answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, connections, router
from django.db.models import Q, QuerySet

from items.conditions import Clause, as_q, clauses, visibility
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


_SQL_OPERATORS = {
    "eq": "=",
    "gte": ">=",
    "lte": "<=",
    "lt": "<",
    "overlaps": "&&",
    "contains": "@>",
}


def sql_of(found: Iterable[Clause], *, alias: str | None = None) -> tuple[str, list]:
    """The clauses as an SQL condition on items (``alias``: the table's name in the query)
    and its parameters: the text form of ``items.conditions.as_q``, for the statements written
    here by hand."""
    parts: list[str] = []
    params: list = []
    for clause in found:
        terms = []
        for term in clause.terms:
            field = Item._meta.get_field(term.field)
            column = connection.ops.quote_name(field.column)
            placeholder = "%s"
            if term.field == "tags":  # an array compares with an array of its own type
                placeholder = f"%s::{field.db_type(connection)}"
            terms.append(f"{alias + '.' if alias else ''}{column} {_SQL_OPERATORS[term.op]} ")
            terms[-1] += placeholder
            params.append(list(term.value) if term.field == "tags" else term.value)
        parts.append(f"({' OR '.join(terms)})")
    return " AND ".join(parts) or "TRUE", params


def by_id(item_id: uuid.UUID, viewer: Viewer) -> ItemRecord | None:
    """The item, if ``viewer`` may see it, from the database the router reads from (a replica
    recent enough, with read replicas)."""
    visible, params = sql_of(visibility(viewer))
    sql = f"SELECT {RECORD_COLUMNS} FROM {TABLE} WHERE id = %s AND {visible}"
    params.insert(0, item_id)
    with connections[router.db_for_read(Item)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return record_from(row) if row is not None else None


def reload(item_id: uuid.UUID) -> ItemRecord:
    """The stored record of an item that exists."""
    return record_of(Item.objects.filter(pk=item_id).values(*RECORD_FIELDS).get())


def filtered(filter: ItemFilter) -> QuerySet:
    """Items that ``filter`` admits, its viewer's visibility included."""
    return Item.objects.filter(as_q(clauses(filter)))


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
