"""``manage.py ensure_admin``: make sure a superuser can sign in to the admin.

A thin wrapper around ``items.operations.accounts.ensure_admin_account``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from items.operations.accounts import AccountError, ensure_admin_account


class Command(BaseCommand):
    """Create the admin account if there is none."""

    help = "Ensure an admin (superuser) account exists."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcome = ensure_admin_account()
        except AccountError as error:
            raise CommandError(str(error)) from None
        if outcome.warning:
            self.stdout.write(self.style.WARNING(outcome.message))
        elif outcome.created:
            self.stdout.write(self.style.SUCCESS(outcome.message))
        else:
            self.stdout.write(outcome.message)
