"""``manage.py seed_items --count N [--seed S] [--batch B]``: a large generated catalog, fast.

A thin wrapper around ``items.operations.seeding.seed_catalog``: the same seed gives the same
items. A progress bar shows on a terminal and stays quiet elsewhere (CI, pipes). Ctrl-C ends
it with one line saying what was kept (exit status 130, as a shell reports an interrupt).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
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
        except KeyboardInterrupt:  # the load's transaction is rolled back by now
            raise CommandError(_interrupted(), returncode=130) from None
        rate = count / elapsed if elapsed else 0
        self.stdout.write(f"Seeded {count} items in {elapsed:.1f} s ({rate:,.0f} items/s).")


def _interrupted() -> str:
    if settings.DB_TYPE == "mongodb":
        return "Interrupted: the batches already written stay (MongoDB writes each at once)."
    return "Interrupted: nothing was stored (the seed is one transaction)."
