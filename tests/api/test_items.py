"""The items API as consumers use it: CRUD, filters, ordering, pagination and permissions.

Every test runs once per item backend; items are made and checked through the repository.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from items.api.pagination import ItemPagination
from items.repository import get_item_repository
from tests.support.factories import item_backend, make_item, make_items, skip_without_text_search

pytestmark = pytest.mark.django_db

LIST = "/api/items/"
NEW = {
    "name": "Smartphone Samsung",
    "description": "Écran OLED",
    "price": "899.99",
    "category": "electronique",
    "tags": ["android", "samsung"],
}


@pytest.fixture(autouse=True, params=["postgres", "mongodb"])
def backend(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch):
        yield request.param


def detail(item_id) -> str:
    return f"/api/items/{item_id}/"


def test_create_then_retrieve_returns_equal_fields(user_client, user):
    created = user_client.post(LIST, NEW, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert created["Location"].endswith(detail(body["id"]))
    fetched = user_client.get(detail(body["id"])).json()
    assert fetched == body
    assert body["price"] == "899.99"
    assert body["created_by"] == user.pk
    assert body["is_active"] is True
    assert uuid.UUID(body["id"]).version == 7
    assert body["created_at"].endswith("Z")


def test_search_samsung_returns_exactly_that_item(user_client, anon_client, backend):
    skip_without_text_search(backend)
    make_item(name="Casque Audio", description="Sans fil")
    created = user_client.post(LIST, NEW, format="json").json()
    found = anon_client.get("/api/items/search/", {"q": "Samsung"}).json()
    assert [item["id"] for item in found["results"]] == [created["id"]]
    assert found["count"] == 1


def test_patch_put_and_delete_by_owner(user_client):
    item = user_client.post(LIST, NEW, format="json").json()
    patched = user_client.patch(detail(item["id"]), {"price": "799.00"}, format="json")
    assert patched.status_code == 200
    assert patched.json()["price"] == "799.00"
    assert patched.json()["name"] == NEW["name"]
    replaced = user_client.put(
        detail(item["id"]), {**NEW, "name": "Galaxy", "tags": []}, format="json"
    )
    assert replaced.status_code == 200
    assert replaced.json()["tags"] == []
    assert replaced.json()["price"] == "899.99"
    assert user_client.delete(detail(item["id"])).status_code == 204
    assert user_client.get(detail(item["id"])).status_code == 404


def test_put_requires_every_required_field(user_client):
    item = user_client.post(LIST, NEW, format="json").json()
    response = user_client.put(detail(item["id"]), {"name": "Only a name"}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"price", "category"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_anonymous_writes_are_refused(anon_client, method):
    item = make_item()
    url = LIST if method == "post" else detail(item.id)
    response = getattr(anon_client, method)(url, NEW, format="json")
    assert response.status_code == 401
    assert response.json()["type"] == "client_error"
    assert get_item_repository().find_by_id(item.id) == item


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_only_owner_or_staff_change_an_item(user_client, other_client, staff_client, method):
    item = user_client.post(LIST, NEW, format="json").json()
    body = {**NEW, "price": "1.00"}
    assert getattr(other_client, method)(detail(item["id"]), body, format="json").status_code == 403
    unchanged = get_item_repository().find_by_id(uuid.UUID(item["id"]))
    assert unchanged is not None and unchanged.price == Decimal("899.99")
    assert getattr(staff_client, method)(detail(item["id"]), body, format="json").status_code in (
        200,
        204,
    )


def test_catalog_owned_items_are_changed_by_staff_only(user_client, staff_client):
    item = make_item(created_by=None)
    assert user_client.patch(detail(item.id), {"price": "1"}, format="json").status_code == 403
    assert staff_client.patch(detail(item.id), {"price": "1"}, format="json").status_code == 200


@pytest.fixture
def hidden_item(user):
    hidden = make_item(is_active=False, created_by=user, name="Hidden")
    make_item(name="Visible")
    return hidden


@pytest.fixture
def viewers(anon_client, user_client, other_client, staff_client):
    """Each client, with whether it may see the user's inactive item."""
    return [(anon_client, False), (other_client, False), (user_client, True), (staff_client, True)]


def test_inactive_items_are_hidden_from_anonymous_and_other_users(hidden_item, viewers):
    for client, sees in viewers:
        names = {i["name"] for i in client.get(LIST).json()["results"]}
        assert ("Hidden" in names) is sees
        assert client.get(detail(hidden_item.id)).status_code == (200 if sees else 404)


def test_inactive_items_are_hidden_from_anonymous_and_other_users_searches(
    hidden_item, viewers, backend
):
    skip_without_text_search(backend)
    for client, sees in viewers:
        found = client.get("/api/items/search/", {"q": "hidden"}).json()["count"]
        assert found == (1 if sees else 0)


def test_filters_combine_through_the_api(anon_client):
    make_item(name="A", category="livre", price=Decimal("10"), tags=["roman", "poche"])
    make_item(name="B", category="livre", price=Decimal("30"), tags=["roman"])
    make_item(name="C", category="autre", price=Decimal("30"), tags=["poche"])
    make_item(name="D", category="livre", price=Decimal("30"), tags=["roman"], is_active=False)

    def names(**params):
        return [
            i["name"]
            for i in anon_client.get(LIST, {**params, "ordering": "name"}).json()["results"]
        ]

    assert names(category="livre") == ["A", "B"]
    assert names(min_price="20", max_price="30") == ["B", "C"]
    assert names(tags="roman,poche") == ["A", "B", "C"]
    assert names(tags="roman,poche", tags_match="all") == ["A"]
    assert names(category="livre", tags="poche") == ["A"]
    assert names(is_active="false") == []  # anonymous never sees inactive items


