"""Facet counts on PostgreSQL: from the facet cells when they can say, else from the rows.

**Cells** (``items_facet_cell``, kept by statement triggers; see 0009_discovery) count items
by category, activity, whole price unit and tag. They answer a list's facets when its filters
are category, activity, a price range and at most one tag, for anonymous callers and staff:
whole price units inside the range come from the cells, and the at most two partial units at
its ends from the rows, through the price index. Everything else (a search, dates, several
tags, a signed-in owner who also sees their inactive items) counts **rows**: categories and
price bands in one pass, the top tags in another, over only the rows some asked-for facet counts
(those passing every condition but at most one of category, price and tags), each facet
counted with ``COUNT(*) FILTER (WHERE ...)`` over the conditions it keeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Count, Q, QuerySet

from items import domain
from items.conditions import FACET_GROUPS, as_q, clauses, conditions, in_band
from items.models import Item
from items.records import TOP_TAGS, Facets, ItemFilter
from items.repository.facets import assembled
from items.repository.postgres import facet_cells
from items.repository.postgres import search as postgres_search
from items.repository.postgres.queries import filtered

Counts = tuple[Counter, Counter, Counter]  # categories, price bands, tags


def _conditions(filter: ItemFilter) -> dict[str, Q]:
    """Each facet's own condition from ``filter`` (``Q()`` when it sets none)."""
    grouped = conditions(filter)
    return {facet: as_q(grouped[group]) for facet, group in FACET_GROUPS.items()}


def _kept(own: dict[str, Q], facet: str) -> Q:
    """The conditions the ``facet`` counts under: all but its own."""
    kept = Q()
    for name, condition in own.items():
        if name != facet:
            kept &= condition
    return kept


def _categories_and_bands(rows: QuerySet, own: dict[str, Q], names: Sequence[str]) -> tuple:
    counts = {}
    if "category" in names:
        counts["in_category"] = Count("pk", filter=_kept(own, "category"))
    if "price" in names:
        for n, band in enumerate(domain.PRICE_BANDS):
            counts[f"band_{n}"] = Count("pk", filter=_kept(own, "price") & as_q(in_band(band)))
    categories, bands = Counter[str](), Counter[str]()
    for row in rows.values("category").annotate(**counts).order_by():
        categories[row["category"]] += row.get("in_category", 0)
        for n, band in enumerate(domain.PRICE_BANDS):
            bands[band.key] += row.get(f"band_{n}", 0)
    return categories, bands


def _tags(rows: QuerySet, limit: int | None) -> Counter:
    sql, params = rows.values("tags").order_by().query.sql_with_params()
    cut = "" if limit is None else f"LIMIT {limit:d}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, count(*) AS n FROM ({sql}) AS matched, unnest(matched.tags) AS tag "
            f'GROUP BY tag ORDER BY n DESC, tag COLLATE "C" {cut}',
            params,
        )
        return Counter(dict(cursor.fetchall()))


def row_counts(
    names: Sequence[str], filter: ItemFilter, query: str | None = None, *, tags_limit: int | None
) -> Counts:
    """Counts read from the rows; tags cut to the ``tags_limit`` most frequent (None: all)."""
    rows = Item.objects.filter(as_q(clauses(filter, leaving_out=FACET_GROUPS.values())))
    if query is not None:
        rows = rows.filter(pk__in=postgres_search.matching(rows, query).values("pk"))
    own = _conditions(filter)
    categories, bands = Counter[str](), Counter[str]()
    kept = [_kept(own, name) for name in ("category", "price") if name in names]
    if kept:
        # Only rows some facet counts; an empty condition keeps them all (Q() | q would be q).
        wanted = reduce(or_, kept) if all(kept) else Q()
        categories, bands = _categories_and_bands(rows.filter(wanted), own, names)
    tags = _tags(rows.filter(_kept(own, "tags")), tags_limit) if "tags" in names else Counter()
    return categories, bands, tags


def _edge_counts(edge: ItemFilter) -> tuple[Counter, Counter]:
    """(categories, tags) of the rows in a narrow price range, read through the price index
    alone and counted here (a tag's own index would be the longer way round)."""
    rows = filtered(replace(edge, category=None, tags=(), tags_match="any"))
    wanted = set(edge.tags)  # at most one tag: "any" and "all" agree
    categories, tags = Counter[str](), Counter[str]()
    for category, item_tags in rows.values_list("category", "tags"):
        if wanted <= set(item_tags):
            categories[category] += 1
        if not edge.category or category == edge.category:
            tags.update(item_tags)
    return categories, tags


def _from_cells(names: Sequence[str], filter: ItemFilter) -> Counts:
    categories, bands, tags = facet_cells.counts(names, filter)
    if "category" in names or "tags" in names:
        for edge in facet_cells.edges(filter):
            more_categories, more_tags = _edge_counts(edge)
            if "category" in names:
                categories.update(more_categories)
            if "tags" in names:
                tags.update(more_tags)
    return categories, bands, tags


def facet_counts(names: Sequence[str], filter: ItemFilter, query: str | None = None) -> Facets:
    """The facets in ``names`` over the items ``filter`` and the search ``query`` admit."""
    if query is None and facet_cells.answerable(filter):
        categories, bands, tags = _from_cells(names, filter)
    else:
        categories, bands, tags = row_counts(names, filter, query, tags_limit=TOP_TAGS)
    return assembled(names, categories=categories, bands=bands, tags=tags.items())
