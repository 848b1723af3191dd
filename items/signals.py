"""``item_changed``: the one signal every committed change to items ends in.

It is sent after the transaction commits and never for one that rolls back. Model signals feed
it for ORM saves and deletes (``loaddata``'s raw saves included); the repositories call
``announce_item_change`` for writes the ORM does not report (``update()``, bulk inserts, Mongo).
Receivers use it for cache invalidation only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver

from items.models import Item, User

# kwargs: item_ids (frozenset of UUID; empty means "possibly any item"), source (str)
item_changed = Signal()


def announce_item_change(
    *,
    item_ids: Iterable[uuid.UUID] = (),
    source: str,
    using: str = "default",
    durable: bool = False,
) -> None:
    """Send ``item_changed`` once the current transaction commits; drop it on rollback.

    ``durable`` writes were committed elsewhere (MongoDB): no PostgreSQL rollback can undo
    them, so the signal goes at once.
    """
    ids = frozenset(item_ids)

    def send() -> None:
        item_changed.send(sender=Item, item_ids=ids, source=source)

    if durable:
        send()
    else:
        transaction.on_commit(send, using=using)


@receiver(post_save, sender=Item, dispatch_uid="items.item_saved")
def _item_saved(sender: type[Item], instance: Item, raw: bool, using: str, **_: Any) -> None:
    # raw=True is loaddata: still a committed change the cache must forget.
    announce_item_change(item_ids=[instance.pk], source="loaddata" if raw else "orm", using=using)


@receiver(post_delete, sender=Item, dispatch_uid="items.item_deleted")
def _item_deleted(sender: type[Item], instance: Item, using: str, **_: Any) -> None:
    announce_item_change(item_ids=[instance.pk], source="orm", using=using)


@receiver(pre_delete, sender=User, dispatch_uid="items.owner_deleted")
def _owner_deleted(sender: type[User], instance: User, using: str, **_: Any) -> None:
    # The database nulls created_by with one UPDATE that sends no post_save: announce it here.
    owned = list(Item.objects.using(using).filter(created_by=instance).values_list("pk", flat=True))
    if owned:
        announce_item_change(item_ids=owned, source="owner_deleted", using=using)
