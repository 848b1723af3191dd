"""The response cache never serves data older than a committed write, whatever made it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog_cache.redis_core import keys
from catalog_cache.responses.stats import cache_stats
from items.models import Item
from items.repository import get_item_repository
from tests.support.clients import detail
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/api/items/"


def change_behind_the_caches_back(item, price: str) -> None:
    """A raw UPDATE sends no signal: only a cache hit can still show the old price."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET price = %s WHERE id = %s", [price, item.pk])


def prime(client, item) -> None:
    """Cache the item's detail and the list, and prove both are served from the cache."""
    assert client.get(detail(item)).json()["price"] == str(item.price)
    client.get(LIST)
    change_behind_the_caches_back(item, "777.00")
    assert client.get(detail(item)).json()["price"] == str(item.price), "detail not cached"
    listed = {i["id"]: i["price"] for i in client.get(LIST).json()["results"]}
    assert listed[str(item.pk)] == str(item.price), "list not cached"


def shown(client, item) -> tuple[str | None, str | None]:
    one = client.get(detail(item))
    listed = {i["id"]: i["price"] for i in client.get(LIST).json()["results"]}
    return (one.json()["price"] if one.status_code == 200 else None), listed.get(str(item.pk))


@pytest.fixture
def item():
    return ItemFactory(price=Decimal("10.00"))


def test_api_patch_put_and_delete_invalidate(anon_client, staff_client, item):
    prime(anon_client, item)
    staff_client.patch(detail(item), {"price": "11.00"}, format="json")
    assert shown(anon_client, item) == ("11.00", "11.00")
    body = {"name": item.name, "price": "12.00", "category": item.category}
    staff_client.put(detail(item), body, format="json")
    assert shown(anon_client, item) == ("12.00", "12.00")
    staff_client.delete(detail(item))
    assert shown(anon_client, item) == (None, None)


def test_api_create_invalidates_lists(anon_client, user_client, item):
    prime(anon_client, item)
    created = user_client.post(
        LIST, {"name": "New", "price": "1.00", "category": "autre"}, format="json"
    )
    assert created.json()["id"] in {i["id"] for i in anon_client.get(LIST).json()["results"]}


def test_orm_save_and_delete_invalidate(anon_client, item):
    prime(anon_client, item)
    item.price = Decimal("13.00")
    item.save()
    assert shown(anon_client, item) == ("13.00", "13.00")
    item.delete()
    assert shown(anon_client, item) == (None, None)


def test_repository_bulk_update_invalidates(anon_client, item):
    prime(anon_client, item)
    get_item_repository().set_active(ids=[item.pk], is_active=False)
    assert shown(anon_client, item) == (None, None)


def test_loaddata_raw_saves_invalidate(anon_client):
    call_command("loaddata", "items", verbosity=0)
    seed = Item.objects.get(name="Clean Code")
    change_behind_the_caches_back(seed, "500.00")
    seed.refresh_from_db()
    prime(anon_client, seed)  # the cache now holds 500.00
    call_command("loaddata", "items", verbosity=0)  # writes the fixture's 45.50 back
    assert shown(anon_client, seed) == ("45.50", "45.50")


def test_admin_edit_bulk_actions_and_delete_invalidate(anon_client, admin_client, item):
    prime(anon_client, item)
    form = {
        "name": item.name,
        "description": "",
        "price": "14.00",
        "category": item.category,
        "tags": "",
        "is_active": "on",
    }
    admin_client.post(f"/admin/items/item/{item.pk}/change/", form)
    assert shown(anon_client, item) == ("14.00", "14.00")
    changelist = "/admin/items/item/"
    admin_client.post(changelist, {"action": "deactivate", "_selected_action": [str(item.pk)]})
    assert shown(anon_client, item) == (None, None)
    admin_client.post(changelist, {"action": "activate", "_selected_action": [str(item.pk)]})
    assert shown(anon_client, item) == ("14.00", "14.00")
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [str(item.pk)], "post": "yes"}
    )
    assert shown(anon_client, item) == (None, None)


