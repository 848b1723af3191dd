"""The item rules themselves, without a database: prices as given, values checked and cleaned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from items import domain
from items.records import InvalidItem


@pytest.mark.parametrize(
    ("given", "price"),
    [
        ("12.50", Decimal("12.50")),
        ("0", Decimal("0")),
        ("99999999.99", Decimal("99999999.99")),
        (12, Decimal("12")),
        (0.1, Decimal("0.1")),
        (-0.0, Decimal("0")),
        (Decimal("-0.00"), Decimal("0.00")),
    ],
)
def test_a_price_is_read_from_a_number_or_its_one_spelling(given, price):
    assert domain.parse_price(given) == price
    assert str(domain.parse_price(given)) != "-0.00"


@pytest.mark.parametrize(
    "given",
    [
        "1e2",
        "5_0",
        ".5",
        "\uff11\uff12",  # full-width digits
        "12.",
        "12.505",
        "123456789",
        " 12",
        "NaN",
        float("inf"),
        True,
        None,
    ],
)
def test_any_other_price_is_refused_saying_how_to_write_one(given):
    with pytest.raises(ValueError, match="Enter the price"):
        domain.parse_price(given)


def test_a_negative_price_well_spelt_is_refused_as_below_the_minimum():
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        domain.parse_price("-3.00")


def test_checked_values_are_normalised():
    clean = domain.checked_values(
        {"name": "  Cafe\u0301  ", "description": " x ", "tags": [" a", "a ", "", "b"]}
    )
    assert clean == {"name": "Café", "description": "x", "tags": ["a", "b"]}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * (domain.NAME_MAX_LENGTH + 1)}, "name"),
        ({"description": "x" * (domain.DESCRIPTION_MAX_LENGTH + 1)}, "description"),
        ({"price": Decimal("-0.01")}, "price"),
        ({"price": Decimal("1.001")}, "price"),
        ({"price": Decimal("100000000")}, "price"),
        ({"price": Decimal("NaN")}, "price"),
        ({"category": "meuble"}, "category"),
        ({"tags": [f"t{n}" for n in range(domain.TAGS_MAX_COUNT + 1)]}, "tags"),
        ({"tags": ["x" * (domain.TAG_MAX_LENGTH + 1)]}, "tags"),
    ],
)
def test_each_broken_rule_names_its_field(values, field):
    with pytest.raises(InvalidItem) as refused:
        domain.checked_values(values)
    assert list(refused.value.errors) == [field]


def test_a_change_may_not_touch_what_the_system_keeps():
    with pytest.raises(InvalidItem) as refused:
        domain.checked_values({"created_at": "now", "price": Decimal("1")}, change=True)
    assert list(refused.value.errors) == ["created_at"]
    assert domain.checked_values({"price": Decimal("1")}, change=True) == {"price": Decimal("1")}
