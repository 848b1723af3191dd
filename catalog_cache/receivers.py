"""Cache invalidation, driven by ``item_changed`` (which is only sent after a commit)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from catalog_cache import positions, store
from catalog_cache.redis_guard import guard, logger
from items.repository import read_positions
from items.signals import item_changed


@receiver(item_changed, dispatch_uid="catalog_cache.invalidate")
def invalidate(sender: Any, item_ids: frozenset[uuid.UUID], **_: Any) -> None:
    """Bump the versions the changed items' entries were stored under, recording (with read
    replicas) the WAL position a replica must reach to see the change."""
    position = _commit_position()
    if position:
        positions.committed(position)
    if item_ids:
        done = store.bump(item_ids, position=position)
    else:
        done = store.bump_everything(position=position)
    if not done:
        guard.lost_invalidation(position)


def _commit_position() -> int | None:
    if not read_positions.enabled():
        return None
    try:
        return read_positions.after_commit()
    except DatabaseError:  # the change is committed; only where is unknown: trust no replica
        logger.warning("commit position unknown: reads of the change go to the primary")
        return positions.UNKNOWN
