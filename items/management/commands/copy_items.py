"""``manage.py copy_items --from postgres --to mongodb``: move the catalog between backends.

A thin wrapper around ``items.operations.transfer.copy_catalog``: batches in id order, upserts
by id, ``--resume`` after the greatest id the target holds, then counts and checksums compared.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from items.operations.transfer import TransferError, copy_catalog
from items.repository import BACKENDS


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
        try:
            copy_catalog(
                source, target, batch=batch, resume=options["resume"], report=self.stdout.write
            )
        except TransferError as error:
            raise CommandError(str(error)) from None
