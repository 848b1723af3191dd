"""``manage.py copy_items --from postgres --to mongodb``: move the catalog between backends.

Items are read in id order, in batches, and upserted by id, ids and timestamps kept. A copy can
be run again safely, or, with ``--resume``, continue after the greatest id the target holds.
At the end both sides are counted and checksummed (sha256 over every record in a canonical form,
in id order) and the command fails unless they match. MongoDB keeps milliseconds, so the
canonical form of a timestamp does too.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from items.catalog_transfer import BACKENDS, CatalogStore, batches, catalog_store, fingerprint


class Command(BaseCommand):
    """Copy every item from one backend to the other, then prove the copy complete."""

    help = "Copy the item catalog between postgres and mongodb, in batches, resumably."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", choices=BACKENDS, required=True)
        parser.add_argument("--to", dest="target", choices=BACKENDS, required=True)
        parser.add_argument("--batch", type=int, default=500, help="Items per batch (500).")
        parser.add_argument(
            "--resume",
            action="store_true",
            help="Continue after the greatest id the target already holds.",
        )

    def handle(self, *args: Any, source: str, target: str, batch: int, **options: Any) -> None:
        if source == target:
            raise CommandError("--from and --to must name different backends.")
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        origin, destination = catalog_store(source), catalog_store(target)
        after = destination.last_id() if options["resume"] else None
        if after is not None:
            self.stdout.write(f"resuming after id {after}")
        copied = 0
        for rows in batches(origin, after=after, size=batch):
            copied += destination.upsert_records(rows)
            self.stdout.write(f"copied {copied} (last id {rows[-1].id})")
        self.stdout.write(f"copied {copied} items from {source} to {target}")
        self._verify({source: origin, target: destination}, size=batch)

    def _verify(self, stores: dict[str, CatalogStore], *, size: int) -> None:
        found = {name: fingerprint(store, size=size) for name, store in stores.items()}
        for name, (count, checksum) in found.items():
            self.stdout.write(f"{name}: {count} items, sha256 {checksum}")
        if len(set(found.values())) != 1:
            raise CommandError("The copy does not match its source (counts or checksums differ).")
        self.stdout.write("counts and checksums match")
