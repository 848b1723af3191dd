"""A catalog taking writes keeps its searches cheap: each write adds its entries to the search
and tag indexes' pending lists, which every search reads through before the index proper, and
those lists stay short (``models.GIN_PENDING_KB``, migration 0013)."""

from __future__ import annotations

import pytest
from django.db import connection

from items.models import GIN_PENDING_KB
from tests.support.factories import ItemFactory

pytestmark = pytest.mark.django_db

PAGE_KB = 8
# Besides the pending list, a lookup reads the index's metapage and a path down its tree.
TREE_PAGES = 4


def _index_pages_read(sql: str, params: list) -> int:
    """The index pages the bitmap index scan of ``sql`` read (its shared buffers)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    nodes, scans = [plan[0]["Plan"]], []
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        if node["Node Type"] == "Bitmap Index Scan":
            scans.append(node)
    assert len(scans) == 1, plan
    return scans[0]["Shared Hit Blocks"] + scans[0]["Shared Read Blocks"]


def test_many_writes_leave_searches_and_tag_filters_a_short_pending_list():
    ItemFactory.create_batch(40, tags=["coton", "laine"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the index, even on a small table
        for _ in range(40):  # a price is indexed: every row's update adds index entries
            cursor.execute("UPDATE items_item SET price = price + 1, updated_at = now()")
    limit = GIN_PENDING_KB // PAGE_KB + TREE_PAGES
    search = "SELECT id FROM items_item WHERE search_document @@ to_tsquery('simple', 'zzz')"
    assert _index_pages_read(search, []) <= limit
    tagged = "SELECT id FROM items_item WHERE tags @> %s::varchar[]"
    assert _index_pages_read(tagged, [["absent"]]) <= limit
