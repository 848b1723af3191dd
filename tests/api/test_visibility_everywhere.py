"""Who sees an item, on every path: random viewers x items x paths, both backends, cache on.

The rule is defined once (``items.conditions``); each path restates it in its own language (a
``Q``, SQL text, a MongoDB query, a cache scope). This test holds every path to the rule's Python
meaning: detail, list, search, suggest, facets and history, each read twice (a miss, then what
the cache serves), by anonymous callers, owners, other users and staff.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from items.conditions import may_change, sees
from items.records import ItemData, ItemRecord, Viewer
from items.repository import get_item_repository
from tests.support.factories import MONGO_IN_PROCESS, item_backend

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = ("lampe", "roman", "casque")


@pytest.fixture(params=["postgres", "mongodb"])
def backend(request, settings, monkeypatch):
    with item_backend(request.param, settings=settings, monkeypatch=monkeypatch):
        yield request.param


def _catalog(rng: random.Random, owners: list) -> list[ItemRecord]:
    repository = get_item_repository()
    made = []
    for n in range(14):
        owner = rng.choice([None, *owners])
        data = ItemData(
            name=f"vis{n:02d}x {rng.choice(WORDS)}",
            price=Decimal(rng.choice(["5.00", "75.00", "450.00"])),
            category=rng.choice(["livre", "autre", "electronique"]),
            is_active=rng.random() < 0.5,
        )
        made.append(repository.create(data, created_by_id=owner.pk if owner else None))
    return made


def _ids(page: dict) -> set[str]:
    return {row["id"] for row in page["results"]}


def _read_twice(client: APIClient, path: str, **params) -> tuple[int, dict | None]:
    """The answer to a read, checked to be the same when served again (from the cache)."""
    first = client.get(path, params)
    second = client.get(path, params)
    assert second.status_code == first.status_code, path
    body = first.json() if first.status_code == 200 else None
    if body is not None:
        assert second.json() == body, path
    return first.status_code, body


def _check_viewer(client: APIClient, viewer: Viewer, items: list[ItemRecord], backend: str):
    seen = {str(item.id) for item in items if sees(viewer, item)}
    for item in items:
        status, _ = _read_twice(client, f"/api/items/{item.id}/")
        assert status == (200 if sees(viewer, item) else 404), (viewer, item)
    _, listed = _read_twice(client, "/api/items/", page_size=100, facets="category")
    assert _ids(listed) == seen, viewer
    assert sum(value["count"] for value in listed["facets"]["category"]) == len(seen)
    for word in WORDS:
        holding = {str(i.id) for i in items if i.name.endswith(word)} & seen
        if backend == "postgres" or not MONGO_IN_PROCESS:  # mongomock has no $text
            _, found = _read_twice(client, "/api/items/search/", q=word, page_size=100)
            assert _ids(found) == holding, (viewer, word)
    for item in items:
        _, suggested = _read_twice(client, "/api/items/suggest/", q=item.name[:5])
        assert suggested is not None
        names = {s["text"] for s in suggested["suggestions"] if s["kind"] == "name"}
        assert (item.name in names) == sees(viewer, item), (viewer, item)
    for item in items:
        status, _ = _read_twice(client, f"/api/items/{item.id}/history/")
        if viewer.user_id is None and not viewer.is_staff:
            expected = 401
        elif not sees(viewer, item):
            expected = 404
        else:
            expected = 200 if may_change(viewer, item) else 403
        assert status == expected, (viewer, item)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_path_shows_each_viewer_what_the_rule_says(
    backend, seed, anon_client, user_client, other_client, staff_client, user, other_user, staff
):
    rng = random.Random(seed)
    items = _catalog(rng, [user, other_user])
    callers = [
        (anon_client, Viewer()),
        (user_client, Viewer(user_id=user.pk)),
        (other_client, Viewer(user_id=other_user.pk)),
        (staff_client, Viewer(user_id=staff.pk, is_staff=True)),
    ]
    for client, viewer in rng.sample(callers, len(callers)):
        _check_viewer(client, viewer, items, backend)
