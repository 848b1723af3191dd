"""The items' JSON, built from fields made once per class, is byte for byte what DRF would build.

``ItemSerializer`` and ``ItemSearchResultSerializer`` skip DRF's per-instance copy of their
fields (see ``_FixedFieldsSerializer``); each case here is also represented by DRF's own
``Serializer.to_representation``, and the two must agree, rendered JSON included.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from items.api.serializers import ItemSearchResultSerializer, ItemSerializer
from items.records import ItemRecord

PARIS = timezone(timedelta(hours=1))


def _record(**changes) -> ItemRecord:
    values = {
        "id": uuid.UUID("0193b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"),
        "name": "Lampe « Été »",
        "description": "",
        "price": Decimal("12.50"),
        "category": "autre",
        "tags": ("lumière", "bureau"),
        "is_active": True,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "updated_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "created_by_id": 7,
    }
    return ItemRecord(**{**values, **changes})


CASES = [
    _record(),
    _record(id=uuid.uuid4(), created_by_id=None, is_active=False, tags=()),
    _record(price=Decimal("0"), description="Très <b>bien</b>\u00a0!"),
    _record(price=Decimal("99999999.99"), category="electronique"),
    _record(price=Decimal("3.1"), tags=("a",) * 3),
    _record(created_at=datetime(2025, 6, 1, 12, 0, tzinfo=PARIS), updated_at=datetime.now(UTC)),
]


@pytest.mark.parametrize("record", CASES)
def test_an_item_is_represented_as_drf_would(record):
    generic = serializers.Serializer.to_representation(ItemSerializer(), record)
    assert ItemSerializer(record).data == generic
    assert JSONRenderer().render(ItemSerializer(record).data) == JSONRenderer().render(generic)


def test_a_page_and_a_search_hit_too():
    page = ItemSerializer(CASES, many=True).data
    assert page == [serializers.Serializer.to_representation(ItemSerializer(), r) for r in CASES]
    context = {"highlights": {CASES[0].id: "<mark>Lampe</mark>"}}
    hits = ItemSearchResultSerializer(CASES[:2], many=True, context=context).data
    drf = ItemSearchResultSerializer(context=context)
    assert hits == [serializers.Serializer.to_representation(drf, r) for r in CASES[:2]]
    assert [hit["highlight"] for hit in hits] == ["<mark>Lampe</mark>", None]
    assert list(hits[0]) == [*ItemSerializer().fields, "highlight"]
