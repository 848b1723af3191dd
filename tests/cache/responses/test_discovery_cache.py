"""Facets and suggestions are cached as the list is, and never outlive a committed write.

Facets live in the list or search entry they belong to (its key holds the whole query, so
``facets=`` makes an entry of its own); suggestions have entries of their own. Every committed
change bumps the catalog version all of them embed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_cache.responses.stats import cache_stats
from items.repository import get_item_repository
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
LIST, SUGGEST = "/api/items/", "/api/items/suggest/"
FACETS = {"facets": "category,price,tags", "category": "livre"}


def counts(body: dict, facet: str) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in body["facets"][facet]}


def behind_the_caches_back(sql: str) -> None:
    """A raw write sends no signal: only a cache hit can still show what it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.fixture
def shelf():
    # No description: the vocabulary's words come from the names and tags alone.
    ItemFactory(
        name="Roman noir", description="", category="livre", price=Decimal("9.00"), tags=["polar"]
    )
    ItemFactory(
        name="Robe", description="", category="vetement", price=Decimal("60.00"), tags=["été"]
    )


def test_facets_are_served_from_the_cache(anon_client, shelf):
    first = anon_client.get(LIST, FACETS).json()
    behind_the_caches_back("UPDATE items_item SET category = 'autre'")
    hits = cache_stats()["hits"]
    assert anon_client.get(LIST, FACETS).json() == first
    assert cache_stats()["hits"] == hits + 1
    with CaptureQueriesContext(connection) as queries:
        anon_client.get(LIST, FACETS)
    assert len(queries) == 0  # an anonymous hit: no query at all


def test_a_list_with_facets_is_an_entry_of_its_own(anon_client, shelf):
    assert "facets" not in anon_client.get(LIST).json()
    assert counts(anon_client.get(LIST, {"facets": "category"}).json(), "category")["livre"] == 1
    assert "facets" not in anon_client.get(LIST).json()


@pytest.mark.parametrize("writer", ["api", "orm", "repository"])
def test_facets_never_outlive_a_write(anon_client, staff_client, shelf, writer):
    before = anon_client.get(LIST, FACETS).json()
    assert counts(before, "category") == {"electronique": 0, "vetement": 1, "livre": 1, "autre": 0}
    new = {"name": "Essai", "price": "250.00", "category": "livre", "tags": ["polar", "bio"]}
    if writer == "api":
        assert staff_client.post(LIST, new, format="json").status_code == 201
    elif writer == "orm":
        ItemFactory(**{**new, "price": Decimal(new["price"])})
    else:
        from items.records import ItemData

        get_item_repository().create_many(
            [ItemData(**{**new, "price": Decimal(new["price"]), "tags": tuple(new["tags"])})]
        )
    after = anon_client.get(LIST, FACETS).json()
    assert after["count"] == 2
    assert counts(after, "category")["livre"] == 2
    assert counts(after, "price") == {"0-50": 1, "50-200": 0, "200-1000": 1, "1000+": 0}
    assert counts(after, "tags") == {"polar": 2, "bio": 1}


def test_facets_never_outlive_a_deactivation(anon_client, staff_client, shelf):
    anon_client.get(LIST, FACETS)
    roman = get_item_repository().find_all(limit=10)[0]
    staff_client.patch(f"{LIST}{roman.id}/", {"is_active": False}, format="json")
    after = anon_client.get(LIST, FACETS).json()
    assert counts(after, "category") == {"electronique": 0, "vetement": 1, "livre": 0, "autre": 0}
    assert counts(after, "tags") == {}  # the books' tags, and none is left


def test_suggestions_are_cached_and_never_outlive_a_write(anon_client, staff_client, shelf):
    assert [s["text"] for s in anon_client.get(SUGGEST, {"q": "ro"}).json()["suggestions"]] == [
        "roman",
        "Robe",
        "Roman noir",
    ]
    behind_the_caches_back("UPDATE items_item SET name = 'Zèbre'")
    hits = cache_stats()["hits"]
    assert len(anon_client.get(SUGGEST, {"q": "ro"}).json()["suggestions"]) == 3
    assert cache_stats()["hits"] == hits + 1
    behind_the_caches_back("UPDATE items_item SET name = 'Roman noir' WHERE name = 'Zèbre'")
    staff_client.post(LIST, {"name": "Rocher", "price": "3", "category": "autre"}, format="json")
    shown = [s["text"] for s in anon_client.get(SUGGEST, {"q": "ro"}).json()["suggestions"]]
    assert "Rocher" in shown and "Robe" not in shown


def test_suggestions_never_leak_between_viewers(anon_client, staff_client):
    ItemFactory(name="Prototype secret", is_active=False)
    assert staff_client.get(SUGGEST, {"q": "proto"}).json()["suggestions"]
    for _ in range(2):  # a miss, then what would be a hit
        assert anon_client.get(SUGGEST, {"q": "proto"}).json()["suggestions"] == []
