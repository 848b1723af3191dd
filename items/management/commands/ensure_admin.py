"""``manage.py ensure_admin``: make sure a superuser can sign in to the admin.

With ``DJANGO_SUPERUSER_USERNAME`` and ``DJANGO_SUPERUSER_PASSWORD`` set (Django's own names), that
account is created when missing. Otherwise, on the embedded default, an ``admin`` account with a
generated password is created once and the password printed that one time.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    """Create the admin account if there is none."""

    help = "Ensure an admin (superuser) account exists."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
        if username:
            if not password:
                raise CommandError(
                    "DJANGO_SUPERUSER_USERNAME is set but DJANGO_SUPERUSER_PASSWORD is not."
                )
            if users.objects.filter(username=username).exists():
                self.stdout.write(f"Admin account {username!r} already exists.")
                return
            users.objects.create_superuser(username=username, email=email, password=password)
            self.stdout.write(self.style.SUCCESS(f"Created admin account {username!r}."))
            return
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account already exists.")
            return
        if not settings.EMBEDDED_SERVICES:
            self.stdout.write(
                self.style.WARNING(
                    "No admin account. Set DJANGO_SUPERUSER_USERNAME and "
                    "DJANGO_SUPERUSER_PASSWORD, or run manage.py createsuperuser."
                )
            )
            return
        generated = secrets.token_urlsafe(12)
        users.objects.create_superuser(username="admin", email=email, password=generated)
        self.stdout.write(
            self.style.SUCCESS(
                "Created admin account 'admin' with password: "
                f"{generated}\nIt is shown only this once; change it in the admin."
            )
        )
