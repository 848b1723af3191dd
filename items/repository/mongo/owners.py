"""Owners on MongoDB: deleting a user leaves its items catalog-owned, as on PostgreSQL.

PostgreSQL sets ``created_by`` to NULL in the transaction that deletes the user (the foreign
key's ON DELETE SET NULL), and its receiver tells the cache once that commits. Users live in
PostgreSQL, so MongoDB has no foreign key to them: each repository listens for a user's
deletion itself and, once the deletion commits (one rolled back changes nothing), clears
``created_by_id`` on that user's items and announces them. ``updated_at`` stays as it was, as
on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from pymongo.collection import Collection

from items.repository.mongo.documents import bson_id, item_id_of
from items.repository.mongo.writes import announce


class MongoOwners:
    """What ``MongoItemRepository`` does when an owner goes."""

    collection: Collection
    record_versions: Any  # MongoItemHistory's

    def listen_for_owner_deletions(self) -> None:
        """Hear of every user deleted while this repository lives (a weak receiver)."""
        post_delete.connect(self._owner_deleted, sender=settings.AUTH_USER_MODEL, weak=True)

    def _owner_deleted(self, sender: Any, instance: Any, using: str, **_: Any) -> None:
        user_id = instance.pk
        transaction.on_commit(lambda: self.release_owner(user_id), using=using)

    def release_owner(self, user_id: int) -> int:
        """Make every item ``user_id`` owned catalog-owned, announced; how many changed."""
        owned = {"created_by_id": user_id}
        ids = [item_id_of(d["_id"]) for d in self.collection.find(owned, {"_id": 1})]
        if not ids:
            return 0
        selector = {"_id": {"$in": [bson_id(item_id) for item_id in ids]}, **owned}
        self.collection.update_many(selector, {"$set": {"created_by_id": None}})
        self.record_versions(self.collection.find({"_id": selector["_id"]}), "~")
        announce(ids)
        return len(ids)
