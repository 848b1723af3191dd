"""``manage.py seed_items --count N [--seed S] [--batch B]``: a large generated catalog, fast.

A thin wrapper around ``items.operations.seeding.seed_catalog``: the same seed gives the same
items. A progress bar shows on a terminal and stays quiet elsewhere (CI, pipes).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items.operations.seeding import SeedError, seed_catalog


class Command(BaseCommand):
    """Generate and insert N items."""

    help = "Generate a realistic French catalog of N items (deterministic for a seed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=10_000)

    def handle(self, *args: Any, count: int, seed: int, batch: int, **options: Any) -> None:
        progress = sys.stderr.isatty() and not os.environ.get("CI")
        try:
            elapsed = seed_catalog(count=count, seed=seed, batch=batch, progress=progress)
        except SeedError as error:
            raise CommandError(str(error)) from None
        rate = count / elapsed if elapsed else 0
        self.stdout.write(f"Seeded {count} items in {elapsed:.1f} s ({rate:,.0f} items/s).")
