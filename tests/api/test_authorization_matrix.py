"""Who may do what, cell by cell: five kinds of caller against every endpoint and method.

Runs with real commits and the cache on, after staff have warmed it, so a cached response
cannot hand anyone what they may not see.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
ROLES = ("anon", "user", "owner", "staff", "superuser")


@pytest.fixture
def world():
    accounts = {
        "user": UserFactory(username="someone"),
        "owner": UserFactory(username="owner"),
        "staff": UserFactory(username="editor", is_staff=True),
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    accounts["staff"].user_permissions.set(Permission.objects.filter(codename__endswith="_item"))
    clients = {"anon": (APIClient(), APIClient())}
    for role, account in accounts.items():
        api, browser = APIClient(), APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=account).key}")
        browser.force_login(account)
        clients[role] = (api, browser)
    items = {
        "active": ItemFactory(name="Visible", created_by=accounts["owner"]),
        "inactive": ItemFactory(name="Hidden", is_active=False, created_by=accounts["owner"]),
        "catalog": ItemFactory(name="Catalogue", created_by=None),
    }
    staff_api = clients["staff"][0]
    for path in (
        "/api/items/",
        "/api/items/search/?q=hidden",
        f"/api/items/{items['inactive'].pk}/",
        "/api/items/?facets=category",
        "/api/items/suggest/?q=hid",
    ):
        staff_api.get(path)  # warm the cache with staff-only views
    return clients, items


def _detail(items, key):
    return f"/api/items/{items[key].pk}/"


# (description, method, path builder, body, expected status per role)
CELLS = [
    ("list", "get", lambda i: "/api/items/", None, (200, 200, 200, 200, 200)),
    (
        "create",
        "post",
        lambda i: "/api/items/",
        {"name": "N", "price": "1.00", "category": "autre"},
        (401, 201, 201, 201, 201),
    ),
    ("read active", "get", lambda i: _detail(i, "active"), None, (200,) * 5),
    ("read inactive", "get", lambda i: _detail(i, "inactive"), None, (404, 404, 200, 200, 200)),
    ("search", "get", lambda i: "/api/items/search/?q=visible", None, (200,) * 5),
    ("suggest", "get", lambda i: "/api/items/suggest/?q=vis", None, (200,) * 5),
    (
        "history active",
        "get",
        lambda i: _detail(i, "active") + "history/",
        None,
        (401, 403, 200, 200, 200),
    ),
    (
        "history inactive",
        "get",
        lambda i: _detail(i, "inactive") + "history/",
        None,
        (401, 404, 200, 200, 200),
    ),
    (
        "history catalog-owned",
        "get",
        lambda i: _detail(i, "catalog") + "history/",
        None,
        (401, 403, 403, 200, 200),
    ),
    (
        "patch active",
        "patch",
        lambda i: _detail(i, "active"),
        {"price": "2.00"},
        (401, 403, 200, 200, 200),
    ),
    (
        "put active",
        "put",
        lambda i: _detail(i, "active"),
        {"name": "Visible", "price": "3.00", "category": "autre"},
        (401, 403, 200, 200, 200),
    ),
    (
        "patch inactive",
        "patch",
        lambda i: _detail(i, "inactive"),
        {"price": "2.00"},
        (401, 404, 200, 200, 200),
    ),
    (
        "patch catalog-owned",
        "patch",
        lambda i: _detail(i, "catalog"),
        {"price": "2.00"},
        (401, 403, 403, 200, 200),
    ),
    (
        "delete catalog-owned",
        "delete",
        lambda i: _detail(i, "catalog"),
        None,
        (401, 403, 403, 204, 404),
    ),
    ("cache stats", "get", lambda i: "/api/cache/stats/", None, (401, 403, 403, 200, 200)),
    ("metrics", "get", lambda i: "/metrics", None, (403, 403, 403, 200, 200)),
    ("schema", "get", lambda i: "/api/schema/", None, (200,) * 5),
    ("health", "get", lambda i: "/health/", None, (200,) * 5),
]
ADMIN_CELLS = [
    ("admin index", "get", "/admin/", (302, 302, 302, 200, 200)),
    ("admin items", "get", "/admin/items/item/", (302, 302, 302, 200, 200)),
    ("admin users", "get", "/admin/items/user/", (302, 302, 302, 403, 200)),
    ("admin add item", "get", "/admin/items/item/add/", (302, 302, 302, 200, 200)),
]


def test_every_role_gets_exactly_its_rights(world, capsys):
    clients, items = world
    wrong, cells = [], 0
    for name, method, path_of, body, expected in CELLS:
        for role, want in zip(ROLES, expected, strict=True):
            api = clients[role][0]
            response = getattr(api, method)(path_of(items), body, format="json")
            cells += 1
            if response.status_code != want:
                wrong.append(f"{name} as {role}: {response.status_code}, wanted {want}")
    for name, method, path, expected in ADMIN_CELLS:
        for role, want in zip(ROLES, expected, strict=True):
            response = getattr(clients[role][1], method)(path)
            cells += 1
            if response.status_code != want:
                wrong.append(f"{name} as {role}: {response.status_code}, wanted {want}")
    with capsys.disabled():
        print(f"\nauthorisation matrix: {cells} cells, {len(wrong)} wrong")
    assert wrong == [], "\n".join(wrong)


def test_inactive_items_never_leak_from_a_warm_cache(world):
    clients, items = world
    for role in ("anon", "user"):
        api = clients[role][0]
        listed = {i["name"] for i in api.get("/api/items/").json()["results"]}
        found = api.get("/api/items/search/", {"q": "hidden"}).json()["count"]
        assert "Hidden" not in listed and found == 0
        assert api.get(_detail(items, "inactive")).status_code == 404
        suggested = api.get("/api/items/suggest/", {"q": "hid"}).json()["suggestions"]
        assert suggested == []
        facets = api.get("/api/items/", {"facets": "category"}).json()["facets"]["category"]
        assert {f["value"]: f["count"] for f in facets}["autre"] == 2  # not the hidden one
    owner = clients["owner"][0]
    assert "Hidden" in {i["name"] for i in owner.get("/api/items/").json()["results"]}
    assert Decimal(owner.get(_detail(items, "inactive")).json()["price"]) == Decimal("19.99")
