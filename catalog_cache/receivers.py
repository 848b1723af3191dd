"""Cache invalidation, driven by ``item_changed`` (which is only sent after a commit)."""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver

from catalog_cache import store
from catalog_cache.redis_guard import guard
from items.signals import item_changed


@receiver(item_changed, dispatch_uid="catalog_cache.invalidate")
def invalidate(sender: Any, item_ids: frozenset[uuid.UUID], **_: Any) -> None:
    """Bump the versions the changed items' entries were stored under."""
    done = store.bump(item_ids) if item_ids else store.bump_everything()
    if not done:
        guard.lost_invalidation()
