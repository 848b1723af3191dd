"""ORM signals turned into ``item_changed``: saves and deletes the ORM itself reports.

The admin's edits, ``loaddata`` (raw saves) and any ``Item.save()`` end here; the repository
announces the writes the ORM keeps quiet about (``update()``, COPY, ``bulk_create``) itself.
Connected by ``ItemsConfig.ready()``, with ``dispatch_uid`` so a second import connects nothing.
Before an ORM write the repository did not make (the admin's forms, a revert), the acting user
is handed to the history triggers.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from items.models import Item, User
from items.repository.postgres.history import CARRIES_ACTOR, set_actor
from items.signals import announce_item_change


@receiver(pre_save, sender=Item, dispatch_uid="items.item_actor_before_save")
@receiver(pre_delete, sender=Item, dispatch_uid="items.item_actor_before_delete")
def _item_actor(sender: type[Item], instance: Item, using: str, **_: Any) -> None:
    if not getattr(instance, CARRIES_ACTOR, False):
        set_actor(using)


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
