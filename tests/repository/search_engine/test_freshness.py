"""Never stale: a search is the engine's only when its index holds every change the search can see.

With the indexer following in the background (its thread, as in a serving process), a write
that has returned is in the very next search, signed in or not, cached or not; searches a
moment later are the engine's. Without the indexer, a search the index has not caught up with
waits at most ``SEARCH_WAIT_MS``, then SQL answers it, counted. A long import transaction
open while others commit holds nobody back. A ``TRUNCATE`` is a reset: the index is rebuilt.
"""

from __future__ import annotations

import time
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from items.records import ItemFilter
from items.repository import search_engine
from items.repository.search_engine.indexer import connect
from tests.support.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/api/items/search/"


def _found(client, text: str) -> list[str]:
    response = client.get(SEARCH, {"q": text, "page_size": 100})
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["results"])


def _engine_names(text: str) -> list[str]:
    """The engine's answer, by name (an empty list when SQL would have answered instead)."""
    found = search_engine.window(text, filter=ItemFilter(), limit=50, offset=0)
    return [] if found is None else [record.name for record in found[0]]


def _eventually(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the index did not catch up"
        time.sleep(0.05)


def test_a_write_that_has_returned_is_in_the_next_search(
    index, counted, anon_client, user_client, settings
):
    settings.CACHE_ENABLED = True
    make_item(name="Lampe témoin", category="autre", description="")
    index.follow()
    names = ["Lampe témoin"]
    for n in range(6):
        created = user_client.post(
            "/api/items/", {"name": f"Lampe {n}", "price": "10", "category": "autre"}, "json"
        ).json()
        names = sorted([*names, f"Lampe {n}"])
        assert _found(anon_client, "lampe") == names  # the very next search, anonymous
        assert _found(user_client, "lampe") == names  # and signed in
        user_client.patch(f"/api/items/{created['id']}/", {"name": f"Chaise {n}"}, "json")
        names.remove(f"Lampe {n}")
        assert _found(anon_client, "lampe") == names
        assert _found(anon_client, f"chaise {n}") == [f"Chaise {n}"]
    _eventually(lambda: _engine_names("lampe") == names)  # the indexer has caught up
    before = counted.engine()
    anon_client.get(SEARCH, {"q": "lampe", "page": 1})
    user_client.get(SEARCH, {"q": "chaise", "facets": "category,tags"})
    assert counted.engine() == before + 3, counted.since()  # page, page, facets
    assert counted.engine() >= 6, f"the engine answered too few: {counted.since()}"


def test_a_search_the_index_lacks_a_change_for_is_answered_by_sql_and_counted(
    index, counted, settings
):
    settings.SEARCH_WAIT_MS = 30
    make_item(name="Vase bleu", category="autre", description="")
    index.sync()
    assert search_engine.window("vase", filter=ItemFilter(), limit=10, offset=0) is not None
    make_item(
        name="Vase rouge", category="autre", description=""
    )  # committed, not applied: no indexer runs
    started = time.monotonic()
    assert search_engine.window("vase", filter=ItemFilter(), limit=10, offset=0) is None
    assert time.monotonic() - started >= 0.03  # it waited for the index first
    assert counted.fallbacks() == {"stale": 1}
    index.sync()
    found = search_engine.window("vase", filter=ItemFilter(), limit=10, offset=0)
    assert sorted(record.name for record in found[0]) == ["Vase bleu", "Vase rouge"]


def test_a_long_import_transaction_holds_nobody_back(index, counted):
    make_item(name="Tapis ancien", category="autre", description="")
    index.follow()
    importing = connect()
    importing.execute("BEGIN")
    # Another category and other words: the facet counts and the vocabulary are counted per
    # category and per word, and two open transactions counting the same one wait in turn.
    importing.execute(
        "INSERT INTO items_item (id, name, description, price, category, tags, is_active, "
        "created_at, updated_at) VALUES (gen_random_uuid(), 'Moquette importée', '', 5, "
        "'livre', '{}', true, now(), now())"
    )
    try:
        for n in range(5):
            make_item(name=f"Tapis {n}", category="autre", description="")
            _eventually(lambda n=n: f"Tapis {n}" in _engine_names("tapis"))
        assert counted.engine() >= 5
        assert counted.fallbacks()["stale"] <= 10, counted.since()
        importing.execute("COMMIT")
        _eventually(lambda: _engine_names("moquette") == ["Moquette importée"])
    finally:
        importing.close()


def test_a_truncate_is_a_reset_and_the_index_is_rebuilt(index, counted):
    make_item(name="Globe terrestre", price=Decimal("30"), category="autre", description="")
    index.sync()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE items_item CASCADE")
    assert search_engine.window("globe", filter=ItemFilter(), limit=5, offset=0) is None
    make_item(name="Globe lunaire", price=Decimal("30"), category="autre", description="")
    index.sync()
    found = search_engine.window("globe", filter=ItemFilter(), limit=5, offset=0)
    assert [record.name for record in found[0]] == ["Globe lunaire"]


def test_a_hidden_item_never_leaks_even_from_a_wrong_index(index, counted, anon_client):
    hidden = make_item(name="Prototype secret", category="autre", is_active=False, description="")
    make_item(name="Prototype public", category="autre", description="")
    index.sync()
    # Make the index wrong on purpose: the hidden item's document says it is active.
    from items.repository.search_engine import documents

    with psycopg.connect(
        **{
            k: v
            for k, v in connection.get_connection_params().items()
            if k not in ("cursor_factory", "context")
        }
    ) as conn:
        row = conn.execute(
            f"SELECT {documents.COLUMNS} FROM items_item WHERE id = %s", [hidden.id]
        ).fetchone()
    row = (*row[:3], True, *row[4:])
    index.indexer.writer.delete_documents_by_term("id", str(hidden.id))
    index.indexer.writer.add_document(documents.document(row))
    index.indexer.writer.commit()
    body = anon_client.get(SEARCH, {"q": "prototype"}).json()
    assert [item["name"] for item in body["results"]] == ["Prototype public"]
    assert body["count"] == 1
    assert counted.fallbacks() == {"disagreement": 1}
