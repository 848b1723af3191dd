"""Facet counts on PostgreSQL: categories and price bands in one pass, the top tags in another.

Both read only the rows some asked-for facet counts (those passing every condition but at most
one of category, price and tags), and count each facet with ``COUNT(*) FILTER (WHERE ...)``
over the conditions it keeps. Tags are unnested from those rows and the ``TOP_TAGS`` most
frequent kept, ties by tag in code-point order (as MongoDB and Python sort strings).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Count, Q, QuerySet

from items import domain
from items.records import TOP_TAGS, Facets, ItemFilter
from items.repository.facets import assembled, common_filter
from items.repository.postgres import search as postgres_search
from items.repository.postgres.queries import filtered


def _conditions(filter: ItemFilter) -> dict[str, Q]:
    """Each facet's own condition from ``filter`` (``Q()`` when it sets none)."""
    price = Q()
    if filter.min_price is not None:
        price &= Q(price__gte=filter.min_price)
    if filter.max_price is not None:
        price &= Q(price__lte=filter.max_price)
    tags = Q()
    if filter.tags:
        lookup = "tags__contains" if filter.tags_match == "all" else "tags__overlap"
        tags = Q(**{lookup: list(filter.tags)})
    category = Q(category=filter.category) if filter.category else Q()
    return {"category": category, "price": price, "tags": tags}


def _kept(own: dict[str, Q], facet: str) -> Q:
    """The conditions the ``facet`` counts under: all but its own."""
    kept = Q()
    for name, condition in own.items():
        if name != facet:
            kept &= condition
    return kept


def _band(band: domain.PriceBand) -> Q:
    return Q(price__gte=band.low) & (Q() if band.high is None else Q(price__lt=band.high))


def _categories_and_bands(rows: QuerySet, own: dict[str, Q], names: Sequence[str]) -> tuple:
    counts = {}
    if "category" in names:
        counts["in_category"] = Count("pk", filter=_kept(own, "category"))
    if "price" in names:
        for n, band in enumerate(domain.PRICE_BANDS):
            counts[f"band_{n}"] = Count("pk", filter=_kept(own, "price") & _band(band))
    categories: dict[str, int] = {}
    bands: dict[str, int] = {band.key: 0 for band in domain.PRICE_BANDS}
    for row in rows.values("category").annotate(**counts).order_by():
        categories[row["category"]] = row.get("in_category", 0)
        for n, band in enumerate(domain.PRICE_BANDS):
            bands[band.key] += row.get(f"band_{n}", 0)
    return categories, bands


def _top_tags(rows: QuerySet) -> list[tuple[str, int]]:
    sql, params = rows.values("tags").order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tag, count(*) AS n FROM ({sql}) AS matched, unnest(matched.tags) AS tag "
            f'GROUP BY tag ORDER BY n DESC, tag COLLATE "C" LIMIT {TOP_TAGS:d}',
            params,
        )
        return cursor.fetchall()


def facet_counts(names: Sequence[str], filter: ItemFilter, query: str | None = None) -> Facets:
    """The facets in ``names`` over the items ``filter`` and the search ``query`` admit."""
    rows = filtered(common_filter(filter))
    if query is not None:
        rows = rows.filter(pk__in=postgres_search.matching(rows, query).values("pk"))
    own = _conditions(filter)
    categories, bands = {}, {}
    kept = [_kept(own, name) for name in ("category", "price") if name in names]
    if kept:
        # Only rows some facet counts; an empty condition keeps them all (Q() | q would be q).
        wanted = reduce(or_, kept) if all(kept) else Q()
        categories, bands = _categories_and_bands(rows.filter(wanted), own, names)
    tags = _top_tags(rows.filter(_kept(own, "tags"))) if "tags" in names else []
    return assembled(names, categories=categories, bands=bands, tags=tags)
