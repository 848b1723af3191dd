"""Cache invalidation: ``item_changed`` (only sent after a commit) bumps the items' versions,
recording (with read replicas) where a replica must have replayed to see the change."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from catalog_cache.positions import changes, tracking
from catalog_cache.redis_core.guard import guard, logger
from catalog_cache.redis_core.scripts import UNKNOWN_POSITION
from catalog_cache.redis_core.versions import bump, bump_everything
from items.repository import read_positions
from items.signals import item_changed


@receiver(item_changed, dispatch_uid="catalog_cache.invalidate")
def invalidate(
    sender: Any,
    item_ids: frozenset[uuid.UUID],
    fields: frozenset[str] | None = None,
    **_: Any,
) -> None:
    """Bump the versions the changed items' entries were stored under, recording (with read
    replicas) the WAL position a replica must reach to see the change, and logging the change
    (its items, the fields it altered) at that position."""
    position = _commit_position()
    change = None
    if position:
        tracking.committed(position)
        change = changes.entry(item_ids, fields)
    if item_ids:
        done = bump(item_ids, position=position, change=change)
    else:
        done = bump_everything(position=position, change=change)
    if not done:
        guard.lost_invalidation(position)


def _commit_position() -> int | None:
    if not read_positions.enabled():
        return None
    try:
        return read_positions.after_commit()
    except DatabaseError:  # the change is committed; only where is unknown: trust no replica
        logger.warning("commit position unknown: reads of the change go to the primary")
        return UNKNOWN_POSITION
