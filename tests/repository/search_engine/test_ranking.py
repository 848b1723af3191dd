"""The engine's order: name matches first, then BM25; ties by (created_at, id), pages stable.

A word in an item's name outranks the same word anywhere else, however many times (as in
PostgreSQL's ranking, where the name weighs most). Items the ranking cannot tell apart come
in creation order, then by id, whatever the index's segments: pages stay the same when
other items change.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from items.conditions import clauses
from items.models import Item
from items.records import ItemFilter
from items.repository import search_engine
from items.repository.search_engine import answers, ranking
from items.repository.search_engine.tsquery import Word
from tests.support.factories import make_item

pytestmark = pytest.mark.django_db(transaction=True)


def _names(text: str, limit: int = 100, offset: int = 0) -> list[str]:
    found = search_engine.window(text, filter=ItemFilter(), limit=limit, offset=offset)
    assert found is not None, "the engine answered"
    return [record.name for record in found[0]]


def test_a_word_in_the_name_outranks_it_anywhere_else(index, counted):
    for n in range(8):
        make_item(name=f"Roman {n}", description="Histoire" + " roman" * n, category="livre")
    for n in range(6):
        make_item(
            name=f"Recueil {n}",
            description=("roman " * 80).strip() if n % 2 else "Un roman court",
            tags=["roman", "poche"],
        )
    index.sync()
    names = _names("roman")
    assert len(names) == 14
    assert all(name.startswith("Roman") for name in names[:8]), names
    assert counted.engine() == 1


def test_ties_go_by_creation_then_id_and_pages_stay_put(index, counted):
    start = timezone.now() - timedelta(days=10)
    moments = [start + timedelta(minutes=n // 2) for n in range(30)]  # pairs share a moment
    random.Random(4).shuffle(moments)
    for moment in moments:
        Item.objects.create(
            name="Lampe de chevet", price=Decimal("20"), category="autre", created_at=moment
        )
    index.sync()
    expected = list(Item.objects.order_by("created_at", "id").values_list("id", flat=True))

    def pages() -> list:
        found = []
        for offset in range(0, 30, 7):
            window = search_engine.window("lampe", filter=ItemFilter(), limit=7, offset=offset)
            found += [record.id for record in window[0]]
        return found

    assert pages() == expected  # the build's own order
    make_item(name="Tapis", category="autre", description="")
    changed = [expected[3], expected[17], expected[18]]  # rewritten outside the build's order
    Item.objects.filter(id__in=changed).update(price=Decimal("21"))
    index.sync()
    assert pages() == expected
    assert counted.engine() == 10 and not counted.fallbacks()
    # An index whose build did not fit one segment is ordered the long way: the same pages.
    view = answers.reader_of(str(index.root)).view()
    assert view.made.ordered and view.deltas == 3 + 1
    unordered = replace(view, made=replace(view.made, ordered=False))
    query = view.compiler.search(Word("lamp"), clauses(ItemFilter()))
    for offset in range(0, 30, 7):
        ids, total = ranking.window(unordered, query, 7, offset, ranked=True)
        assert (ids, total) == (expected[offset : offset + 7], 30)


def test_a_search_of_exclusions_only_comes_in_creation_order(index):
    for n in range(5):
        make_item(name=f"Vase {n}", category="autre", description="")
    make_item(name="Roman noir", category="livre", description="")
    index.sync()
    expected = list(
        Item.objects.exclude(name="Roman noir")
        .order_by("created_at", "id")
        .values_list("name", flat=True)
    )
    assert _names("-roman") == expected
    assert _names("-roman", limit=2, offset=2) == expected[2:4]
