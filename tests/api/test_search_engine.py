"""The search page through the engine: the same facets, corrections and counts as through SQL.

With committed data and the index up to date, the API's searches are the engine's (the test
fails when they are not): facets of a search are the counts SQL makes (disjunctive: each facet
leaves its own filter out), for random filters and viewers; a misspelt query is corrected by
PostgreSQL and the engine searches the corrected one; ``count`` is exact and ``count_exact``
true, and pages follow one another. ``SEARCH_ENGINE=postgres`` answers the same page from SQL.
"""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from items.models import Item
from tests.support.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/api/items/search/"
FACETS = "category,tags,price"


@pytest.fixture
def catalog(user, index):
    call_command("seed_items", "--count", "400", "--seed", "8", verbosity=0)
    make_item(name="Casque Bose", description="Réduction de bruit", tags=["audio"])
    make_item(name="Casque caché", tags=["audio"], is_active=False, created_by=user, description="")
    owned = list(Item.objects.order_by("id").values_list("id", flat=True)[:30])
    Item.objects.filter(id__in=owned[:15]).update(is_active=False)
    Item.objects.filter(id__in=owned).update(created_by=user)
    index.sync()


def _page(client, **params) -> dict:
    response = client.get(SEARCH, params)
    assert response.status_code == 200, response.content
    return response.json()


def _params(rng: random.Random) -> dict:
    params = {"q": rng.choice(["casque", "roman", "coton", "lampe or pull", "casque -bose"])}
    options = {
        "category": ["livre", "electronique", "vetement", "autre"],
        "min_price": ["10", "99.50"],
        "max_price": ["200", "1000"],
        "tags": ["audio", "bio,coton", "roman"],
        "tags_match": ["all"],
        "is_active": ["true", "false"],
    }
    for name, values in options.items():
        if rng.random() < 0.3:
            params[name] = rng.choice(values)
    return params


def test_facets_and_counts_of_a_search_are_those_sql_makes(
    catalog, user_client, staff_client, anon_client, counted, settings
):
    settings.CACHE_ENABLED = False  # the same search twice is two answers
    rng = random.Random(5)
    asked = [
        (rng.choice([anon_client, user_client, staff_client]), {**_params(rng), "facets": FACETS})
        for _ in range(30)
    ]
    engine = [_page(client, **params) for client, params in asked]
    assert counted.engine() == 60 and not counted.fallbacks(), counted.since()  # page, facets
    settings.SEARCH_ENGINE = "postgres"
    for (client, params), found in zip(asked, engine, strict=True):
        sql = _page(client, **params)
        assert found["facets"] == sql["facets"], params
        assert (found["count"], found["count_exact"]) == (sql["count"], True), params
    assert sum(bool(page["count"]) for page in engine) >= 15, "most searches found something"


def test_a_misspelt_search_is_corrected_then_searched_by_the_engine(catalog, anon_client, counted):
    body = _page(anon_client, q="casqe -bose", page_size=100)
    assert body["corrected_query"] == "casque -bose"
    names = {item["name"] for item in body["results"]}
    assert names and "Casque Bose" not in names and "Casque caché" not in names
    typed = _page(anon_client, q="casque -bose", page_size=100)
    assert typed["count"] == body["count"] and typed["corrected_query"] is None
    assert counted.engine() == 2 and not counted.fallbacks()


def test_pages_follow_each_other(catalog, anon_client, counted):
    first = _page(anon_client, q="coton", page_size=7)
    second = _page(anon_client, q="coton", page_size=7, page=2)
    whole = _page(anon_client, q="coton", page_size=14)
    assert first["count"] == whole["count"] > 14 and first["count_exact"] is True
    seen = [item["id"] for item in first["results"] + second["results"]]
    assert seen == [item["id"] for item in whole["results"]]
    assert counted.engine() == 3 and not counted.fallbacks()


def test_an_owner_sees_their_hidden_items_and_nobody_else_does(
    catalog, user_client, other_client, anon_client, staff_client, counted
):
    def names(client) -> set[str]:
        return {item["name"] for item in _page(client, q="casque", page_size=100)["results"]}

    assert "Casque caché" in names(user_client)
    assert "Casque caché" in names(staff_client)
    assert "Casque caché" not in names(anon_client) | names(other_client)
    assert counted.engine() == 4 and not counted.fallbacks()
