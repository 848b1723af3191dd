"""``manage.py import_items FILE [--dry-run] [--format csv|json|xlsx]``: items from a file.

A thin wrapper around ``items.operations.importing.import_file``, with rows checked by the
API's rules (``items.api.rows``). Every row is checked first and every faulty one reported;
nothing is written unless all pass (``--skip-invalid`` writes the others). A progress bar
shows on a terminal. Exits non-zero when a row was faulty or the file unreadable.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items.actor import acting_as
from items.api.rows import RowChecker
from items.models import User
from items.operations.import_files import FORMATS
from items.operations.importing import ImportFileError, ImportReport, import_file
from items.records import InvalidItem


class Command(BaseCommand):
    """Import items from a CSV, XLSX or JSON file."""

    help = "Import items from a CSV, XLSX or JSON file: all rows or none, each faulty row named."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=FORMATS, help="default: the file's extension")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write none")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the rows that pass, report others"
        )
        parser.add_argument("--batch", type=int, default=1_000, help="rows per bulk insert")
        parser.add_argument("--user", help="username the history records as the importer")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        progress = sys.stderr.isatty() and not os.environ.get("CI")
        actor = self._actor(options["user"])
        try:
            with acting_as(actor):
                report = import_file(
                    file,
                    check=RowChecker(),
                    file_format=options["format"],
                    dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"],
                    batch=options["batch"],
                    progress=progress,
                )
        except (ImportFileError, InvalidItem) as error:
            raise CommandError(f"Nothing imported: {error}") from None
        self._report(report, dry_run=options["dry_run"])
        if report.faulty:
            raise CommandError(f"{report.faulty:,} of {report.rows:,} rows are faulty.")

    def _actor(self, username: str | None) -> int | None:
        if username is None:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is named {username!r}.")
        return user.pk

    def _report(self, report: ImportReport, *, dry_run: bool) -> None:
        for fault in report.errors:
            for name, messages in fault.errors.items():
                self.stderr.write(f"row {fault.number}: {name}: {' '.join(messages)}")
        if report.faulty > len(report.errors):
            self.stderr.write(f"... and {report.faulty - len(report.errors):,} more faulty rows")
        if report.written:
            self.stdout.write(
                f"Imported {report.rows - report.faulty:,} rows ({report.created:,} new, "
                f"{report.updated:,} updated) in {report.seconds:.1f} s."
            )
        elif dry_run:
            self.stdout.write(f"Dry run: {report.rows:,} rows checked, nothing written.")
        else:
            self.stdout.write(f"Nothing imported: {report.rows:,} rows checked.")
