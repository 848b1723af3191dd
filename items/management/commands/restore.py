"""``manage.py restore FILE [--force]``: restore a backup and prove it against its manifest."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items import backups
from items.signals import announce_item_change


class Command(BaseCommand):
    """Restore in one transaction (stopping at the first error), then verify every table."""

    help = "Restore a backup made by `manage.py backup`, then verify counts and checksums."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty."
        )

    def handle(self, *args: Any, file: str, force: bool, **options: Any) -> None:
        dump = Path(file)
        manifest_path = Path(f"{dump}{backups.MANIFEST_SUFFIX}")
        if not dump.exists() or not manifest_path.exists():
            raise CommandError(f"{dump} or its manifest {manifest_path.name} is missing.")
        existing = backups.table_names()
        if existing and not force:
            raise CommandError(
                f"The database is not empty ({len(existing)} tables). Restore into an empty "
                "database, or pass --force to replace this one."
            )
        started = time.perf_counter()
        try:
            backups.restore(dump, replace=bool(existing))
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        manifest = json.loads(manifest_path.read_text())
        problems = backups.differences(manifest)
        if "mongodb" in manifest:
            export = dump.with_name(manifest["mongodb"]["file"])
            problems += backups.restore_mongodb(export, manifest["mongodb"])
        announce_item_change(source="restore")  # everything may have changed: drop the cache
        if problems:
            raise CommandError("Restored data differs from the backup:\n" + "\n".join(problems))
        tables = len(manifest["tables"])
        self.stdout.write(
            f"Restored {dump.name}: {tables} tables verified in "
            f"{time.perf_counter() - started:.1f} s."
        )
