"""Facets of a search, counted by the engine: disjunctive and exact, as the rows would count them.

Each facet counts the items the search matches under the filter's clauses but those of its own
group (``items.conditions.FACET_GROUPS``), so facets that leave out the same clauses share one
pass. A pass is one Tantivy aggregation: ``terms`` over the category and over the tags (asked
for every value there is, then cut to the top ones by ``items.repository.facets.assembled``,
ties by tag, as everywhere), ``range`` over the price in cents for the price bands, each band's
bounds taken from its clauses (``conditions.in_band``). A terms count Tantivy reports as
approximate (values left out, or an error bound) is not served: the facets go to SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import tantivy
from tantivy import Query

from items import domain
from items.conditions import FACET_GROUPS, clauses, in_band
from items.records import Facets, ItemFilter
from items.repository.facets import assembled
from items.repository.search_engine.compiler import Compiler, cents
from items.repository.search_engine.searching import Fallback

# Every value of a field, asked for: terms beyond it would make the counts approximate.
_ALL_TERMS = 65_000


def _band_range(band: domain.PriceBand) -> dict[str, int | str]:
    bounds: dict[str, int | str] = {"key": band.key}
    for clause in in_band(band):
        for term in clause.terms:
            bounds["from" if term.op == "gte" else "to"] = cents(term.value, term.op)
    return bounds


def _aggregations(names: Sequence[str]) -> dict:
    found: dict = {}
    if "category" in names:
        found["category"] = {"terms": {"field": "category", "size": len(domain.Category.values)}}
    if "tags" in names:
        found["tags"] = {"terms": {"field": "tags", "size": _ALL_TERMS, "segment_size": _ALL_TERMS}}
    if "price" in names:
        ranges = [_band_range(band) for band in domain.PRICE_BANDS]
        found["price"] = {"range": {"field": "price", "ranges": ranges}}
    return found


def _terms(result: dict) -> Counter:
    if result.get("sum_other_doc_count") or result.get("doc_count_error_upper_bound"):
        raise Fallback("inexact", "a terms count the engine only estimates")
    return Counter({bucket["key"]: bucket["doc_count"] for bucket in result["buckets"]})


def facet_counts(
    searcher: tantivy.Searcher,
    compiler: Compiler,
    match: Query,
    names: Sequence[str],
    filter: ItemFilter,
) -> Facets:
    """The facets in ``names`` over the items ``match`` finds that ``filter`` admits."""
    passes: dict[tuple, list[str]] = {}
    for name in names:
        passes.setdefault(clauses(filter, leaving_out={FACET_GROUPS[name]}), []).append(name)
    categories: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for kept, facets in passes.items():
        result = searcher.aggregate(compiler.restricted(match, kept), _aggregations(facets))
        if "category" in result:
            categories = _terms(result["category"])
        if "tags" in result:
            tags = _terms(result["tags"])
        if "price" in result:
            buckets = result["price"]["buckets"]
            bands = Counter({bucket["key"]: bucket["doc_count"] for bucket in buckets})
    return assembled(names, categories=categories, bands=bands, tags=tags.items())
