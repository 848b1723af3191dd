"""``manage.py cache_stats``: print the response cache's statistics as JSON."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from catalog_cache.responses.stats import cache_stats


class Command(BaseCommand):
    """Print hits, misses, hit ratio, key count and memory."""

    help = "Print the response cache's statistics."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(cache_stats(), indent=2))
