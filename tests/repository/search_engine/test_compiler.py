"""Bounds compiled as the index holds them: prices in cents, moments in microseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from items.conditions import Term
from items.repository.search_engine.compiler import Compiler, cents, microseconds
from items.repository.search_engine.documents import schema
from items.repository.search_engine.tsquery import Unsupported


@pytest.mark.parametrize(
    ("value", "op", "expected"),
    [
        (Decimal("10"), "gte", 1000),
        (Decimal("10.005"), "gte", 1001),  # at least 10.005: 10.01 is the first price
        (Decimal("10.005"), "lte", 1000),  # at most 10.005: 10.00 is the last
        (Decimal("10.005"), "lt", 1001),  # under 10.005: up to 10.00
        (Decimal("0.01"), "lt", 1),
    ],
)
def test_a_price_bound_keeps_its_meaning_in_cents(value, op, expected):
    assert cents(value, op) == expected


def test_a_moment_is_counted_in_microseconds():
    moment = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert microseconds(moment) == microseconds(moment - timedelta(microseconds=1)) + 1
    assert microseconds(datetime(1970, 1, 1, tzinfo=UTC)) == 0


def test_a_term_the_compiler_does_not_know_is_left_to_sql():
    compiler = Compiler(schema())
    with pytest.raises(Unsupported):
        compiler.term(Term("name", "eq", "Lampe"))
    with pytest.raises(Unsupported):
        compiler.term(Term("created_by_id", "eq", None))
