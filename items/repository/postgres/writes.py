"""The PostgreSQL repository's writes: one item at a time, each in its own transaction.

Saves and deletes go through the ORM, whose signals announce them (``receivers``); a write the
ORM keeps quiet about (``update()``) announces itself. An ``expected_updated_at`` is checked
under the row lock, so two writers holding the same version cannot both win. The acting user
rides in a statement each write already runs (``history``): the history adds none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from items import domain
from items.models import Item
from items.records import WRITABLE_FIELDS, ItemConflict, ItemData, ItemRecord
from items.repository.postgres.history import CARRIES_ACTOR, actor_column, carries_actor
from items.repository.postgres.queries import reload
from items.signals import announce_item_change


def _locked(item_id: uuid.UUID, expected_updated_at: datetime | None) -> Item | None:
    """The item, locked for this transaction; ``ItemConflict`` if its version moved on."""
    lock = Item.objects.select_for_update().annotate(_history_actor=actor_column())
    item = lock.filter(pk=item_id).first()
    if item is not None and expected_updated_at not in (None, item.updated_at):
        raise ItemConflict(str(item_id))
    if item is not None:
        setattr(item, CARRIES_ACTOR, True)  # the locking read set it
    return item


class PostgresItemWrites:
    """Single-item writes of ``PostgresItemRepository`` (see the ``ItemRepository`` Protocol)."""

    def create(self, data: ItemData, *, created_by_id: int | None = None) -> ItemRecord:
        values = domain.checked_values({name: getattr(data, name) for name in WRITABLE_FIELDS})
        item = carries_actor(Item(**values, created_by_id=created_by_id))
        item.save(force_insert=True)
        return reload(item.pk)

    def update(
        self,
        item_id: uuid.UUID,
        changes: Mapping[str, Any],
        *,
        expected_updated_at: datetime | None = None,
    ) -> ItemRecord | None:
        values = domain.checked_values(changes, change=True)
        with transaction.atomic():
            item = _locked(item_id, expected_updated_at)
            if item is None:
                return None
            for name, value in values.items():
                setattr(item, name, value)
            item.save()
        return reload(item_id)

    def delete(self, item_id: uuid.UUID, *, expected_updated_at: datetime | None = None) -> bool:
        with transaction.atomic():
            item = _locked(item_id, expected_updated_at)
            if item is None:
                return False
            item.delete()
        return True

    def set_active(self, *, ids: Iterable[uuid.UUID], is_active: bool) -> int:
        # queryset.update() sends no model signal, so this method announces the change itself.
        with transaction.atomic():
            targets = Item.objects.select_for_update().filter(pk__in=list(ids))
            locked = targets.exclude(is_active=is_active).annotate(_actor=actor_column())
            changed_ids = [item_id for item_id, _ in locked.values_list("id", "_actor")]
            changed = Item.objects.filter(pk__in=changed_ids).update(
                is_active=is_active, updated_at=timezone.now()
            )
            if changed:
                announce_item_change(item_ids=changed_ids, source="bulk_update")
        return changed
