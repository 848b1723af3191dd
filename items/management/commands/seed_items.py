"""``manage.py seed_items --count N [--seed S] [--batch B]``: a large generated catalog, fast.

Items come from a seeded generator (the same seed gives the same items) and go through the
repository's bulk insert (PostgreSQL COPY), in batches. A progress bar shows on a terminal and
stays quiet elsewhere (CI, pipes).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from items.repository import get_item_repository
from items.seeding import generate_items

BULK_LOAD_THRESHOLD = 50_000


class Command(BaseCommand):
    """Generate and insert N items."""

    help = "Generate a realistic French catalog of N items (deterministic for a seed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=10_000)

    def handle(self, *args: Any, count: int, seed: int, batch: int, **options: Any) -> None:
        if count < 0 or batch < 1:
            raise CommandError("--count must be >= 0 and --batch >= 1.")
        repository = get_item_repository()
        items = generate_items(count, seed)
        quiet = not sys.stderr.isatty() or os.environ.get("CI")
        started = time.perf_counter()
        with (
            self._index_strategy(count),
            tqdm(total=count, unit="item", disable=bool(quiet)) as bar,
        ):
            while chunk := list(itertools.islice(items, batch)):
                data, stamps = zip(*chunk, strict=True)
                repository.create_many(data, created_at=stamps)
                bar.update(len(chunk))
        elapsed = time.perf_counter() - started  # index builds included
        rate = count / elapsed if elapsed else 0
        self.stdout.write(f"Seeded {count} items in {elapsed:.1f} s ({rate:,.0f} items/s).")

    @staticmethod
    def _index_strategy(count: int) -> contextlib.AbstractContextManager:
        """Large PostgreSQL loads build the GIN indexes once, after the rows are in."""
        if settings.DB_TYPE == "postgres" and count >= BULK_LOAD_THRESHOLD:
            from items.repository.postgres import deferred_gin_indexes

            return deferred_gin_indexes()
        return contextlib.nullcontext()
