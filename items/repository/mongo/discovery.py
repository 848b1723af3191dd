"""Facet counts and search-as-you-type on MongoDB.

Facets are one ``$facet`` aggregation: a first ``$match`` keeps what every facet counts under
(the filter without category, price and tags, and the ``$text`` search), then each facet's
sub-pipeline matches the conditions it keeps and counts (disjunctive faceting, as on
PostgreSQL). Suggestions are names starting with the prefix under a French collation of
strength 1 (accents and case aside), served by the ``item_name_prefix`` index of that collation:
a range from the prefix to the prefix followed by U+FFFF, the highest character in collation
order. Each step reads the next name after the last found, so ten suggestions cost ten index
probes, as PostgreSQL's loose index scan does. MongoDB keeps no vocabulary of words: it
suggests names only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection

from items import domain
from items.conditions import FACET_GROUPS, clauses, conditions, in_band, visibility
from items.records import ANONYMOUS, TOP_TAGS, Facets, ItemFilter, Suggestion, Viewer
from items.repository.facets import assembled
from items.repository.mongo.documents import Query, all_of, query_of
from items.repository.mongo.schema import NAME_COLLATION
from items.repository.mongo.search import text_query

_HIGHEST = "\uffff"  # sorts after every character under the collation: closes a prefix range


def _own_conditions(filter: ItemFilter) -> dict[str, Query]:
    """Each facet's own condition alone (the first ``$match`` holds the others)."""
    grouped = conditions(filter)
    return {facet: query_of(grouped[group]) for facet, group in FACET_GROUPS.items()}


def _kept(own: dict[str, Query], facet: str) -> Query:
    return all_of(condition for name, condition in own.items() if name != facet)


def _pipelines(names: Sequence[str], own: dict[str, Query]) -> dict[str, list]:
    pipelines: dict[str, list] = {}
    if "category" in names:
        pipelines["category"] = [
            {"$match": _kept(own, "category")},
            {"$group": {"_id": "$category", "count": {"$sum": 1}}},
        ]
    if "price" in names:
        for n, band in enumerate(domain.PRICE_BANDS):
            pipelines[f"price_{n}"] = [
                {"$match": all_of([_kept(own, "price"), query_of(in_band(band))])},
                {"$count": "count"},
            ]
    if "tags" in names:
        pipelines["tags"] = [
            {"$match": _kept(own, "tags")},
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id": 1}},
            {"$limit": TOP_TAGS},
        ]
    return pipelines


class MongoDiscovery:
    """Facets and suggestions of ``MongoItemRepository`` (see the ``ItemRepository`` Protocol)."""

    collection: Collection

    def facets(
        self, names: Sequence[str], *, filter: ItemFilter = ItemFilter(), query: str | None = None
    ) -> Facets:
        if not names:
            return {}
        if query is not None and not query.strip():
            return assembled(names)
        first = query_of(clauses(filter, leaving_out=FACET_GROUPS.values()))
        if query is not None:
            first = all_of([text_query(query), first])
        pipeline = [{"$match": first}, {"$facet": _pipelines(names, _own_conditions(filter))}]
        (result,) = list(self.collection.aggregate(pipeline))
        bands = {
            band.key: sum(row["count"] for row in result.get(f"price_{n}", []))
            for n, band in enumerate(domain.PRICE_BANDS)
        }
        return assembled(
            names,
            categories={row["_id"]: row["count"] for row in result.get("category", [])},
            bands=bands,
            tags=[(row["_id"], row["count"]) for row in result.get("tags", [])],
        )

    def suggest(
        self, prefix: str, *, viewer: Viewer = ANONYMOUS, limit: int = 10
    ) -> list[Suggestion]:
        if not prefix.strip() or limit <= 0:
            return []
        visible = query_of(visibility(viewer))
        names: list[str] = []
        lowest: dict[str, Any] = {"$gte": prefix}
        while len(names) < limit:
            found = self.collection.find_one(
                all_of([{"name": {**lowest, "$lt": prefix + _HIGHEST}}, visible]),
                {"name": 1},
                sort=[("name", ASCENDING)],
                collation=NAME_COLLATION,
            )
            if found is None:
                break
            names.append(found["name"])
            lowest = {"$gt": found["name"]}
        return [Suggestion(name, "name") for name in names]
