"""What one read may cost (issue 29, item 6): a search of more than ``MAX_QUERY_TERMS`` words is
400 naming ``q``, and a read whose statement runs past ``DB_READ_TIMEOUT_MS`` is stopped by
PostgreSQL and answered 503 with ``Retry-After``, never 500. The timeout is lowered here so
that a real search of a seeded catalog exceeds it."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from items.api.filters import MAX_QUERY_TERMS

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/api/items/search/"
COMMON = [
    "samsung",
    "apple",
    "livre",
    "roman",
    "casque",
    "lampe",
    "bureau",
    "cuir",
    "coton",
    "pull",
    "veste",
    "chaise",
    "table",
]


@pytest.fixture
def catalog():
    call_command("seed_items", "--count", "5000", "--seed", "29", "--batch", "5000")


def costly_query(words: int) -> dict:
    q = " or ".join((COMMON * words)[:words])
    return {"q": q, "facets": "category,tags,price", "highlight": "1", "page_size": "100"}


def test_a_search_over_the_term_cap_is_refused_naming_q(anon_client):
    assert anon_client.get(SEARCH, {"q": " ".join(["lampe"] * MAX_QUERY_TERMS)}).status_code == 200
    too_many = anon_client.get(SEARCH, {"q": " ".join(["lampe"] * (MAX_QUERY_TERMS + 1))})
    assert too_many.status_code == 400
    [error] = too_many.json()["errors"]
    assert error["attr"] == "q"
    assert str(MAX_QUERY_TERMS) in error["detail"]
    spelled_out = " or ".join(["lampe"] * MAX_QUERY_TERMS)  # "or" joins terms, is not one
    assert anon_client.get(SEARCH, {"q": spelled_out}).status_code == 200


def test_a_read_past_its_statement_timeout_is_503_with_retry_after(anon_client, catalog, settings):
    query = costly_query(MAX_QUERY_TERMS)
    started = time.perf_counter()
    assert anon_client.get(SEARCH, query).status_code == 200  # within the default bound
    took_ms = (time.perf_counter() - started) * 1000
    settings.DB_READ_TIMEOUT_MS = 2
    settings.CACHE_ENABLED = False  # the search must reach PostgreSQL again
    stopped = anon_client.get(SEARCH, query)
    assert stopped.status_code == 503, (stopped.status_code, took_ms)
    assert stopped.json() == {
        "type": "server_error",
        "errors": [
            {"code": "read_timeout", "detail": stopped.json()["errors"][0]["detail"], "attr": None}
        ],
    }
    assert int(stopped["Retry-After"]) > 0
    settings.DB_READ_TIMEOUT_MS = 2000  # the connection is fine, and nothing kept the bound
    assert anon_client.get(SEARCH, query).status_code == 200


def test_the_bound_leaves_nothing_on_the_connection(anon_client, settings):
    from django.db import connection

    settings.DB_READ_TIMEOUT_MS = 1234
    assert anon_client.get("/api/items/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
