"""``manage.py mongo_indexes``: install the MongoDB items collection's validator and indexes.

Idempotent, so it is safe to run at every deploy; each process also runs it once, on its first
use of the MongoDB backend.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items.repository import Maintenance, capability, repository_for


class Command(BaseCommand):
    """Create the items collection's ``$jsonSchema`` validator and indexes on MONGODB_URI."""

    help = "Create the MongoDB items validator and indexes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        store = capability(repository_for("mongodb"), Maintenance)
        if store is None:
            raise CommandError("The MongoDB backend installs no schema of its own.")
        for line in store.install_schema():
            self.stdout.write(line)
