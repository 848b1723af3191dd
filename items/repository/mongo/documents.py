"""How an item lives in MongoDB: documents to records and back, clauses and cursors as queries.

A document holds the record's fields under the same names, except ``id``, which is ``_id``: a
BSON UUID (binary subtype 4, the "standard" representation). Prices are Decimal128 with two
places; datetimes are UTC with MongoDB's millisecond precision, truncated before they are
written so a record reads back exactly as it was returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128

from items import domain
from items.conditions import Clause, Term, clauses
from items.ids import new_item_id
from items.records import (
    RECORD_FIELDS,
    WRITABLE_FIELDS,
    Cursor,
    InvalidItem,
    ItemData,
    ItemFilter,
    ItemRecord,
)

Query = dict[str, Any]
_TYPES = {"name": str, "description": str, "category": str, "is_active": bool}
_CENT = Decimal(1).scaleb(-domain.PRICE_DECIMAL_PLACES)
MILLISECOND = timedelta(milliseconds=1)


def bson_id(item_id: uuid.UUID) -> Binary:
    """The stored form of an item id (the same bytes whatever the client's UUID setting)."""
    return Binary.from_uuid(item_id)


def item_id_of(value: Any) -> uuid.UUID:
    """A stored ``_id`` back as a UUID: clients decode subtype 4 themselves, or hand us Binary."""
    return value.as_uuid() if isinstance(value, Binary) else uuid.UUID(str(value))


def to_millisecond(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to the millisecond MongoDB keeps."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def ceil_millisecond(moment: datetime) -> datetime:
    """The first stored (whole-millisecond) instant at or after ``moment``."""
    floor = to_millisecond(moment)
    return floor if floor == moment else floor + MILLISECOND


def now_millisecond() -> datetime:
    """The current time as MongoDB will store it."""
    return to_millisecond(datetime.now(UTC))


def stored_value(name: str, value: Any) -> Any:
    """A record field's value as stored in a document."""
    if name == "id":
        return bson_id(value)
    if name == "price":
        return Decimal128(Decimal(value).quantize(_CENT))
    if name == "tags":
        return list(value)
    if isinstance(value, datetime):
        return to_millisecond(value)
    return value


def stored_fields(values: Mapping[str, Any]) -> Query:
    """Record fields (some or all) as document fields."""
    return {("_id" if k == "id" else k): stored_value(k, v) for k, v in values.items()}


def document_of(record: ItemRecord) -> Query:
    """The whole document for ``record``."""
    return stored_fields({name: getattr(record, name) for name in RECORD_FIELDS})


def utc(moment: datetime) -> datetime:
    """A stored time (naive from clients that do not decode zones) in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record_of(document: Mapping[str, Any]) -> ItemRecord:
    """The record a stored document stands for."""
    return ItemRecord(
        id=item_id_of(document["_id"]),
        name=document["name"],
        description=document["description"],
        price=document["price"].to_decimal(),
        category=document["category"],
        tags=tuple(document["tags"]),
        is_active=document["is_active"],
        created_at=utc(document["created_at"]),
        updated_at=utc(document["updated_at"]),
        created_by_id=document.get("created_by_id"),
    )


def _type_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    # PostgreSQL's column types refuse these; MongoDB would store them, so check first.
    errors = {
        name: [f"Expected a {kind.__name__}."]
        for name, kind in _TYPES.items()
        if name in values and not isinstance(values[name], kind)
    }
    tags = values.get("tags", ())
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = ["Expected a list of strings."]
    return errors


def checked(values: Mapping[str, Any], *, change: bool = False) -> dict:
    """``values`` typed as the PostgreSQL columns would insist, then checked by the item rules."""
    errors = _type_errors(values)
    if errors:
        raise InvalidItem(errors)
    return domain.checked_values(values, change=change)


def new_document(data: ItemData, stamp: datetime, *, created_by_id: int | None = None) -> Query:
    """The document for a new item made at ``stamp``; ``InvalidItem`` if it breaks a rule."""
    values = checked({name: getattr(data, name) for name in WRITABLE_FIELDS})
    stamp = to_millisecond(stamp)
    return {
        "_id": bson_id(new_item_id()),
        **stored_fields(values),
        "created_at": stamp,
        "updated_at": stamp,
        "created_by_id": created_by_id,
    }


def all_of(conditions: Iterable[Query]) -> Query:
    """One query that needs every condition (the empty query when there is none)."""
    kept = [condition for condition in conditions if condition]
    if len(kept) <= 1:
        return kept[0] if kept else {}
    return {"$and": kept}


_OPERATORS = {"gte": "$gte", "lte": "$lte", "lt": "$lt", "overlaps": "$in", "contains": "$all"}


def _bound(term: Term) -> Any:
    """A term's value as the stored field compares with it."""
    if term.field == "price":  # not rounded to cents: a bound of 29.995 must compare as 29.995
        return Decimal128(Decimal(term.value))
    if term.field == "created_at":
        # Stored stamps are whole milliseconds: rounding a bound up keeps >= and < exact.
        assert term.op in ("gte", "lt"), term
        return ceil_millisecond(term.value)
    if term.field == "tags":
        return list(term.value)
    return term.value


def _term_query(term: Term) -> Query:
    if term.op == "eq":
        return {term.field: _bound(term)}
    return {term.field: {_OPERATORS[term.op]: _bound(term)}}


def _clause_query(clause: Clause) -> Query:
    either = [_term_query(term) for term in clause.terms]
    return either[0] if len(either) == 1 else {"$or": either}


def query_of(found: Iterable[Clause]) -> Query:
    """The clauses (``items.conditions``) as a MongoDB query."""
    return all_of(_clause_query(clause) for clause in found)


def filter_query(filter: ItemFilter) -> Query:
    """The MongoDB query for ``filter``, visibility included."""
    return query_of(clauses(filter))


def after_cursor(sort_by: str, descending: bool, cursor: Cursor) -> Query:
    """Items strictly beyond ``cursor`` in the walk's direction, ``_id`` breaking ties.

    The redundant inclusive bound lets an index on (..., sort value, _id) start at the cursor.
    """
    forward = descending == cursor.reverse  # ascending walk in key order
    op, bound = ("$gt", "$gte") if forward else ("$lt", "$lte")
    value = stored_value(sort_by, cursor.value)
    return {
        sort_by: {bound: value},
        "$or": [
            {sort_by: {op: value}},
            {sort_by: value, "_id": {op: bson_id(cursor.id)}},
        ],
    }
