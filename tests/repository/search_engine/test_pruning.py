"""Changes are kept until every indexer has them; an indexer gone for long stops holding them.

Two index directories follow one database (two app servers). A change stays in the change
table until both have applied it, then it is pruned. An indexer not seen for
``SEARCH_INDEXER_EXPIRY`` is forgotten: the changes it lacks are pruned all the same, its
index is no longer fresh for any read (searches go to SQL), and it rebuilds when it returns.
"""

from __future__ import annotations

import pytest
from django.db import connection

from items.records import ItemFilter
from items.repository import search_engine
from tests.support.factories import make_item
from tests.support.search_engine import TestIndex

pytestmark = pytest.mark.django_db(transaction=True)


def _changes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_engine.changes")
        return cursor.fetchone()[0]


def _search(settings, root) -> list[str] | None:
    settings.SEARCH_INDEX_DIR = root
    found = search_engine.window("fauteuil", filter=ItemFilter(), limit=10, offset=0)
    return None if found is None else sorted(record.name for record in found[0])


def test_changes_are_pruned_once_applied_and_a_gone_indexer_rebuilds(settings, tmp_path, counted):
    settings.SEARCH_ENGINE = "tantivy"
    first, second = TestIndex(tmp_path / "first"), TestIndex(tmp_path / "second")
    try:
        make_item(name="Fauteuil 0", category="autre", description="")
        first.sync()
        second.sync()
        for n in (1, 2, 3):
            make_item(name=f"Fauteuil {n}", category="autre", description="")
        first.sync()
        first.indexer.prune()
        assert _changes() >= 3  # the second index lacks them
        second.sync()
        first.indexer.prune()
        assert _changes() == 0

        for n in (4, 5):
            make_item(name=f"Fauteuil {n}", category="autre", description="")
        first.sync()
        with connection.cursor() as cursor:  # the second server has been gone for two hours
            cursor.execute(
                "UPDATE search_engine.indexers SET seen_at = now() - interval '2 hours' "
                "WHERE name = %s",
                [second.indexer.name],
            )
        first.indexer.prune()
        assert _changes() == 0
        assert _search(settings, second.root) is None  # pruned past it: SQL answers
        second.sync()  # it comes back, and rebuilds
        everything = [f"Fauteuil {n}" for n in range(6)]
        assert _search(settings, second.root) == everything
        assert _search(settings, first.root) == everything
        assert counted.since()["build pruned"] == 1
        assert counted.fallbacks() == {"stale": 1} and counted.engine() == 2
    finally:
        first.close()
        second.close()
