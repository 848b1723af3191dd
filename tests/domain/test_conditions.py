"""The one definition of visibility and of the list filters: its meaning in Python."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from items import conditions, domain
from items.records import ItemFilter, Viewer
from tests.support.factories import a_record

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("viewer", "active", "own", "seen"),
    [
        (Viewer(), True, False, True),
        (Viewer(), False, False, False),
        (Viewer(user_id=7), False, True, True),
        (Viewer(user_id=8), False, False, False),
        (Viewer(user_id=8, is_staff=True), False, False, True),
    ],
)
def test_who_sees_an_item(viewer, active, own, seen):
    item = a_record(is_active=active, created_by_id=7 if own else 9)
    assert conditions.sees(viewer, item) is seen


def test_only_staff_and_the_owner_may_change_an_item():
    item = a_record(created_by_id=7)
    assert conditions.may_change(Viewer(user_id=7), item)
    assert conditions.may_change(Viewer(user_id=1, is_staff=True), item)
    assert not conditions.may_change(Viewer(user_id=8), item)
    assert not conditions.may_change(Viewer(), a_record(created_by_id=None))


def test_sees_hidden_is_true_for_owners_and_staff_only():
    assert not conditions.sees_hidden(Viewer())
    assert conditions.sees_hidden(Viewer(user_id=3))
    assert conditions.sees_hidden(Viewer(is_staff=True))


# A value that sets each filter field (its default leaves the field unset).
SETTINGS = {
    "category": "livre",
    "is_active": False,
    "min_price": Decimal("5"),
    "max_price": Decimal("50"),
    "tags": ("a", "b"),
    "tags_match": "all",
    "created_after": NOW,
    "created_before": NOW + timedelta(days=1),
    "viewer": Viewer(user_id=3),
}


def test_every_filter_field_becomes_a_clause():
    """A field added to ``ItemFilter`` must be compiled here, or every store would ignore it."""
    assert set(SETTINGS) == {f.name for f in fields(ItemFilter)}
    base = ItemFilter(tags=("a",))
    for name, value in SETTINGS.items():
        assert conditions.clauses(replace(base, **{name: value})) != conditions.clauses(base), name


def test_filters_mean_what_the_api_says():
    item = a_record(price=Decimal("50.00"), tags=("a", "c"), category="livre")
    assert conditions.admits(conditions.clauses(ItemFilter(max_price=Decimal("50"))), item)
    assert not conditions.admits(conditions.clauses(ItemFilter(min_price=Decimal("50.01"))), item)
    assert conditions.admits(conditions.clauses(ItemFilter(tags=("a", "b"))), item)
    both = ItemFilter(tags=("a", "b"), tags_match="all")
    assert not conditions.admits(conditions.clauses(both), item)
    later = ItemFilter(created_before=NOW)
    assert not conditions.admits(conditions.clauses(later), item)


def test_a_facet_leaves_its_own_group_out():
    asked = ItemFilter(category="livre", min_price=Decimal("1"))
    kept = conditions.clauses(asked, leaving_out={"category"})
    assert conditions.fields_named(kept) == {"price", "is_active"}
    common = conditions.clauses(asked, leaving_out=conditions.FACET_GROUPS.values())
    assert conditions.fields_named(common) == {"is_active"}


def test_every_price_falls_in_exactly_one_band():
    for price in ("0", "49.99", "50", "199.99", "200", "999.99", "1000", "99999999.99"):
        holding = [
            band.key
            for band in domain.PRICE_BANDS
            if conditions.admits(conditions.in_band(band), {"price": Decimal(price)})
        ]
        assert len(holding) == 1, (price, holding)
