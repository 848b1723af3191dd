"""``MongoItemRepository``: the item repository on MongoDB, through pymongo.

It keeps the Postgres repository's contract: the same ids, rules, filters, orderings, cursors and
ranked search, and every write announces ``item_changed`` so the cache forgets it. It is
composed of its action families: ``reads``, ``discovery`` (facets, suggestions), ``writes``,
``bulk``, ``owners`` (what a user's deletion does to its items) and ``history`` (each write's
version, in a collection of its own); document mapping lives in ``documents``, search in
``search``, the validator and indexes in ``schema``. Any pymongo-compatible collection can be
injected (tests use mongomock).
"""

from __future__ import annotations

from django.conf import settings
from pymongo.collection import Collection

from items.repository.mongo.bulk import MongoBulkStore
from items.repository.mongo.connection import shared_collection
from items.repository.mongo.discovery import MongoDiscovery
from items.repository.mongo.history import MongoItemHistory
from items.repository.mongo.owners import MongoOwners
from items.repository.mongo.reads import MongoItemReads
from items.repository.mongo.schema import install_schema
from items.repository.mongo.writes import MongoItemWrites


class MongoItemRepository(
    MongoItemReads, MongoDiscovery, MongoItemWrites, MongoBulkStore, MongoOwners, MongoItemHistory
):
    """Items in a MongoDB collection via pymongo."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self.listen_for_owner_deletions()  # no foreign key here: a deleted owner is heard

    @classmethod
    def from_settings(cls) -> MongoItemRepository:
        """The repository on ``settings.MONGODB_URI``, sharing the process's client."""
        return cls(shared_collection(settings.MONGODB_URI))

    def ping(self) -> None:
        """Raise unless the server answers (the readiness check)."""
        self.collection.database.command("ping")

    def install_schema(self) -> list[str]:
        """Install the collection's validator and indexes (idempotent); one line per step."""
        return install_schema(self.collection)
