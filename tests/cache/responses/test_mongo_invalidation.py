"""On the MongoDB backend too, the response cache never outlives a committed write."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from bson.decimal128 import Decimal128

from items.records import ItemData
from items.repository.mongo.documents import bson_id
from tests.support.factories import item_backend, make_item

# Committing tests: item_changed is delivered, and the shared conftest keeps the cache on.
pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/api/items/"


@pytest.fixture
def repository(settings, monkeypatch):
    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


@pytest.fixture
def item(repository):
    return make_item(price=Decimal("10.00"))


def detail(item_id) -> str:
    return f"/api/items/{item_id}/"


def shown(client, item_id) -> tuple[str | None, str | None]:
    one = client.get(detail(item_id))
    listed = {i["id"]: i["price"] for i in client.get(LIST).json()["results"]}
    return (one.json()["price"] if one.status_code == 200 else None), listed.get(str(item_id))


def prime(client, repository, item) -> None:
    """Cache the detail and the list, and prove both are served from the cache."""
    assert shown(client, item.id) == ("10.00", "10.00")
    # A write straight to the collection announces nothing: only a cache hit hides it.
    repository.collection.update_one(
        {"_id": bson_id(item.id)}, {"$set": {"price": Decimal128("777.00")}}
    )
    assert shown(client, item.id) == ("10.00", "10.00"), "not served from the cache"


def test_api_writes_on_mongodb_invalidate(anon_client, staff_client, repository, item):
    prime(anon_client, repository, item)
    staff_client.patch(detail(item.id), {"price": "11.00"}, format="json")
    assert shown(anon_client, item.id) == ("11.00", "11.00")
    body = {"name": item.name, "price": "12.00", "category": item.category}
    staff_client.put(detail(item.id), body, format="json")
    assert shown(anon_client, item.id) == ("12.00", "12.00")
    staff_client.delete(detail(item.id))
    assert shown(anon_client, item.id) == (None, None)


def test_repository_writes_on_mongodb_invalidate(anon_client, repository, item):
    prime(anon_client, repository, item)
    repository.set_active(ids=[item.id], is_active=False)
    assert shown(anon_client, item.id) == (None, None)
    repository.set_active(ids=[item.id], is_active=True)
    assert shown(anon_client, item.id) == ("777.00", "777.00")
    repository.create_many([ItemData(name="Lot", price=Decimal("2.00"), category="autre")])
    assert len(anon_client.get(LIST).json()["results"]) == 2


def test_api_create_on_mongodb_invalidates_lists(anon_client, user_client, repository, item):
    prime(anon_client, repository, item)
    body = {"name": "Nouveau", "price": "1.00", "category": "autre"}
    created = user_client.post(LIST, body, format="json").json()
    listed = {i["id"] for i in anon_client.get(LIST).json()["results"]}
    assert uuid.UUID(created["id"]) in {uuid.UUID(i) for i in listed}


def test_deleting_an_owner_on_mongodb_shows_at_once_in_cached_items(anon_client, repository, user):
    item = make_item(created_by=user)
    assert anon_client.get(detail(item.id)).json()["created_by"] == user.pk
    assert anon_client.get(LIST).json()["results"][0]["created_by"] == user.pk
    user.delete()
    assert anon_client.get(detail(item.id)).json()["created_by"] is None
    assert anon_client.get(LIST).json()["results"][0]["created_by"] is None
