"""The engine's ranking passes the judged relevance set that SQL's passes.

The same judgements (``tests/repository/test_search_relevance.py``), over the same catalog,
committed and indexed: each names the item that must come first, or in the top three, or be
absent, or says nothing may match. Every search must be the engine's answer.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from items.records import ItemFilter
from items.repository import get_item_repository
from tests.repository.test_search_relevance import HANDMADE, JUDGEMENTS, _verdict

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(index):
    call_command("loaddata", "items", verbosity=0)
    call_command("seed_items", "--count", "400", "--seed", "11", verbosity=0)
    repository = get_item_repository()
    for data in HANDMADE:
        repository.create(data)
    index.sync()
    return repository


def test_judged_queries_all_pass_through_the_engine(catalog, counted, capsys):
    failures = []
    for query, expectation, expected, *conditions in JUDGEMENTS:
        found = catalog.search(
            query, limit=50, filter=conditions[0] if conditions else ItemFilter()
        )
        names = [record.name for record in found]
        if not _verdict(names, expectation, expected):
            failures.append(f"{query!r}: wanted {expected!r} {expectation}, got {names[:5]}")
    passed = len(JUDGEMENTS) - len(failures)
    with capsys.disabled():
        print(f"\nengine relevance: {passed}/{len(JUDGEMENTS)} judged queries pass")
    assert failures == [], "\n".join(failures)
    assert counted.engine() == len(JUDGEMENTS) and not counted.fallbacks()
