"""The change history contract: every backend records every write, with who, when and what.

Run unchanged on PostgreSQL (versions written by triggers) and MongoDB (versions written by
the repository into their own collection).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from items.actor import acting_as
from items.records import FieldChange, ItemData


def _data(name="Lampe", price="10.00", **extra) -> ItemData:
    return ItemData(name=name, price=Decimal(price), category="autre", **extra)


def _changed(entry) -> dict:
    return {change.field: (change.old, change.new) for change in entry.changes}


def test_every_write_is_recorded_newest_first_with_old_and_new_values(repository, owner_id):
    with acting_as(owner_id):
        item = repository.create(_data(tags=("a",)), created_by_id=owner_id)
        repository.update(item.id, {"price": Decimal("12.5"), "tags": ["a", "b"]})
    repository.set_active(ids=[item.id], is_active=False)
    with acting_as(owner_id):
        repository.delete(item.id)

    entries = repository.history(item.id, limit=10)

    assert [entry.kind for entry in entries] == ["deleted", "changed", "changed", "created"]
    assert [entry.user_id for entry in entries] == [owner_id, None, owner_id, owner_id]
    assert repository.history_count(item.id) == 4
    assert _changed(entries[2]) == {"price": ("10.00", "12.50"), "tags": (["a"], ["a", "b"])}
    assert _changed(entries[1]) == {"is_active": (True, False)}
    created = _changed(entries[3])
    assert created["name"] == (None, "Lampe") and created["created_by"] == (None, owner_id)
    assert _changed(entries[0])["price"] == ("12.50", None)  # the state it was deleted in
    assert all(a.at >= b.at for a, b in itertools.pairwise(entries))


def test_a_page_of_history_compares_its_oldest_entry_with_the_one_before(repository):
    item = repository.create(_data())
    for price in ("11.00", "12.00", "13.00"):
        repository.update(item.id, {"price": Decimal(price)})

    first, second = (
        repository.history(item.id, limit=2),
        repository.history(item.id, limit=2, offset=2),
    )

    assert [_changed(entry)["price"] for entry in first] == [("12.00", "13.00"), ("11.00", "12.00")]
    assert _changed(second[0])["price"] == ("10.00", "11.00")
    assert second[1].kind == "created" and len(second) == 2
    assert repository.history(item.id, limit=2, offset=4) == []


def test_bulk_loads_are_recorded_too(repository, owner_id):
    with repository.bulk_loading(2), acting_as(owner_id):
        repository.create_many([_data("Un"), _data("Deux")])
    for record in repository.find_all(limit=10):
        [entry] = repository.history(record.id, limit=10)
        assert entry.kind == "created" and entry.user_id == owner_id


def test_an_item_never_written_has_no_history(repository):
    import uuid

    assert repository.history(uuid.uuid4(), limit=5) == []
    assert repository.history_count(uuid.uuid4()) == 0


def test_history_is_kept_per_item(repository):
    one, other = repository.create(_data("Un")), repository.create(_data("Deux"))
    repository.update(other.id, {"name": "Deux bis"})
    assert [entry.kind for entry in repository.history(one.id, limit=5)] == ["created"]
    assert repository.history(other.id, limit=5)[0].changes == (
        FieldChange(field="name", old="Deux", new="Deux bis"),
    )


@pytest.mark.parametrize("limit", [1, 3])
def test_history_pages_add_up_to_the_count(repository, limit):
    item = repository.create(_data())
    for n in range(4):
        repository.update(item.id, {"name": f"Lampe {n}"})
    pages = [repository.history(item.id, limit=limit, offset=o) for o in range(0, 5, limit)]
    assert sum(len(page) for page in pages) == repository.history_count(item.id) == 5


def test_existing_ids_names_only_stored_items(repository):
    import uuid

    kept, gone = repository.create(_data("Un")), repository.create(_data("Deux"))
    repository.delete(gone.id)
    assert repository.existing_ids([kept.id, gone.id, uuid.uuid4()]) == {kept.id}
    assert repository.existing_ids([]) == set()
