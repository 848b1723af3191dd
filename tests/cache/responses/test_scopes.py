"""Entries are shared by everyone who may see the same thing, and by no one else: an active
item's entry is public, an inactive one's belongs to its owner or to staff."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog_cache.responses.stats import cache_stats
from tests.support.clients import detail
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)


def change_behind_the_caches_back(item, name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET name = %s WHERE id = %s", [name, item.pk])


def test_a_signed_in_read_of_a_public_item_is_the_anonymous_hit(
    anon_client, user_client, staff_client
):
    item = ItemFactory(name="Lampe")
    misses = cache_stats()["misses"]
    user_client.get(detail(item))  # the caller's holder is stored (and the entry filled)
    staff_client.get(detail(item))
    assert cache_stats()["misses"] == misses + 1  # one build, shared by the user and staff
    change_behind_the_caches_back(item, "Changed")
    assert anon_client.get(detail(item)).json()["name"] == "Lampe"
    with CaptureQueriesContext(connection) as queries:
        assert user_client.get(detail(item)).json()["name"] == "Lampe"
        assert staff_client.get(detail(item)).json()["name"] == "Lampe"
    assert len(queries) == 0


@pytest.mark.parametrize("first", ["owner", "staff"])
def test_an_inactive_item_never_leaks_through_a_shared_entry(
    first, user, anon_client, user_client, other_client, staff_client
):
    hidden = ItemFactory(is_active=False, created_by=user, name="Brouillon")
    readers = {"owner": user_client, "staff": staff_client}
    assert readers[first].get(detail(hidden)).status_code == 200  # cached in its scope
    assert readers[first].get(detail(hidden)).status_code == 200
    assert anon_client.get(detail(hidden)).status_code == 404
    assert other_client.get(detail(hidden)).status_code == 404
    assert other_client.get(detail(hidden)).status_code == 404
    for reader in readers.values():
        assert reader.get(detail(hidden)).json()["name"] == "Brouillon"
    names = {"anon": anon_client, "other": other_client, "owner": user_client}
    seen = {
        who: [i["name"] for i in client.get("/api/items/").json()["results"]]
        for who, client in names.items()
    }
    assert seen == {"anon": [], "other": [], "owner": ["Brouillon"]}


def test_an_item_made_inactive_leaves_the_public_entry(
    user, anon_client, user_client, other_client, staff_client
):
    item = ItemFactory(created_by=user, name="Bientôt caché")
    assert other_client.get(detail(item)).status_code == 200  # the public entry
    changed = user_client.patch(detail(item), {"is_active": False}, format="json")
    assert changed.status_code == 200
    assert other_client.get(detail(item)).status_code == 404
    assert anon_client.get(detail(item)).status_code == 404
    assert user_client.get(detail(item)).json()["is_active"] is False
    assert staff_client.get(detail(item)).json()["is_active"] is False