def test_tags_filter_accepts_a_repeated_parameter(anon_client):
    make_item(name="A", tags=["x"])
    make_item(name="B", tags=["y"])
    response = anon_client.get(f"{LIST}?tags=x&tags=y&ordering=name")
    assert [i["name"] for i in response.json()["results"]] == ["A", "B"]


def test_created_range_filter(anon_client):
    item = make_item()
    stamp = item.created_at.isoformat()
    assert anon_client.get(LIST, {"created_after": stamp}).json()["count"] == 1
    assert anon_client.get(LIST, {"created_before": stamp}).json()["count"] == 0


@pytest.mark.parametrize(
    "ordering", ["name", "-name", "price", "-price", "created_at", "-updated_at"]
)
def test_ordering_is_stable_with_id_tie_break(anon_client, ordering):
    for price in ["5", "5", "5", "7"]:
        make_item(name="Same", price=Decimal(price))
    rows = anon_client.get(LIST, {"ordering": ordering}).json()["results"]
    field = ordering.lstrip("-")
    key = [(Decimal(r[field]) if field == "price" else r[field], r["id"]) for r in rows]
    assert key == sorted(key, reverse=ordering.startswith("-"))


def test_page_number_pagination_and_cap(anon_client):
    make_items(5)
    page = anon_client.get(LIST, {"page_size": 2, "page": 2}).json()
    assert set(page) == {"count", "count_exact", "next", "previous", "results"}
    assert page["count"] == 5 and page["count_exact"] is True and len(page["results"]) == 2
    assert "page=3" in page["next"] and page["previous"]
    make_items(100)
    assert len(anon_client.get(LIST, {"page_size": 100000}).json()["results"]) == 100


def test_cursor_pagination_visits_every_item_once(anon_client):
    make_items(7)
    expected = [
        i["id"]
        for i in anon_client.get(LIST, {"ordering": "-price", "page_size": 50}).json()["results"]
    ]
    seen, url, params = [], LIST, {"ordering": "-price", "page_size": 3, "cursor": ""}
    while url:
        page = anon_client.get(url, params).json()
        assert page["count"] is None and page["count_exact"] is None
        seen += [i["id"] for i in page["results"]]
        url, params = page["next"], None
    assert seen == expected
    back = anon_client.get(page["previous"]).json() if page["previous"] else None
    assert back is not None and [i["id"] for i in back["results"]] == expected[3:6]


def test_counts_stop_at_the_cap_and_say_so(anon_client, monkeypatch):
    monkeypatch.setattr(ItemPagination, "count_cap", 3)
    make_items(5, name="Lampe")
    walk = {"ordering": "price", "page_size": 50, "cursor": ""}
    everything = anon_client.get(LIST, walk).json()["results"]
    assert len(everything) == 5
    first = anon_client.get(LIST, {"ordering": "price", "page_size": 2}).json()
    assert (first["count"], first["count_exact"]) == (3, False)
    assert "page=2" in first["next"]
    # The last numbered page stops at the cap and links on to cursor pages for the rest.
    last = anon_client.get(first["next"]).json()
    assert [i["id"] for i in first["results"] + last["results"]] == [
        i["id"] for i in everything[:3]
    ]
    assert "cursor=" in last["next"] and "page=" not in last["next"]
    rest = anon_client.get(last["next"]).json()
    assert rest["count"] is None and [i["id"] for i in rest["results"]] == [
        i["id"] for i in everything[3:5]
    ]
    beyond = anon_client.get(LIST, {"ordering": "price", "page_size": 2, "page": 3})
    assert beyond.status_code == 404 and "cursor" in beyond.json()["errors"][0]["detail"]
    none = anon_client.get(LIST, {"is_active": "false"}).json()
    assert (none["count"], none["count_exact"]) == (0, True)


def test_search_counts_are_exact_past_the_list_cap(anon_client, monkeypatch, backend):
    # A search counts while it ranks, so its count is exact however many match (lists stop).
    skip_without_text_search(backend)
    monkeypatch.setattr(ItemPagination, "count_cap", 3)
    make_items(5, name="Lampe")
    found = anon_client.get("/api/items/search/", {"q": "lampe", "page_size": 2}).json()
    assert (found["count"], found["count_exact"]) == (5, True)
    last = anon_client.get("/api/items/search/", {"q": "lampe", "page_size": 2, "page": 3})
    assert last.status_code == 200
    assert len(last.json()["results"]) == 1
    assert anon_client.get("/api/items/search/", {"q": "lampe", "page": 4}).status_code == 404


# PostgreSQL only: it counts SQL queries, and on MongoDB the items cost none.
@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_list_costs_a_constant_number_of_queries(anon_client, user):
    make_items(3, created_by=user)
    with CaptureQueriesContext(connection) as small:
        anon_client.get(LIST, {"page_size": 3})
    make_items(60, created_by=user)
    with CaptureQueriesContext(connection) as large:
        anon_client.get(LIST, {"page_size": 60})
    selects = [[q for q in run if q["sql"].startswith("SELECT")] for run in (small, large)]
    assert len(large) == len(small)
    assert len(selects[1]) == len(selects[0]) == 2  # one COUNT, one page


def test_token_endpoint_exchanges_credentials(anon_client, user):
    response = anon_client.post(
        "/api/auth/token/", {"username": "alice", "password": "pw-for-tests-only"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.post(LIST, NEW, format="json").status_code == 201
    wrong = anon_client.post(
        "/api/auth/token/", {"username": "alice", "password": "no"}, format="json"
    )
    assert wrong.status_code == 400


def test_management_command_creates_a_working_token(anon_client, user, capsys):
    from django.core.management import call_command

    call_command("drf_create_token", "alice")
    token = capsys.readouterr().out.split()[2]
    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_client.post(LIST, NEW, format="json").status_code == 201
