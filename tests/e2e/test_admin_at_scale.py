"""The admin's item list on a large catalog: no full COUNT(*) per page load unless filtered.

No browser here: what matters is the SQL the page costs, read in-process from the test client.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/items/item/"
LARGE = 100_000
COUNTS_ITEMS = re.compile(r'SELECT COUNT\(\*\).*FROM "items_item"', re.DOTALL)


def analyse() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE items_item")


@pytest.fixture
def large_catalog() -> Iterator[int]:
    """100,000 items inserted in one statement (no signals: nothing is cached yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO items_item
                (id, name, description, price, category, tags, is_active, created_at, updated_at)
            SELECT gen_random_uuid(), 'Article ' || n, '', mod(n, 1000),
                   (ARRAY['electronique', 'vetement', 'livre', 'autre'])[mod(n, 4) + 1],
                   '{}', true, now(), now()
            FROM generate_series(1, %s) AS n
            """,
            [LARGE],
        )
    analyse()
    yield LARGE
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE items_item CASCADE")
    analyse()  # later tests must not inherit the large table's estimate


@pytest.fixture
def staff_client(client, staff_account):
    client.force_login(staff_account)
    return client


def list_page(client, query: str = "") -> tuple[int, int]:
    """(rows counted by the changelist, COUNT(*) queries over items it ran)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    counts = sum(bool(COUNTS_ITEMS.search(q["sql"])) for q in queries.captured_queries)
    return response.context["cl"].result_count, counts


def test_large_list_estimates_unless_filtered(staff_client, large_catalog):
    shown, counts = list_page(staff_client)
    assert counts == 0
    assert abs(shown - large_catalog) <= large_catalog // 20
    assert list_page(staff_client, "category__exact=livre") == (large_catalog // 4, 1)
    assert list_page(staff_client, "q=Article+99999") == (1, 1)


def test_small_list_counts_exactly(staff_client):
    ItemFactory.create_batch(3)
    analyse()
    assert list_page(staff_client) == (3, 1)
