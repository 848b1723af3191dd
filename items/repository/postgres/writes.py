"""The PostgreSQL repository's writes: one item at a time, each in its own transaction.

A change or a deletion is one locking read and one statement: ``SELECT ... FOR UPDATE`` of the
record, then an ``UPDATE`` of the columns that change (``RETURNING`` the new record) or a
``DELETE``. The locked record is what the caller's ``check`` (the API's permission and
``If-Match`` rules) is judged on, so no other read is needed and two
writers holding the same version cannot both win. Inside a request's transaction the write
joins it (no savepoint); alone it is its own ``BEGIN``/``COMMIT``. These writes announce
themselves: they go round the ORM's ``save()``, whose receivers would.
The acting user rides in a statement each write already runs (``history``: a column of the
locking read, a value of the INSERT), so the change history adds no statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from items import domain
from items.models import Item
from items.records import (
    WRITABLE_FIELDS,
    ItemData,
    ItemRecord,
    RecordCheck,
)
from items.repository.postgres.history import actor_column, actor_select, carries_actor
from items.repository.postgres.queries import RECORD_COLUMNS, TABLE, record_from, reload
from items.signals import announce_item_change

SOURCE = "api"  # what these writes name as the source of their item_changed


def _locked(item_id: uuid.UUID) -> ItemRecord | None:
    """The item's record, its row locked until the transaction ends; the same read hands the
    acting user to the history triggers (``history.actor_select``).

    Plain SQL, like the detail read (``queries.by_id``): the ORM would take longer to compile
    it than PostgreSQL takes to answer, on every write.
    """
    actor_sql, actor_params = actor_select()
    sql = f"SELECT {RECORD_COLUMNS}, {actor_sql} FROM {TABLE} WHERE id = %s FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*actor_params, item_id])
        row = cursor.fetchone()
    return record_from(row[:-1]) if row is not None else None


def _refusal(record: ItemRecord, check: RecordCheck | None) -> Exception | None:
    """Why the write may not go ahead: what ``check`` raised; None when it may.

    Returned, not raised, so the write's block ends cleanly (it changed nothing) and a caller's
    own transaction stays usable after a refused write.
    """
    if check is not None:
        try:
            check(record)
        except Exception as refused:  # handed back to the caller as it is
            return refused
    return None


def _differs(record: ItemRecord, name: str, value: Any) -> bool:
    current = getattr(record, name)
    return list(current) != list(value) if name == "tags" else current != value


def _update_returning(item_id: uuid.UUID, values: Mapping[str, Any]) -> ItemRecord:
    """``UPDATE`` of ``values`` (and ``updated_at``) only, returning the new record."""
    assignments, params = [], []
    for name, value in {**values, "updated_at": timezone.now()}.items():
        field = Item._meta.get_field(name)
        assignments.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    sql = f"UPDATE {TABLE} SET {', '.join(assignments)} WHERE id = %s RETURNING {RECORD_COLUMNS}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, item_id])
        row = cursor.fetchone()
    return record_from(row)


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
        check: RecordCheck | None = None,
    ) -> ItemRecord | None:
        values = domain.checked_values(changes, change=True)
        updated: ItemRecord | None = None
        refusal: Exception | None = None
        with transaction.atomic(savepoint=False):
            record = _locked(item_id)
            refusal = _refusal(record, check) if record is not None else None
            if record is not None and refusal is None:
                changed = {k: v for k, v in values.items() if _differs(record, k, v)}
                updated = _update_returning(item_id, changed)
                altered = [*changed, "updated_at"]
                announce_item_change(item_ids=[item_id], source=SOURCE, fields=altered)
        if refusal is not None:
            raise refusal
        return updated

    def delete(
        self,
        item_id: uuid.UUID,
        *,
        check: RecordCheck | None = None,
    ) -> bool:
        refusal: Exception | None = None
        with transaction.atomic(savepoint=False):
            record = _locked(item_id)
            refusal = _refusal(record, check) if record is not None else None
            if record is not None and refusal is None:
                with connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [item_id])
                announce_item_change(item_ids=[item_id], source=SOURCE)
        if refusal is not None:
            raise refusal
        return record is not None

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
                announce_item_change(
                    item_ids=changed_ids, source="bulk_update", fields=("is_active", "updated_at")
                )
        return changed
