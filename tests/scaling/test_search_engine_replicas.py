"""The search engine with read replicas: freshness is judged where the page's rows are read.

A replica 400 ms behind (tests/support/replica.py); the index is built from the primary, then
an item is inserted on the primary and not indexed. A search the router sends to the replica
(no position to honour) is judged on the replica, which has not replayed the insert: the
engine answers, as the replica's own rows would. A search that must see the insert (its
position sent back) is judged where it reads, sees the change the index lacks, and SQL
answers it with the new item; once indexed, the engine answers it too.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests.scaling.test_replicas import caught_up
from tests.support.search_engine import served_counts, served_env
from tests.support.served import Gunicorn, exchange, request

pytestmark = pytest.mark.django_db


def _replica_reads(port: int) -> float:
    headers = {"Authorization": "Bearer engine-metrics"}
    _, _, body = exchange(port, "GET", "/metrics", headers=headers)
    found = re.search(r'^catalog_db_reads_total\{target="replica"\} (\S+)$', body.decode(), re.M)
    return float(found[1]) if found else 0.0


def _names(port: int, headers: dict | None = None) -> list[str]:
    path = "/api/items/search/?" + urllib.parse.urlencode({"q": "zèbre"})
    status, body = request(port, "GET", path, headers=headers)
    assert status == 200, body
    return [item["name"] for item in body["results"]]


def test_freshness_is_judged_on_the_replica_the_rows_come_from(scratch, lagging_replica, tmp_path):
    scratch.manage("migrate", "--noinput")
    scratch.manage("seed_items", "--count", "200", "--seed", "2")
    env = served_env(
        scratch,
        tmp_path / "index",
        SEARCH_INDEXER="false",
        DATABASE_REPLICA_URLS=lagging_replica.url(scratch.name),
        REPLICA_MAX_LAG="30",
    )
    scratch.manage("search_index", "build", SEARCH_INDEX_DIR=env["SEARCH_INDEX_DIR"])
    lagging_replica.wait_for(scratch.name)
    caught_up(lagging_replica, lagging_replica.primary_position())
    server = Gunicorn(env)
    try:
        scratch.query(
            "INSERT INTO items_item (id, name, description, price, category, tags, is_active, "
            "created_at, updated_at) VALUES (gen_random_uuid(), 'Zèbre répliqué', '', 3, "
            "'autre', '{}', true, now(), now())"
        )
        position = lagging_replica.primary_position()
        text = f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"
        assert _names(server.port) == []  # the replica's view, from the engine
        assert served_counts(server.port)["engine"] == 1
        assert _replica_reads(server.port) >= 1
        assert _names(server.port, {"X-Catalog-Position": text}) == ["Zèbre répliqué"]
        assert served_counts(server.port)["stale"] == 1  # judged where it read: behind
        scratch.manage("search_index", "build", SEARCH_INDEX_DIR=env["SEARCH_INDEX_DIR"])
        assert _names(server.port, {"X-Catalog-Position": text}) == ["Zèbre répliqué"]
        assert served_counts(server.port)["engine"] == 2
    finally:
        server.stop()
