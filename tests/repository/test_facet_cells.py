"""The facet cells PostgreSQL keeps: always equal to counting the rows, whatever wrote them.

Facets of a list come from ``items_facet_cell`` when its filters allow; these tests hold that
path to the one that counts rows, over random catalogs and filters, and hold the cells to a
fresh count after every kind of write: the ORM, the repository's bulk paths, raw SQL, TRUNCATE.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection, transaction

from items import domain
from items.models import Item
from items.records import STAFF, ItemData, ItemFilter, ItemRecord, Viewer
from items.repository.facets import assembled
from items.repository.postgres import PostgresItemRepository
from items.repository.postgres import bulk as postgres_bulk
from items.repository.postgres import facets as postgres_facets
from tests.support.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db

ALL = ("category", "price", "tags")
TAGS = ("bio", "coton", "laine", "été", "usb-c", "Été")
FRESH_CELLS = """
    SELECT category, is_active, floor(price)::integer, tag, count(*)
    FROM items_item, unnest(ARRAY['']::varchar[] || tags) AS tag
    GROUP BY 1, 2, 3, 4
"""


def _counts(sql: str) -> dict[tuple, int]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[:-1]: row[-1] for row in cursor.fetchall()}


def cells() -> dict[tuple, int]:
    """The cells, and the totals beside them (keyed with a price unit of None)."""
    kept = _counts(
        "SELECT category, is_active, price_unit, tag, items FROM items_facet_cell WHERE items <> 0"
    )
    totals = _counts(
        "SELECT category, is_active, NULL, tag, items FROM items_facet_total WHERE items <> 0"
    )
    return {**kept, **totals}


def fresh() -> dict[tuple, int]:
    """What the cells and totals should hold, counted from the items now."""
    by_unit = _counts(FRESH_CELLS)
    totals: dict[tuple, int] = {}
    for (category, is_active, _, tag), count in by_unit.items():
        key = (category, is_active, None, tag)
        totals[key] = totals.get(key, 0) + count
    return {**by_unit, **totals}


def by_rows(names, filter) -> dict:
    categories, bands, tags = postgres_facets.row_counts(names, filter, tags_limit=None)
    return assembled(names, categories=categories, bands=bands, tags=tags.items())


def _price(rng: random.Random) -> Decimal:
    whole = rng.choice([0, 1, 9, 10, 49, 50, 199, 200, 999, 1000, 1500, rng.randint(0, 2000)])
    return Decimal(whole) + Decimal(rng.choice([0, 1, 50, 99])) / 100


def random_catalog(rng: random.Random, count: int) -> None:
    owner = UserFactory()
    for _ in range(count):
        ItemFactory(
            price=_price(rng),
            category=rng.choice(domain.Category.values),
            tags=rng.sample(TAGS, rng.randint(0, 3)),
            is_active=rng.random() < 0.8,
            created_by=owner if rng.random() < 0.2 else None,
        )


def random_filter(rng: random.Random) -> ItemFilter:
    low, high = sorted([_price(rng), _price(rng)])
    return ItemFilter(
        category=rng.choice([None, *domain.Category.values]),
        is_active=rng.choice([None, True, False]),
        min_price=rng.choice([None, low, Decimal("49.995"), Decimal("50")]),
        max_price=rng.choice([None, high, Decimal("200"), Decimal("199.99")]),
        tags=tuple(rng.sample(TAGS, rng.choice([0, 0, 1]))),
        tags_match=rng.choice(["any", "all"]),
        viewer=rng.choice([STAFF, Viewer()]),
    )


def test_cells_count_what_the_rows_count_for_any_filter():
    rng = random.Random(17)
    random_catalog(rng, 300)
    assert cells() == fresh()
    for _ in range(150):
        filter = random_filter(rng)
        from_cells = postgres_facets.facet_counts(ALL, filter)
        assert postgres_facets.facet_cells.answerable(filter)
        assert from_cells == by_rows(ALL, filter), filter


def test_the_cells_path_reads_cells_and_at_most_the_edge_rows(django_assert_max_num_queries):
    ItemFactory.create_batch(3, price=Decimal("10.00"), tags=["bio"])
    whole = ItemFilter(min_price=Decimal("10"), max_price=Decimal("100.99"), viewer=Viewer())
    assert postgres_facets.facet_cells.edges(whole) == []
    with django_assert_max_num_queries(3) as captured:
        facets = postgres_facets.facet_counts(ALL, whole)
    assert all("items_facet_cell" in query["sql"] for query in captured.captured_queries)
    with django_assert_max_num_queries(3) as captured:
        postgres_facets.facet_counts(ALL, ItemFilter(viewer=Viewer()))
    read = [q["sql"] for q in captured.captured_queries]
    assert sum("items_facet_total" in sql for sql in read) == 2  # categories and tags
    assert {v.value: v.count for v in facets["tags"]} == {"bio": 3}
    partial = ItemFilter(min_price=Decimal("10.50"), max_price=Decimal("100.98"))
    assert [(e.min_price, e.max_price) for e in postgres_facets.facet_cells.edges(partial)] == [
        (Decimal("10.50"), Decimal("10.99")),
        (Decimal("100"), Decimal("100.98")),
    ]
    narrow = ItemFilter(min_price=Decimal("10.20"), max_price=Decimal("10.70"))
    assert postgres_facets.facet_cells.edges(narrow) == [narrow]


def _record(item: Item) -> ItemRecord:
    return PostgresItemRepository().find_by_id(item.pk, filter=ItemFilter(viewer=STAFF))


def test_cells_follow_every_kind_of_write():
    rng = random.Random(4)
    random_catalog(rng, 40)
    repository = PostgresItemRepository()
    items = list(Item.objects.all())
    # The ORM: a save that changes price, tags and activity; one that changes only the name.
    first = items[0]
    first.price, first.tags, first.is_active = Decimal("123.45"), ["laine", "bio"], True
    first.save()
    items[1].name = "Autre nom"
    items[1].save()
    items[2].delete()
    assert cells() == fresh()
    # The repository: update, bulk (de)activation, COPY, upserts of whole records.
    repository.update(items[3].pk, {"price": Decimal("0.99"), "tags": ["été"]})
    repository.set_active(ids=[item.pk for item in items[4:20]], is_active=False)
    repository.create_many(
        [
            ItemData(name=f"Lot {n}", price=Decimal(n), category="livre", tags=("bio",))
            for n in range(5)
        ]
    )
    repository.upsert_records(
        [
            replace(_record(items[5]), price=Decimal("7.77"), tags=("x",)),
            replace(_record(items[6]), id=uuid.uuid4()),
        ]
    )
    assert cells() == fresh()
    # Raw SQL and a user's deletion (its items' owner set to null by the foreign key).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE items_item SET category = 'autre', price = price + 100")
        cursor.execute("DELETE FROM items_item WHERE price > 1000")
    Item.objects.filter(pk=items[7].pk).update(created_by=UserFactory())
    items[7].refresh_from_db()
    items[7].created_by.delete()
    assert cells() == fresh()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check left pending
        cursor.execute("TRUNCATE items_item CASCADE")
    assert cells() == {} == fresh()


def test_cells_follow_a_staged_seed_and_one_that_fails(monkeypatch):
    from django.core.management import call_command

    from items.operations import seeding

    monkeypatch.setattr(postgres_bulk, "BULK_LOAD_THRESHOLD", 100)
    call_command("seed_items", "--count", "300", "--seed", "4", "--batch", "100")
    assert sum(n for key, n in cells().items() if key[3] == "" and key[2] is None) == 300
    assert cells() == fresh()
    generated = seeding.generate_items

    def failing_half_way(count: int, seed: int):
        for n, pair in enumerate(generated(count, seed)):
            if n == count // 2:
                raise RuntimeError("the generator broke")
            yield pair

    monkeypatch.setattr(seeding, "generate_items", failing_half_way)
    with pytest.raises(RuntimeError):
        call_command("seed_items", "--count", "300", "--seed", "5", "--batch", "100")
    assert cells() == fresh()


def test_a_write_updates_its_cells_in_place():
    """Moving an item between price units changes counts, not index entries: the cells' updates
    are heap-only (HOT), as nothing indexed changes (migration 0012)."""
    repository = PostgresItemRepository()
    item = repository.create(ItemData("Lampe", Decimal("10.50"), "autre", tags=("bureau",)))
    repository.update(item.id, {"price": Decimal("20.50")})  # both units' cells now exist
    counts = (
        "SELECT pg_stat_get_xact_tuples_updated(%(t)s::regclass), "
        "pg_stat_get_xact_tuples_hot_updated(%(t)s::regclass)"
    )
    table = {"t": "public.items_facet_cell"}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(counts, table)
        updated_before, hot_before = cursor.fetchone()
        for price in ("10.75", "20.25", "10.25"):
            repository.update(item.id, {"price": Decimal(price)})
        cursor.execute(counts, table)
        updated, hot = cursor.fetchone()
    assert updated - updated_before == 3 * 2 * 2  # three moves: two units, two cells each
    assert hot - hot_before == updated - updated_before
    assert postgres_facets.facet_counts(["price"], ItemFilter(viewer=STAFF))
