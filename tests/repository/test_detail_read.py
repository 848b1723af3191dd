"""The detail read is plain SQL (``queries.by_id``): it must admit exactly what the ORM's
visibility rule (``queries.filtered``) admits, for every kind of viewer and item."""

from __future__ import annotations

import uuid

import pytest

from items.records import RECORD_FIELDS, ItemFilter, Viewer
from items.repository.postgres.queries import by_id, filtered, record_of
from tests.support.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_detail_read_sees_what_the_visibility_rule_sees():
    owner, other = UserFactory(username="owner"), UserFactory(username="other")
    items = [
        ItemFactory(is_active=True, created_by=owner, tags=["a", "b"]),
        ItemFactory(is_active=False, created_by=owner),
        ItemFactory(is_active=False, created_by=other),
        ItemFactory(is_active=False, created_by=None),
    ]
    viewers = [
        Viewer(),
        Viewer(user_id=owner.pk),
        Viewer(user_id=other.pk),
        Viewer(user_id=owner.pk, is_staff=True),
    ]
    seen = 0
    for viewer in viewers:
        for item in [*items, None]:
            item_id = item.pk if item is not None else uuid.uuid4()
            rows = filtered(ItemFilter(viewer=viewer)).filter(pk=item_id).values(*RECORD_FIELDS)
            expected = record_of(rows[0]) if rows else None
            assert by_id(item_id, viewer) == expected, (viewer, item)
            seen += expected is not None
    assert seen == 1 + 2 + 2 + 4  # anonymous, owner, other, staff
