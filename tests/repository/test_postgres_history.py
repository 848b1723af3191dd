"""PostgreSQL's history triggers: every path is recorded, in the write's own transaction, and
recording who acted costs the write no statement."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from items.actor import acting_as
from items.models import Item
from items.records import ItemData
from items.repository.postgres import PostgresItemRepository
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

repository = PostgresItemRepository()


def _item(**extra):
    return repository.create(ItemData(name="Lampe", price=Decimal("10"), category="autre", **extra))


def _kinds(item_id) -> list[str]:
    return [entry.kind for entry in repository.history(item_id, limit=50)]


@pytest.mark.parametrize(
    "write",
    [
        lambda item: repository.update(item.id, {"name": "Lampe bis"}),
        lambda item: repository.delete(item.id),
        lambda item: repository.set_active(ids=[item.id], is_active=False),
    ],
    ids=["update", "delete", "set_active"],
)
def test_the_actor_rides_in_a_statement_the_write_runs_anyway(write):
    item, baseline = _item(), _item()
    user = UserFactory()
    with CaptureQueriesContext(connection) as without_actor:
        write(baseline)
    with acting_as(user.pk), CaptureQueriesContext(connection) as with_actor:
        write(item)
    assert len(with_actor) == len(without_actor)
    [carrier] = [q["sql"] for q in with_actor if "set_config" in q["sql"]]
    assert "FOR UPDATE" in carrier  # the locking read
    assert repository.history(item.id, limit=1)[0].user_id == user.pk


def test_create_carries_the_actor_in_its_insert():
    user = UserFactory()
    with acting_as(user.pk), CaptureQueriesContext(connection) as queries:
        item = _item()
    [carrier] = [q["sql"] for q in queries if "set_config" in q["sql"]]
    assert carrier.startswith("INSERT")
    assert repository.history(item.id, limit=1)[0].user_id == user.pk


def test_a_rolled_back_write_leaves_no_version():
    item = _item()
    with pytest.raises(RuntimeError), transaction.atomic():
        repository.update(item.id, {"name": "Jamais"})
        raise RuntimeError
    assert _kinds(item.id) == ["created"]


def test_an_update_that_changes_nothing_records_nothing():
    item = _item()
    Item.objects.filter(pk=item.id).update(name="Lampe")
    assert _kinds(item.id) == ["created"]


def test_orm_saves_queryset_updates_raw_sql_and_loaddata_are_recorded(tmp_path):
    item = _item()
    row = Item.objects.get(pk=item.id)
    row.price = Decimal("11")
    row.save()
    Item.objects.filter(pk=item.id).update(price=Decimal("12"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET price = 13 WHERE id = %s", [item.id])
    fixture = tmp_path / "item.json"
    call_command("dumpdata", "items.item", output=str(fixture))
    Item.objects.filter(pk=item.id).update(price=Decimal("14"))
    call_command("loaddata", str(fixture), verbosity=0)
    prices = [
        dict((c.field, c.new) for c in entry.changes).get("price")
        for entry in repository.history(item.id, limit=10)
    ]
    assert prices == ["13.00", "14.00", "13.00", "12.00", "11.00", "10.00"]


def test_an_orm_save_outside_the_repository_records_the_acting_user():
    user = UserFactory()
    item = _item()
    with transaction.atomic(), acting_as(user.pk):
        row = Item.objects.get(pk=item.id)
        row.name = "Lampe du bureau"
        row.save()
    assert repository.history(item.id, limit=1)[0].user_id == user.pk


def test_a_write_without_an_actor_is_the_systems_even_after_one_with_an_actor():
    user = UserFactory()
    item = _item()
    with acting_as(user.pk):
        repository.update(item.id, {"name": "Par quelqu'un"})
    with connection.cursor() as cursor:  # still inside the test's transaction
        cursor.execute("SELECT current_setting('catalog.actor', true)")
        inside = cursor.fetchone()[0]
    assert inside == str(user.pk)  # transaction-local: ATOMIC_REQUESTS ends it with the request
    repository.update(item.id, {"name": "Par personne"})
    assert repository.history(item.id, limit=1)[0].user_id is None


def test_seeding_records_one_version_per_item():
    call_command("seed_items", count=300, batch=100, stdout=io.StringIO())
    versions = Item.history.filter(history_type="+").count()
    assert versions == Item.objects.count() == 300


@pytest.mark.django_db(transaction=True)
def test_the_actor_ends_with_its_transaction():
    user = UserFactory()
    item = _item()
    with transaction.atomic(), acting_as(user.pk):
        repository.update(item.id, {"name": "Par quelqu'un"})
    with transaction.atomic(), connection.cursor() as cursor:  # the next request's transaction
        cursor.execute("SELECT current_setting('catalog.actor', true)")
        assert cursor.fetchone()[0] in (None, "")
        cursor.execute("UPDATE items_item SET name = 'Par SQL' WHERE id = %s", [item.id])
    assert repository.history(item.id, limit=1)[0].user_id is None
