"""``GET /api/items/{id}/history/``: who changed what and when, for the owner and staff only."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import make_item

pytestmark = pytest.mark.django_db


def _history(client, item_id, **query):
    return client.get(f"/api/items/{item_id}/history/", query)


def test_a_patch_shows_in_the_history_with_who_and_the_old_and_new_values(user, user_client):
    item = make_item(created_by=user, name="Lampe", price=Decimal("10.00"))
    response = user_client.patch(f"/api/items/{item.id}/", {"price": "12.50"}, format="json")
    assert response.status_code == 200

    body = _history(user_client, item.id).json()

    assert body["count"] == 2
    latest, created = body["results"]
    assert latest["kind"] == "changed" and latest["user"] == user.pk
    assert latest["changes"] == [{"field": "price", "old": "10.00", "new": "12.50"}]
    assert created["kind"] == "created"
    assert {"field": "name", "old": None, "new": "Lampe"} in created["changes"]
    assert latest["at"] >= created["at"]


def test_staff_read_any_history_and_the_api_records_staff_as_the_actor(staff, staff_client, user):
    item = make_item(created_by=user)
    staff_client.patch(f"/api/items/{item.id}/", {"is_active": False}, format="json")
    [latest, _] = _history(staff_client, item.id).json()["results"]
    assert latest["user"] == staff.pk
    assert latest["changes"] == [{"field": "is_active", "old": True, "new": False}]


def test_others_learn_nothing_from_a_history(user, other_client):
    visible = make_item(created_by=user)
    hidden = make_item(created_by=user, is_active=False)
    assert _history(other_client, visible.id).status_code == 403
    missing = _history(other_client, uuid.uuid4())
    assert _history(other_client, hidden.id).status_code == missing.status_code == 404
    assert _history(other_client, hidden.id).json() == missing.json()  # no tell-tale difference
    assert _history(other_client, "not-a-uuid").status_code == 404


def test_history_pages_newest_first(user, user_client):
    item = make_item(created_by=user, name="v0")
    for n in range(1, 5):
        user_client.patch(f"/api/items/{item.id}/", {"name": f"v{n}"}, format="json")

    first = _history(user_client, item.id, page_size=2).json()
    second = _history(user_client, item.id, page_size=2, page=2).json()
    names = [
        next(c["new"] for c in entry["changes"] if c["field"] == "name")
        for entry in first["results"] + second["results"]
    ]
    assert names == ["v4", "v3", "v2", "v1"]
    assert first["count"] == 5 and first["next"] and second["previous"]
    assert _history(user_client, item.id, page=9).status_code == 404
    assert _history(user_client, item.id, page_size="x").status_code == 400


def test_a_page_of_history_costs_the_same_queries_however_long_it_is(user, user_client):
    short, long = make_item(created_by=user), make_item(created_by=user)
    for n in range(15):
        user_client.patch(f"/api/items/{long.id}/", {"name": f"v{n}"}, format="json")
    counts = []
    for item in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert _history(user_client, item.id).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_schema_documents_the_history(anon_client):
    schema = anon_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/items/{id}/history/"]["get"]
    assert "page" in {p["name"] for p in operation["parameters"]}
    assert "cursor" not in {p["name"] for p in operation["parameters"]}
    entry = schema["components"]["schemas"]["HistoryEntry"]["properties"]
    assert {"at", "kind", "user", "changes"} <= set(entry)
