"""The search columns are kept by the database, and recomputed only when searched text changes.

Whatever writes a row (the repository, the ORM, COPY, raw SQL, ``loaddata``'s raw save) leaves
``search_document`` equal to what the search function makes of its text;
an UPDATE that leaves name, description and tags as they were does not run the trigger at all
(counted with PostgreSQL's own function statistics).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import serializers
from django.db import connection, transaction

from items.models import Item
from items.records import ItemData
from items.repository import repository_for

pytestmark = pytest.mark.django_db

STALE_ROWS = """
SELECT count(*) FROM items_item
WHERE search_document IS DISTINCT FROM public.item_search_document(name, description, tags)
"""


def stale_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(STALE_ROWS)
        return cursor.fetchone()[0]


def trigger_runs(write) -> int:
    """How many times the search trigger's function ran during ``write()``."""
    # The session's counts not yet flushed to the statistics are included: take the difference.
    calls = (
        "SELECT coalesce(pg_stat_get_xact_function_calls("
        "'public.item_search_fields()'::regprocedure), 0)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL track_functions = 'pl'")
        cursor.execute(calls)
        before = cursor.fetchone()[0]
        write()
        cursor.execute(calls)
        return cursor.fetchone()[0] - before


@pytest.fixture
def item():
    data = ItemData("Lampe de bureau", Decimal("20.00"), "autre", "Éclairage doux", ("lumière",))
    return repository_for("postgres").create(data)


def test_a_price_change_does_not_rebuild_the_document(item):
    repository = repository_for("postgres")
    assert trigger_runs(lambda: repository.update(item.id, {"price": Decimal("21.00")})) == 0
    assert trigger_runs(lambda: repository.set_active(ids=[item.id], is_active=False)) == 0
    assert trigger_runs(lambda: repository.update(item.id, {"name": "Lampe de bureau"})) == 0
    assert stale_rows() == 0


@pytest.mark.parametrize(
    "change", [{"name": "Lampe de chevet"}, {"description": "Très vive"}, {"tags": ["salon"]}]
)
def test_a_searched_field_change_rebuilds_it(item, change):
    repository = repository_for("postgres")
    assert trigger_runs(lambda: repository.update(item.id, change)) == 1
    assert stale_rows() == 0
    word = {"name": "chevet", "description": "vive", "tags": "salon"}[next(iter(change))]
    assert [r.id for r in repository.search(word, limit=5)] == [item.id]
    assert repository.search("lumière" if "tags" in change else "zzz", limit=5) == []


def test_every_other_way_in_leaves_the_columns_current(item):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET name = '  Lampe  ronde ' WHERE id = %s", [item.id])
        cursor.execute("UPDATE items_item SET search_document = NULL")
    assert stale_rows() == 0
    stored = Item.objects.get(pk=item.id)
    stored.description = "Abat-jour en lin"
    stored.save()
    # loaddata: a raw save of a serialized item, which carries no search columns.
    dumped = serializers.serialize("json", [Item.objects.get(pk=item.id)])
    assert "search_document" not in dumped
    for restored in serializers.deserialize("json", dumped.replace("Abat-jour", "Pied")):
        restored.save()
    assert stale_rows() == 0
    assert repository_for("postgres").search("pied", limit=5)[0].id == item.id
    repository_for("postgres").create_many([ItemData("Chaise pliante", Decimal("15.00"), "autre")])
    assert stale_rows() == 0
    assert repository_for("postgres").search("chaise", limit=5)
