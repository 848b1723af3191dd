"""``manage.py cache_clear``: empty the response cache."""

from typing import Any

from django.core.management.base import BaseCommand

from catalog_cache.responses.stats import cache_clear


class Command(BaseCommand):
    """Delete every key of the response cache."""

    help = "Empty the response cache."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Deleted {cache_clear()} cache key(s).")
