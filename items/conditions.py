"""Which items a filter admits, said once: visibility and every list filter as plain terms.

A viewer's visibility and each condition of an ``ItemFilter`` become ``Clause`` values: a clause
holds when any of its terms does, and a filter admits an item when every clause holds. Each
store compiles the same clauses into its own language (a Django ``Q`` and SQL text on
PostgreSQL, a query document on MongoDB, a query of the search engine), and ``admits`` is their
meaning in Python: the reference the compilers are tested against. So who sees an item, or what
``min_price`` means, is written here and nowhere else.

Clauses come grouped by the filter they stand for (``GROUPS``): facets leave their own group
out (``FACET_GROUPS``), and a store that cannot compile a group says so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Q

from items.domain import PriceBand
from items.records import SEARCHED_FIELDS, ItemFilter, ItemRecord, Viewer

Op = Literal["eq", "gte", "lte", "lt", "overlaps", "contains"]


@dataclass(frozen=True, slots=True)
class Term:
    """One record field compared with a value: ``eq``, ``gte``, ``lte``, ``lt``; for ``tags``,
    ``overlaps`` (holds one of ``value``'s tags) or ``contains`` (holds them all)."""

    field: str
    op: Op
    value: Any


@dataclass(frozen=True, slots=True)
class Clause:
    """Terms of which at least one must hold."""

    terms: tuple[Term, ...]

    @classmethod
    def of(cls, field: str, op: Op, value: Any) -> Clause:
        return cls((Term(field, op, value),))


# The groups of a filter's clauses, in the order stores apply them.
GROUPS = ("visibility", "category", "is_active", "price", "created", "tags")
# The group each facet leaves out when it counts: its own condition.
FACET_GROUPS = {"category": "category", "price": "price", "tags": "tags"}
Conditions = dict[str, tuple[Clause, ...]]


def visibility(viewer: Viewer) -> tuple[Clause, ...]:
    """Who sees an item: staff every item; anyone else the active ones, and a signed-in
    user also their own. No clause: no restriction."""
    if viewer.is_staff:
        return ()
    terms = [Term("is_active", "eq", True)]
    if viewer.user_id is not None:
        terms.append(Term("created_by_id", "eq", viewer.user_id))
    return (Clause(tuple(terms)),)


def sees(viewer: Viewer, record: ItemRecord) -> bool:
    """Whether ``viewer`` may see ``record``."""
    return admits(visibility(viewer), record)


def sees_hidden(viewer: Viewer) -> bool:
    """Whether ``viewer`` may see some inactive items (their own, or all of them as staff)."""
    return visibility(viewer) != visibility(Viewer())


def may_change(viewer: Viewer, record: ItemRecord) -> bool:
    """Whether ``viewer`` may change (or read the history of) ``record``: staff, or its owner."""
    return viewer.is_staff or (
        viewer.user_id is not None and record.created_by_id == viewer.user_id
    )


def _range(field: str, bounds: Iterable[tuple[Op, Any]]) -> tuple[Clause, ...]:
    return tuple(Clause.of(field, op, value) for op, value in bounds if value is not None)


def conditions(filter: ItemFilter) -> Conditions:
    """``filter``'s clauses by group (``GROUPS``); a group it does not set has none."""
    tags: tuple[Clause, ...] = ()
    if filter.tags:
        op: Op = "contains" if filter.tags_match == "all" else "overlaps"
        tags = (Clause.of("tags", op, tuple(filter.tags)),)
    return {
        "visibility": visibility(filter.viewer),
        "category": _range("category", [("eq", filter.category)]),
        "is_active": _range("is_active", [("eq", filter.is_active)]),
        "price": _range("price", [("gte", filter.min_price), ("lte", filter.max_price)]),
        "created": _range(
            "created_at", [("gte", filter.created_after), ("lt", filter.created_before)]
        ),
        "tags": tags,
    }


def clauses(filter: ItemFilter, *, leaving_out: Collection[str] = ()) -> tuple[Clause, ...]:
    """Every clause of ``filter``, in ``GROUPS`` order, but those of the groups ``leaving_out``
    names (every facet's own: ``FACET_GROUPS.values()``)."""
    if isinstance(leaving_out, str):  # one group is a set of one, not of its letters
        raise TypeError("leaving_out names groups: a collection, such as {'category'}")
    grouped = conditions(filter)
    return tuple(c for group in GROUPS if group not in leaving_out for c in grouped[group])


def _holds(term: Term, values: Mapping[str, Any]) -> bool:
    value = values[term.field]
    if term.op == "eq":
        return value == term.value
    if term.op == "overlaps":
        return bool(set(value) & set(term.value))
    if term.op == "contains":
        return set(term.value) <= set(value)
    if value is None:
        return False
    bound: Decimal | datetime = term.value
    if term.op == "gte":
        return value >= bound
    if term.op == "lte":
        return value <= bound
    return value < bound


def admits(found: Iterable[Clause], record: ItemRecord | Mapping[str, Any]) -> bool:
    """Whether every clause holds for ``record`` (a record, or a mapping of its fields)."""
    values = record if isinstance(record, Mapping) else _fields(record)
    return all(any(_holds(term, values) for term in clause.terms) for clause in found)


def _fields(record: ItemRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def in_band(band: PriceBand) -> tuple[Clause, ...]:
    """The prices of a price band: from its ``low`` up to, not including, its ``high``."""
    return _range("price", [("gte", band.low), ("lt", band.high)])


# Django's lookup for each operator (``tags`` is an array field: overlap, contains).
_LOOKUPS = {
    "eq": "exact",
    "gte": "gte",
    "lte": "lte",
    "lt": "lt",
    "overlaps": "overlap",
    "contains": "contains",
}


def as_q(found: Iterable[Clause]) -> Q:
    """The clauses as a Django ``Q`` over ``Item`` (``Q()`` when there is none)."""
    combined = Q()
    for clause in found:
        either = Q()
        for term in clause.terms:
            value = list(term.value) if term.field == "tags" else term.value
            either |= Q(**{f"{term.field}__{_LOOKUPS[term.op]}": value})
        combined &= either
    return combined


def fields_named(found: Iterable[Clause]) -> set[str]:
    """The record fields the clauses compare."""
    return {term.field for clause in found for term in clause.terms}


def fields_read(
    filter: ItemFilter,
    *,
    sort_by: str | None = None,
    facet_names: Iterable[str] = (),
    searched: bool = False,
) -> frozenset[str]:
    """The record fields whose change, to any item, may change a page of ``filter``: which items
    it admits and counts (its clauses, visibility included), their order (``sort_by``, then
    creation time and id), the facets counted (each over its own field) and, for a search or a
    suggestion, the text searched and whether an item is active (the vocabulary corrections and
    word suggestions come from counts active items only, whoever asks). A change to none of them
    alters the page only through the items shown on it."""
    found = fields_named(clauses(filter)) | {"id", "created_at", *facet_names}
    if sort_by is not None:
        found.add(sort_by)
    if searched:
        found.update((*SEARCHED_FIELDS, "is_active"))
    return frozenset(found)
