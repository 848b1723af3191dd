"""``manage.py bootstrap``: the set-up behind ``make run``, in one process.

Migrates, loads the seed catalog when there are no items yet (so a restart never reverts staff
edits to the seed items), ensures an admin account and collects static files.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from items.repository import get_item_repository


class Command(BaseCommand):
    """Prepare the database and static files for serving."""

    help = "Migrate, seed an empty catalog, ensure an admin account, collect static files."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=1)
        if get_item_repository().count() == 0:
            call_command("loaddata", "items")
            if settings.DB_TYPE == "mongodb":  # fixtures load through the ORM: bring them over
                call_command("copy_items", "--from", "postgres", "--to", "mongodb")
        else:
            self.stdout.write("The catalog has items; seed fixtures not reloaded.")
        call_command("ensure_admin")
        call_command("collectstatic", interactive=False, verbosity=0)
