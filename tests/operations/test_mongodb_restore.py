"""A MongoDB restore makes the catalog identical to the backup (issue 29, item 9): items created
after it are gone (their deletion recorded and the cache told), changed ones are as they were;
and MongoDB indexes ``created_by_id``, which an owner's lists and a user's deletion read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from items.operations import backups
from items.operations.transfer import TransferError, import_exactly
from items.records import STAFF, ItemData, ItemFilter
from tests.support.factories import item_backend, make_item

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mongodb(settings, monkeypatch):
    with item_backend("mongodb", settings=settings, monkeypatch=monkeypatch) as repository:
        yield repository


def everything(repository) -> list:
    return repository.find_all(limit=1000, sort_by="name", filter=ItemFilter(viewer=STAFF))


def test_items_made_after_the_backup_are_gone_after_the_restore(mongodb, tmp_path):
    mongodb.create_many([ItemData(f"Article {n:02}", Decimal("1.50"), "autre") for n in range(30)])
    changed = make_item(name="Lampe", price=Decimal("10.00"))
    before = everything(mongodb)
    export = tmp_path / "catalog.mongodb.jsonl"
    manifest = backups.export_mongodb(export)
    later = [make_item(name=f"Après {n}") for n in range(25)]  # some sort before, some after
    mongodb.update(changed.id, {"price": Decimal("99.00")})
    assert len(everything(mongodb)) == 56
    assert backups.restore_mongodb(export, manifest) == []
    assert everything(mongodb) == before
    assert mongodb.existing_ids([item.id for item in later]) == set()
    assert mongodb.history(later[0].id, limit=5)[0].kind == "deleted"


def test_the_walk_removes_items_on_both_sides_of_every_batch(mongodb, tmp_path):
    mongodb.create_many([ItemData(f"Article {n}", Decimal("1"), "autre") for n in range(7)])
    export = tmp_path / "catalog.mongodb.jsonl"
    backups.export_mongodb(export)
    kept = {record.id for record in everything(mongodb)}
    for n in range(9):
        make_item(name=f"Nouveau {n}")
    imported, removed = import_exactly(mongodb, export, size=2)  # batches smaller than either
    assert (imported, removed) == (7, 9)
    assert {record.id for record in everything(mongodb)} == kept


def test_an_export_out_of_id_order_is_refused(mongodb, tmp_path):
    mongodb.create_many([ItemData(f"Article {n}", Decimal("1"), "autre") for n in range(3)])
    export = tmp_path / "catalog.mongodb.jsonl"
    backups.export_mongodb(export)
    export.write_bytes(b"".join(reversed(export.read_bytes().splitlines(keepends=True))))
    with pytest.raises(TransferError, match="not in id order"):
        import_exactly(mongodb, export)
    assert len(everything(mongodb)) == 3  # nothing removed


def test_mongodb_indexes_the_owner(mongodb):
    indexes = mongodb.collection.index_information()
    assert [key for key, _ in indexes["item_created_by"]["key"]] == ["created_by_id"]