def _versions(client) -> list[bytes | None]:
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    return redis.mget(keys.epoch_key(), keys.catalog_version_key())


def test_rollback_invalidates_nothing_and_leaves_nothing_stale(anon_client, item):
    assert anon_client.get(detail(item)).json()["price"] == "10.00"
    before = _versions(anon_client)
    with pytest.raises(RuntimeError), transaction.atomic():
        item.price = Decimal("99.00")
        item.save()
        raise RuntimeError("abort")
    assert _versions(anon_client) == before
    assert anon_client.get(detail(item)).json()["price"] == "10.00"
    item.refresh_from_db()
    assert item.price == Decimal("10.00")


@pytest.mark.parametrize(
    "path", [LIST + "?ordering=-price", "/api/items/search/?q=lampe", "{detail}"]
)
def test_cached_and_uncached_responses_are_byte_identical(anon_client, settings, path):
    item = ItemFactory(name="Lampe é", price=Decimal("10.00"), tags=["bureau", "ünïcode"])
    url = path.format(detail=detail(item))
    settings.CACHE_ENABLED = False
    live = anon_client.get(url)
    settings.CACHE_ENABLED = True
    miss, hit = anon_client.get(url), anon_client.get(url)
    assert live.content == miss.content == hit.content
    for header in ("Content-Type", "Allow", "Vary", "X-Frame-Options", "X-Content-Type-Options"):
        assert live[header] == miss[header] == hit[header], header
    assert cache_stats()["hits"] >= 1


def test_a_hit_costs_no_item_query(anon_client, user_client):
    item = ItemFactory()
    for client in (anon_client, user_client):
        client.get(detail(item))
    anon_client.get(LIST)
    with CaptureQueriesContext(connection) as anonymous:
        assert anon_client.get(detail(item)).status_code == 200
        assert anon_client.get(LIST).status_code == 200
    assert len(anonymous) == 0  # answered before the view: no transaction either
    with CaptureQueriesContext(connection) as signed_in:
        assert user_client.get(detail(item)).status_code == 200
    assert len(signed_in) == 0  # the token's holder is read from Redis with the entry


def test_visibility_never_leaks_through_the_cache(anon_client, staff_client, user_client, user):
    hidden = ItemFactory(name="Hidden", is_active=False, created_by=user)
    for url in (LIST, "/api/items/search/?q=hidden", detail(hidden)):
        assert staff_client.get(url).status_code == 200
        assert user_client.get(url).status_code == 200
        anon = anon_client.get(url)
        assert b"Hidden" not in anon.content
    assert anon_client.get(detail(hidden)).status_code == 404


def test_equal_queries_in_any_order_share_one_entry(anon_client):
    ItemFactory.create_batch(3)
    anon_client.get(LIST, {"page_size": 2, "ordering": "price"})
    hits = cache_stats()["hits"]
    second = anon_client.get(f"{LIST}?ordering=price&page_size=2")
    assert cache_stats()["hits"] == hits + 1
    assert "ordering=price&page=2&page_size=2" in second.json()["next"]


def test_stats_endpoint_is_staff_only(anon_client, user_client, staff_client):
    assert anon_client.get("/api/cache/stats/").status_code == 401
    assert user_client.get("/api/cache/stats/").status_code == 403
    stats = staff_client.get("/api/cache/stats/").json()
    assert {"hits", "misses", "hit_ratio", "keys", "memory_bytes"} <= set(stats)


def test_cache_commands(anon_client, capsys):
    anon_client.get(LIST)
    call_command("cache_stats")
    assert '"misses"' in capsys.readouterr().out
    call_command("cache_clear")
    assert "Deleted" in capsys.readouterr().out
    from catalog_cache.redis_core.guard import run

    assert run(lambda c: list(c.scan_iter(match=f"{keys.namespace()}*"))) == []
