"""``conditions.fields_read``: a change to a field a page does not depend on, of an item the page
does not show, never alters the page (its items, their order, its count, its category facet).

The change log lets a replica that has not replayed such a change serve the page, so a field
missing from ``fields_read`` would serve stale pages: random catalogs, filters, viewers and
orders, with the page worked out by ``conditions.admits`` (the reference every store is held to).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from items import conditions
from items.records import SORT_FIELDS, WRITABLE_FIELDS, ItemFilter, ItemRecord, Viewer
from tests.support.factories import a_record

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = 4
CATEGORIES = ("electronique", "vetement", "livre", "autre")
CHANGEABLE = (*WRITABLE_FIELDS, "updated_at")


def value(pick: random.Random, field: str):
    choices = {
        "name": lambda: pick.choice(["Lampe", "Abat-jour", "Zèbre", "Table"]),
        "description": lambda: pick.choice(["", "bois", "métal"]),
        "price": lambda: Decimal(pick.choice(["5.00", "10.00", "20.00", "50.00"])),
        "category": lambda: pick.choice(CATEGORIES),
        "tags": lambda: tuple(pick.sample(["a", "b", "c"], pick.randint(0, 2))),
        "is_active": lambda: pick.random() < 0.7,
        "updated_at": lambda: NOW + timedelta(minutes=pick.randint(0, 60)),
        "created_by_id": lambda: pick.choice([None, 7, 8]),
    }
    return choices[field]()


def catalog(pick: random.Random) -> list[ItemRecord]:
    fields = (*CHANGEABLE, "created_by_id")
    return [
        a_record(
            created_at=NOW + timedelta(seconds=n),
            **{field: value(pick, field) for field in fields},
        )
        for n in range(16)
    ]


def a_filter(pick: random.Random) -> ItemFilter:
    maybe = lambda make: make() if pick.random() < 0.4 else None  # noqa: E731
    return ItemFilter(
        category=maybe(lambda: pick.choice(CATEGORIES)),
        is_active=maybe(lambda: pick.random() < 0.5),
        min_price=maybe(lambda: Decimal("10.00")),
        tags=tuple(maybe(lambda: ("a",)) or ()),
        viewer=pick.choice([Viewer(), Viewer(user_id=7), Viewer(user_id=8, is_staff=True)]),
    )


def page(items: list[ItemRecord], filter: ItemFilter, sort_by: str) -> tuple:
    """(the page's items, the count, the category facet) as any store must answer them."""
    admitted = [r for r in items if conditions.admits(conditions.clauses(filter), r)]
    admitted.sort(key=lambda r: (getattr(r, sort_by), r.created_at, r.id))
    facet_base = conditions.clauses(filter, leaving_out={"category"})
    facet = Counter(r.category for r in items if conditions.admits(facet_base, r))
    return admitted[:PAGE], len(admitted), facet


@pytest.mark.parametrize("seed", range(300))
def test_a_change_outside_what_a_page_reads_leaves_it_as_it_was(seed):
    pick = random.Random(seed)
    items, filter, sort_by = catalog(pick), a_filter(pick), pick.choice(SORT_FIELDS)
    before = page(items, filter, sort_by)
    read = conditions.fields_read(filter, sort_by=sort_by, facet_names=["category"])
    shown = {r.id for r in before[0]}
    for n, item in enumerate(items):
        if item.id in shown:
            continue
        for field in CHANGEABLE:
            if field in read:
                continue
            changed = [*items]
            changed[n] = replace(item, **{field: value(pick, field)})
            assert page(changed, filter, sort_by) == before, (field, filter, sort_by)


def test_the_fields_a_page_reads_do_alter_pages():
    # The property above is not empty: changing fields a page reads alters some pages.
    altered = Counter()
    for seed in range(200):
        pick = random.Random(seed)
        items, filter, sort_by = catalog(pick), a_filter(pick), pick.choice(SORT_FIELDS)
        before = page(items, filter, sort_by)
        read = conditions.fields_read(filter, sort_by=sort_by, facet_names=["category"])
        for n, item in enumerate(items):
            for field in read & set(CHANGEABLE):
                changed = [*items]
                changed[n] = replace(item, **{field: value(pick, field)})
                altered[field] += page(changed, filter, sort_by) != before
    # Every changeable field but the description (which only searches read) decides some page.
    assert all(altered[field] for field in CHANGEABLE if field != "description"), altered


def test_a_search_reads_its_text_and_what_the_vocabulary_counts():
    staff = ItemFilter(viewer=Viewer(user_id=1, is_staff=True))
    read = conditions.fields_read(staff, searched=True)
    assert {"name", "description", "tags", "is_active"} <= read
    assert "price" not in conditions.fields_read(staff, sort_by="name")
