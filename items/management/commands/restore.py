"""``manage.py restore FILE [--force]``: restore a backup and prove it against its manifest.

A thin wrapper around ``items.operations.backups.restore_backup``: a damaged backup is refused
in one line, before anything is touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items.operations.backups import BackupError, restore_backup


class Command(BaseCommand):
    """Prove the backup intact, restore it in one transaction, then verify every table."""

    help = (
        "Restore a backup made by `manage.py backup` once its manifest and checksums prove it "
        "intact, then verify counts and checksums."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that is not empty."
        )

    def handle(self, *args: Any, file: str, force: bool, **options: Any) -> None:
        try:
            self.stdout.write(restore_backup(Path(file), force=force))
        except BackupError as error:
            raise CommandError(str(error)) from None
