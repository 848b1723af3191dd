"""``manage.py mongo_indexes``: install the MongoDB items collection's validator and indexes.

Idempotent, so it is safe to run at every deploy; each process also runs it once, on its first
use of the MongoDB backend.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from items.repository import repository_for


class Command(BaseCommand):
    """Create the items collection's ``$jsonSchema`` validator and indexes on MONGODB_URI."""

    help = "Create the MongoDB items validator and indexes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for line in repository_for("mongodb").install_schema():
            self.stdout.write(line)
