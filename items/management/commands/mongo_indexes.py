"""``manage.py mongo_indexes``: install the MongoDB items collection's validator and indexes.

Idempotent, so it is safe to run at every deploy; each process also runs it once, on its first
use of the MongoDB backend (see ``items.repository.mongo.shared_collection``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from items.mongo_schema import install_schema
from items.repository.mongo import MongoItemRepository


class Command(BaseCommand):
    """Create the items collection's ``$jsonSchema`` validator and indexes on MONGODB_URI."""

    help = "Create the MongoDB items validator and indexes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        collection = MongoItemRepository.from_settings().collection
        for line in install_schema(collection):
            self.stdout.write(line)
