"""``manage.py backup [--output-dir DIR]``: a timestamped pg_dump plus its manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from items.operations import backups


class Command(BaseCommand):
    """Back up the PostgreSQL database (custom format) with per-table counts and checksums."""

    help = "Back up the database: pg_dump custom format plus a manifest of counts and checksums."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output-dir", default=settings.BACKUP_DIR)

    def handle(self, *args: Any, output_dir: str, **options: Any) -> None:
        started = time.perf_counter()
        try:
            dump = backups.backup(Path(output_dir))
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{dump}")
        self.stderr.write(f"Backed up in {time.perf_counter() - started:.1f} s.")
