"""Facets beside the list and the search, and suggestions as you type, through the API.

Every test runs once per item backend; items are made through the repository.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from items.records import FACET_NAMES
from tests.support.factories import (
    item_backend,
    make_item,
    skip_without_collation,
    skip_without_text_search,
)

pytestmark = pytest.mark.django_db

LIST, SEARCH, SUGGEST = "/api/items/", "/api/items/search/", "/api/items/suggest/"


@pytest.fixture(autouse=True, params=["postgres", "mongodb"])
def backend(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch):
        yield request.param


@pytest.fixture
def shop(user):
    make_item(name="Lampe de bureau", price=Decimal("25.00"), category="autre", tags=["bureau"])
    make_item(name="Lampe frontale", price=Decimal("60.00"), category="autre", tags=["sport"])
    make_item(name="Livre de cuisine", price=Decimal("18.00"), category="livre", tags=["bureau"])
    make_item(name="Lame cachée", price=Decimal("5.00"), category="autre", is_active=False)
    make_item(
        name="Lampion", price=Decimal("3.00"), category="autre", is_active=False, created_by=user
    )


def counts(body: dict, facet: str) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in body["facets"][facet]}


def test_list_facets_count_the_whole_filtered_result_not_the_page(anon_client, shop):
    body = anon_client.get(LIST, {"facets": "category,price,tags", "page_size": 1}).json()
    assert len(body["results"]) == 1 and body["count"] == 3
    assert counts(body, "category") == {"electronique": 0, "vetement": 0, "livre": 1, "autre": 2}
    assert body["facets"]["price"][0] == {
        "value": "0-50",
        "count": 2,
        "min": "0.00",
        "max": "50.00",
    }
    assert body["facets"]["price"][-1] == {
        "value": "1000+",
        "count": 0,
        "min": "1000.00",
        "max": None,
    }
    assert body["facets"]["tags"] == [
        {"value": "bureau", "count": 2},
        {"value": "sport", "count": 1},
    ]


def test_list_facets_leave_their_own_filter_out(anon_client, shop):
    body = anon_client.get(LIST, {"facets": "category,price", "category": "livre"}).json()
    assert [item["name"] for item in body["results"]] == ["Livre de cuisine"]
    assert counts(body, "category") == {"electronique": 0, "vetement": 0, "livre": 1, "autre": 2}
    assert counts(body, "price") == {"0-50": 1, "50-200": 0, "200-1000": 0, "1000+": 0}
    priced = anon_client.get(LIST, {"facets": "price", "min_price": "50"}).json()
    assert counts(priced, "price")["0-50"] == 2 and priced["count"] == 1


def test_facets_follow_what_the_caller_may_see(anon_client, user_client, staff_client, shop):
    query = {"facets": "category"}
    assert counts(anon_client.get(LIST, query).json(), "category")["autre"] == 2
    assert counts(user_client.get(LIST, query).json(), "category")["autre"] == 3  # + Lampion
    assert counts(staff_client.get(LIST, query).json(), "category")["autre"] == 4


def test_no_facets_unless_asked(anon_client, shop):
    assert "facets" not in anon_client.get(LIST).json()


@pytest.mark.parametrize("facets", ["colour", "category,colour", "price,,tag", ",", " "])
def test_an_unknown_facet_is_400_listing_the_valid_ones(anon_client, facets):
    response = anon_client.get(LIST, {"facets": facets})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["attr"] == "facets"
    if facets.strip(" ,"):
        assert all(name in error["detail"] for name in FACET_NAMES)


def test_facet_names_may_repeat_or_come_as_several_parameters(anon_client, shop):
    body = anon_client.get(LIST + "?facets=tags&facets=price,tags").json()
    assert list(body["facets"]) == ["tags", "price"]


def test_search_facets_count_the_matches(anon_client, shop, backend):
    skip_without_text_search(backend)
    query = {"q": "frontale", "facets": "category,price", "category": "livre"}
    body = anon_client.get(SEARCH, query).json()
    assert body["count"] == 0
    assert counts(body, "category")["autre"] == 1  # the lamp, under the category facet
    assert sum(counts(body, "price").values()) == 0  # where the category filter holds
    blank = anon_client.get(SEARCH, {"q": "", "facets": "category"}).json()
    assert counts(blank, "category")["autre"] == 0


def test_list_facets_read_cells_not_item_rows(anon_client, shop, backend):
    if backend != "postgres":
        pytest.skip("reads PostgreSQL's queries")
    query = {
        "facets": "category,price,tags",
        "category": "autre",
        "min_price": "10",
        "tags": "bureau",
    }
    with CaptureQueriesContext(connection) as queries:
        body = anon_client.get(LIST, query).json()
    assert counts(body, "category")["livre"] == 1
    on_items = [q["sql"] for q in queries.captured_queries if "items_item" in q["sql"]]
    assert len(on_items) == 2  # the page and its count; the facets read only cells
    assert sum("items_facet_cell" in q["sql"] for q in queries.captured_queries) == 3


# --- Suggestions ----------------------------------------------------------------------------


def texts(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [s["text"] for s in response.json()["suggestions"] if s["kind"] == "name"]


def test_suggest_gives_names_with_the_prefix_marked(anon_client, shop):
    body = anon_client.get(SUGGEST, {"q": "Lam"}).json()
    assert body["q"] == "Lam"
    names = [s for s in body["suggestions"] if s["kind"] == "name"]
    assert [s["text"] for s in names] == ["Lampe de bureau", "Lampe frontale"]
    assert names[0]["html"] == "<mark>Lam</mark>pe de bureau"


def test_suggest_shows_each_caller_what_they_may_see(anon_client, user_client, staff_client, shop):
    assert texts(anon_client.get(SUGGEST, {"q": "Lam"})) == ["Lampe de bureau", "Lampe frontale"]
    assert "Lampion" in texts(user_client.get(SUGGEST, {"q": "Lam"}))  # their own, inactive
    assert "Lame cachée" in texts(staff_client.get(SUGGEST, {"q": "Lam"}))


def test_suggest_ignores_accents_and_case(anon_client, backend):
    skip_without_collation(backend)
    make_item(name="Électronique de poche", category="electronique")
    body = anon_client.get(SUGGEST, {"q": "elec"}).json()
    (found,) = [s for s in body["suggestions"] if s["kind"] == "name"]
    assert found["html"] == "<mark>Élec</mark>tronique de poche"
    assert texts(anon_client.get(SUGGEST, {"q": "ÉLEC"})) == ["Électronique de poche"]


def test_suggestions_are_escaped_html(anon_client):
    make_item(name="<b>Boîte</b> & co")
    body = anon_client.get(SUGGEST, {"q": "<b"}).json()
    (found,) = [s for s in body["suggestions"] if s["kind"] == "name"]
    assert found["text"] == "<b>Boîte</b> & co"
    assert found["html"] == "<mark>&lt;b</mark>&gt;Boîte&lt;/b&gt; &amp; co"


def test_a_one_letter_prefix_is_answered(anon_client, shop):
    assert texts(anon_client.get(SUGGEST, {"q": "L"})) == [
        "Lampe de bureau",
        "Lampe frontale",
        "Livre de cuisine",
    ]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}])
def test_an_empty_or_overlong_prefix_is_400_naming_q(anon_client, params):
    response = anon_client.get(SUGGEST, params)
    assert response.status_code == 400
    assert [error["attr"] for error in response.json()["errors"]] == ["q"]


def test_search_facets_count_what_a_corrected_search_finds(anon_client, backend):
    if backend != "postgres":
        pytest.skip("MongoDB corrects no word")
    make_item(name="Casque audio", category="electronique", description="")
    body = anon_client.get(SEARCH, {"q": "casqe", "facets": "category"}).json()
    assert body["corrected_query"] == "casque" and body["count"] == 1
    assert counts(body, "category")["electronique"] == 1
