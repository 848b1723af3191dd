"""The change log: which items each recent change touched and which fields it altered, scored by
the WAL position of its commit (read replicas only).

``redis_core.versions.BUMP`` adds each change as it bumps the versions, in the same script, so a
change is in the log before its write returns. The log keeps ``CHANGES_KEPT`` changes; its floor
is the position past which it holds every change.

It lets a replica that is behind the last write still serve a page: a page read where the
primary's WAL was replayed up to R equals the primary's page if no change past R touched an item
shown on it, or altered a field the page depends on (``items.conditions.fields_read``: what
decides which items it admits, their order, its counts and facets, the text searched). A page of
the ``livre`` category, newest first, does not wait for a replica to replay a price change of
another item; a page showing that item, or sorted by price, does.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run

ANY = "*"  # any item, or any field
SEPARATOR = "|"
# A change of more items than this is logged as touching any item (a bulk change).
ITEMS_SPELT = 100


def entry(item_ids: Collection[uuid.UUID], fields: Iterable[str] | None) -> str:
    """A change as the log spells it: "<items>|<fields>", each a comma-separated list or ``*``
    (no ids, or more than ``ITEMS_SPELT``: possibly any item; no fields known: any field)."""
    touched = ",".join(str(i) for i in item_ids) if 0 < len(item_ids) <= ITEMS_SPELT else ANY
    altered = ",".join(sorted(fields)) if fields is not None else ANY
    return f"{touched}{SEPARATOR}{altered}"


def shown(answer: Any) -> set[str]:
    """The ids of the items a page shows (its ``results``), as the log spells them."""
    if not isinstance(answer, Mapping):
        return set()
    return {
        str(item["id"])
        for item in answer.get("results") or ()
        if isinstance(item, Mapping) and "id" in item
    }


def clears(since: int, fields: frozenset[str], ids: Collection[str] = ()) -> bool:
    """Whether the log holds every change past ``since`` and none of them may alter a page that
    depends on ``fields`` and shows the items ``ids``. False when Redis cannot say."""

    def read(client: Any) -> list:
        pipe = client.pipeline(transaction=True)
        pipe.get(keys.changes_floor_key())
        pipe.zrangebyscore(keys.changes_key(), f"({since}", "+inf")
        return pipe.execute()

    found = run(read, None)
    if found is None:
        return False
    floor, logged = found
    if floor is None or int(floor) > since:
        return False
    for raw in logged:
        _, touched, altered = raw.decode().split(SEPARATOR)
        if touched == ANY or altered == ANY or not fields.isdisjoint(altered.split(",")):
            return False
        if ids and not set(touched.split(",")).isdisjoint(ids):
            return False
    return True
