"""The facet cells: item counts by category, activity, whole price unit and tag.

PostgreSQL keeps ``items_facet_cell`` current itself (statement triggers, 0009_discovery), so a
list's facets cost a sum over cells instead of a pass over every item; ``items_facet_total``
holds the same counts whatever the price, for lists without a price range. A cell's tag is ''
for the items themselves. The cells know nothing of dates, owners or search, and count
items having one tag, not any of several: ``answerable`` says when they can answer, ``edges``
names the price ranges at the ends of a filter's range that cover part of a unit only (their
rows are counted directly), and ``counts`` reads the rest.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from django.db import connection

from items import domain
from items.conditions import admits, conditions, fields_named, in_band
from items.records import ItemFilter

CELLS = "public.items_facet_cell"
TOTALS = "public.items_facet_total"  # the same counts whatever the price
_CENT = Decimal("0.01")
_LAST_CENT = Decimal("0.99")  # a unit u holds prices u.00 to u.99


# What the cells know of an item: the groups of conditions (``items.conditions``) they can
# count under, and the fields those may compare. Anything else (dates, an owner's view, a filter
# added later) is counted from the rows.
CELL_GROUPS = frozenset({"visibility", "category", "is_active", "price", "tags"})
CELL_FIELDS = frozenset({"is_active", "category", "price", "tags"})


def answerable(filter: ItemFilter) -> bool:
    """Whether the cells can count ``filter``'s facets: every clause it sets is of a group the
    cells know, on fields they hold, with at most one tag (a cell counts items having a tag)."""
    grouped = conditions(filter)
    if any(found for group, found in grouped.items() if group not in CELL_GROUPS):
        return False
    if not fields_named(clause for found in grouped.values() for clause in found) <= CELL_FIELDS:
        return False
    return len(set(filter.tags)) <= 1


def _activity(filter: ItemFilter) -> list[bool]:
    """The values of ``is_active`` the filter's visibility and activity condition admit (the
    cells' only field among them, ``answerable`` made sure)."""
    grouped = conditions(filter)
    kept = (*grouped["visibility"], *grouped["is_active"])
    return [value for value in (True, False) if admits(kept, {"is_active": value})]


def _units(filter: ItemFilter) -> tuple[int | None, int | None]:
    """The first and last whole units inside the price range (None: unbounded)."""
    low = None if filter.min_price is None else math.ceil(filter.min_price)
    high = None if filter.max_price is None else math.floor(filter.max_price - _LAST_CENT)
    return low, high


def edges(filter: ItemFilter) -> list[ItemFilter]:
    """``filter`` narrowed to each part of its price range that the cells do not cover."""
    low, high = _units(filter)
    if low is not None and high is not None and low > high:
        return [filter]  # no whole unit inside: the rows answer for the whole range
    parts = []
    if low is not None and filter.min_price is not None and filter.min_price < low:
        parts.append(replace(filter, max_price=Decimal(low) - _CENT))
    if high is not None and filter.max_price is not None and high + 1 <= filter.max_price:
        parts.append(replace(filter, min_price=Decimal(high + 1)))
    return parts


def _where(filter: ItemFilter, *, tag: str | None, category: bool, price: bool) -> tuple:
    """SQL conditions on cells (and their parameters): activity and visibility always; the tag
    (None: any real tag), the category and the whole units of the price range as asked."""
    sql = ["is_active = ANY(%s)"]
    params: list[object] = [_activity(filter)]
    if tag is None:
        sql.append("tag <> ''")
    else:
        sql.append("tag = %s")
        params.append(tag)
    if category and filter.category:
        sql.append("category = %s")
        params.append(filter.category)
    low, high = _units(filter)
    if price and low is not None:
        sql.append("price_unit >= %s")
        params.append(low)
    if price and high is not None:
        sql.append("price_unit <= %s")
        params.append(high)
    if price and low is not None and high is not None and low > high:
        sql.append("FALSE")
    return " AND ".join(sql), params


def _sums(group: str, where: tuple, extra_params: Sequence = (), *, table: str = CELLS) -> Counter:
    conditions, params = where
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {group} AS value, sum(items) FROM {table} WHERE {conditions} "
            "GROUP BY 1 HAVING sum(items) > 0",
            [*extra_params, *params],
        )
        return Counter({value: int(count) for value, count in cursor.fetchall()})


_CELL_OPERATORS = {"gte": ">=", "lt": "<"}


def _band_case() -> tuple[str, list]:
    """A CASE naming each cell's price band, from the bands' clauses (``conditions.in_band``):
    band bounds are whole numbers, so "price >= low" is "price_unit >= low", and so on."""
    cases, params = [], []
    for band in domain.PRICE_BANDS:
        terms = [term for clause in in_band(band) for term in clause.terms]
        assert all(term.value == int(term.value) for term in terms), band  # whole units only
        cases.append(
            "WHEN "
            + " AND ".join(f"price_unit {_CELL_OPERATORS[term.op]} %s" for term in terms)
            + " THEN %s"
        )
        params += [*(int(term.value) for term in terms), band.key]
    return f"CASE {' '.join(cases)} END", params


def counts(names: Sequence[str], filter: ItemFilter) -> tuple[Counter, Counter, Counter]:
    """(categories, price bands, tags) from the cells alone: each facet keeps the other
    filters; the category and tags facets count whole price units only (see ``edges``)."""
    tag = filter.tags[0] if filter.tags else ""
    # Without a price range, the totals (a few hundred rows) say the same as the cells.
    priced = filter.min_price is not None or filter.max_price is not None
    table = CELLS if priced else TOTALS
    categories, bands, tags = Counter[str](), Counter[str](), Counter[str]()
    if "category" in names:
        where = _where(filter, tag=tag, category=False, price=priced)
        categories = _sums("category", where, table=table)
    if "price" in names:
        case, case_params = _band_case()
        where = _where(filter, tag=tag, category=True, price=False)
        bands = _sums(case, where, case_params)
    if "tags" in names:
        tags = _sums("tag", _where(filter, tag=None, category=True, price=priced), table=table)
    return categories, bands, tags
