"""The PostgreSQL backend's side of the change history: who acts, and reading versions back.

The versions themselves are written by the items table's triggers (``items.history``). What
this module adds is the acting user, handed to those triggers as the transaction-local
setting ``catalog.actor`` *inside a statement the write already runs* (a column of its
locking read, a value of its INSERT), so recording who acted costs no statement; and the
reads of ``ItemRepository.history``.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Func, Value
from django.db.models.expressions import RawSQL

from items.actor import current_actor
from items.history import ACTOR_SETTING, HISTORY_FIELDS, Version, entries_of
from items.models import Item
from items.records import HistoryEntry

# Set on an instance whose write carries the actor itself (see ``carries_actor``).
CARRIES_ACTOR = "_history_actor_in_statement"
_SET_ACTOR = f"set_config('{ACTOR_SETTING}', %s, true)"


def _actor_text() -> str:
    actor = current_actor()
    return "" if actor is None else str(actor)


def actor_select() -> tuple[str, list[str]]:
    """A SELECT column that makes the current actor the transaction's (for a locking read),
    as SQL and its parameters."""
    return _SET_ACTOR, [_actor_text()]


def actor_column() -> RawSQL:
    """``actor_select`` as an ORM expression."""
    return RawSQL(*actor_select())


class _WithActor(Func):
    """``value``, evaluated after setting the actor: a write's own value carries it."""

    template = f"(CASE WHEN {_SET_ACTOR} IS NULL THEN NULL ELSE %(expressions)s END)"
    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        template = self.template.replace("%s", "%%s")
        return template % {"expressions": sql}, [_actor_text(), *params]


def carries_actor(instance: Item) -> Item:
    """``instance``, made to hand the actor to the database in its own INSERT."""
    instance.is_active = _WithActor(Value(bool(instance.is_active)))
    setattr(instance, CARRIES_ACTOR, True)
    return instance


def set_actor(using: str = "default") -> None:
    """Hand the current actor to the database on its own (writes that carry no statement)."""
    if current_actor() is None:
        return
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {_SET_ACTOR}", [_actor_text()])


_VERSION_COLUMNS = ("id", "history_date", "history_type", "history_user_id")
_VALUE_COLUMNS = tuple(f"{name}_id" if name == "created_by" else name for name in HISTORY_FIELDS)


def _version(row: dict[str, Any]) -> Version:
    pairs = zip(HISTORY_FIELDS, _VALUE_COLUMNS, strict=True)
    values = {name: row[column] for name, column in pairs}
    return Version(
        item_id=row["id"],
        at=row["history_date"],
        kind=row["history_type"],
        user_id=row["history_user_id"],
        values=values,
    )


class PostgresItemHistory:
    """History reads of ``PostgresItemRepository`` (see the ``ItemRepository`` Protocol)."""

    def history(self, item_id: uuid.UUID, *, limit: int, offset: int = 0) -> list[HistoryEntry]:
        # One more version than asked: the previous state of the oldest one shown.
        rows = (
            Item.history.filter(id=item_id)
            .order_by("-history_date", "-history_id")
            .values(*_VERSION_COLUMNS, *_VALUE_COLUMNS)[offset : offset + limit + 1]
        )
        versions = [_version(row) for row in rows]
        return entries_of(versions, complete=len(versions) <= limit)

    def history_count(self, item_id: uuid.UUID) -> int:
        return Item.history.filter(id=item_id).count()
