"""Every store's form of a filter means what ``items.conditions`` says, on random filters.

The clauses are compiled into a Django ``Q`` and SQL text (PostgreSQL) and into a query document
(MongoDB); each is held to ``conditions.admits``, the clauses' meaning in Python, over a random
catalog and random filters.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import connection

from items import conditions, domain
from items.records import STAFF, ItemData, ItemFilter, Viewer
from items.repository.postgres.queries import TABLE, sql_of

TAGS = ("bio", "laine", "coton", "4k")


def _catalog(repository, rng: random.Random, owner_id: int) -> list:
    made = []
    for n in range(40):
        data = ItemData(
            name=f"Article {n}",
            price=Decimal(rng.choice(["0.00", "9.99", "49.99", "50.00", "120.50", "1000.00"])),
            category=rng.choice(domain.Category.values),
            tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
            is_active=rng.random() < 0.6,
        )
        made.append(repository.create(data, created_by_id=rng.choice([None, owner_id])))
    return made


def _random_filter(rng: random.Random, made: list, owner_id: int) -> ItemFilter:
    stamps = sorted(item.created_at for item in made)
    price = lambda: rng.choice([None, Decimal("9.99"), Decimal("49.995"), Decimal("50")])  # noqa: E731
    return ItemFilter(
        category=rng.choice([None, *domain.Category.values]),
        is_active=rng.choice([None, True, False]),
        min_price=price(),
        max_price=price(),
        tags=tuple(rng.sample(TAGS, rng.choice([0, 1, 2]))),
        tags_match=rng.choice(["any", "all"]),
        created_after=rng.choice([None, rng.choice(stamps)]),
        created_before=rng.choice([None, rng.choice(stamps) + timedelta(microseconds=1)]),
        viewer=rng.choice([STAFF, Viewer(), Viewer(user_id=owner_id), Viewer(user_id=-1)]),
    )


def test_each_store_admits_what_the_clauses_admit(repository, owner_id):
    rng = random.Random(11)
    made = _catalog(repository, rng, owner_id)
    for _ in range(120):
        filter = _random_filter(rng, made, owner_id)
        expected = {item.id for item in made if conditions.admits(conditions.clauses(filter), item)}
        found = repository.find_all(limit=100, filter=filter)
        assert {item.id for item in found} == expected, filter
        assert repository.count(filter) == len(expected), filter


def test_sql_text_admits_what_the_clauses_admit(owner_id):
    from items.repository.postgres import PostgresItemRepository

    rng = random.Random(12)
    made = _catalog(PostgresItemRepository(), rng, owner_id)
    for _ in range(120):
        filter = _random_filter(rng, made, owner_id)
        expected = {item.id for item in made if conditions.admits(conditions.clauses(filter), item)}
        where, params = sql_of(conditions.clauses(filter), alias="item")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT item.id FROM {TABLE} AS item WHERE {where}", params)
            assert {row[0] for row in cursor.fetchall()} == expected, filter
