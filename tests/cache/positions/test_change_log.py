"""The change log (read replicas): each change is logged at its commit's WAL position with the
items it touched and the fields it altered, and a page is cleared only when the log holds every
change past a replica's position and none of them may alter the page."""

from __future__ import annotations

import uuid

import pytest

from catalog_cache.positions import changes
from catalog_cache.redis_core import keys, versions
from catalog_cache.redis_core.guard import run
from items.signals import item_changed

PRICE = frozenset({"price", "updated_at"})
A_LIST = frozenset({"id", "created_at", "category", "is_active", "created_by_id"})


@pytest.fixture(autouse=True)
def empty_log():
    names = [keys.changes_key(), keys.changes_floor_key(), f"{keys.changes_key()}:n"]
    run(lambda client: client.delete(*names), force=True)


def log(position: int, ids: list[uuid.UUID], fields) -> None:
    assert versions.bump(ids, position=position, change=changes.entry(ids, fields))


def test_a_change_is_logged_at_its_position_with_its_items_and_fields():
    item = uuid.uuid4()
    log(100, [item], PRICE)
    logged = run(lambda client: client.zrange(keys.changes_key(), 0, -1, withscores=True))
    assert [(raw.decode().split("|", 1)[1], score) for raw, score in logged] == [
        (f"{item}|price,updated_at", 100.0)
    ]
    assert int(run(lambda client: client.get(keys.changes_floor_key()))) == 100


def test_a_page_is_cleared_only_by_changes_it_does_not_depend_on():
    shown, other = uuid.uuid4(), uuid.uuid4()
    log(40, [shown], PRICE)  # the log's first change: its floor
    log(100, [other], PRICE)
    assert changes.clears(50, A_LIST, {str(shown)})  # another item's price: no effect
    assert not changes.clears(50, A_LIST | {"price"}, {str(shown)})  # sorted by price
    assert not changes.clears(50, A_LIST, {str(other)})  # the changed item is on the page
    assert changes.clears(100, A_LIST | {"price"}, {str(other)})  # replayed: nothing past it


@pytest.mark.parametrize(
    ("ids", "fields"),
    [([uuid.uuid4()], None), ([], PRICE), ([uuid.uuid4() for _ in range(101)], PRICE)],
    ids=["any field (a new or deleted item)", "any item", "too many items to spell"],
)
def test_a_change_of_unknown_reach_clears_no_page(ids, fields):
    log(40, [uuid.uuid4()], PRICE)
    assert changes.clears(50, A_LIST, set())
    log(100, ids, fields)
    assert not changes.clears(50, A_LIST, set())


def test_nothing_is_cleared_from_past_the_floor_or_without_a_log(monkeypatch):
    assert not changes.clears(50, A_LIST, set())  # no log yet: it cannot say
    monkeypatch.setattr(versions, "CHANGES_KEPT", 3)
    for position in (10, 20, 30, 40, 50):
        log(position, [uuid.uuid4()], PRICE)
    assert int(run(lambda client: client.get(keys.changes_floor_key()))) == 20
    assert run(lambda client: client.zcard(keys.changes_key())) == 3
    assert not changes.clears(15, A_LIST, set())  # the change at 20 is gone from the log
    assert changes.clears(25, A_LIST, set())


@pytest.mark.django_db(transaction=True)
def test_writes_announce_the_fields_they_altered(staff_client):
    heard: list[frozenset[str] | None] = []

    def listen(sender, fields=None, **_):
        heard.append(fields)

    item_changed.connect(listen, dispatch_uid="test.fields")
    try:
        created = staff_client.post(
            "/api/items/", {"name": "Lampe", "price": "5.00", "category": "autre"}, format="json"
        )
        path = f"/api/items/{created.json()['id']}/"
        staff_client.patch(path, {"price": "6.00"}, format="json")
        staff_client.patch(path, {"price": "6.00", "name": "Lampe bleue"}, format="json")
        staff_client.delete(path)
    finally:
        item_changed.disconnect(dispatch_uid="test.fields")
    assert heard == [None, PRICE, frozenset({"name", "updated_at"}), None]
