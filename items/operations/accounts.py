"""The admin account an install starts with (``manage.py ensure_admin``, run by ``make run``).

With ``DJANGO_SUPERUSER_USERNAME`` and ``DJANGO_SUPERUSER_PASSWORD`` set (Django's own names), that
account is created when missing. Otherwise, on the embedded default, an ``admin`` account with a
generated password is created once and the password shown that one time. A production start
(external servers) never gets an invented password.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model


class AccountError(RuntimeError):
    """The variables asking for an account are incomplete."""


@dataclass(frozen=True)
class Outcome:
    """What ``ensure_admin_account`` did, in words for the operator."""

    message: str
    created: bool = False
    warning: bool = False


def ensure_admin_account() -> Outcome:
    """Make sure a superuser can sign in to the admin; say what was done."""
    users = get_user_model()
    username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "").strip()
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
    email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "").strip()
    if username:
        if not password:
            raise AccountError(
                "DJANGO_SUPERUSER_USERNAME is set but DJANGO_SUPERUSER_PASSWORD is not."
            )
        if users.objects.filter(username=username).exists():
            return Outcome(f"Admin account {username!r} already exists.")
        users.objects.create_superuser(username=username, email=email, password=password)
        return Outcome(f"Created admin account {username!r}.", created=True)
    if users.objects.filter(is_superuser=True).exists():
        return Outcome("An admin account already exists.")
    if not settings.EMBEDDED_SERVICES:
        return Outcome(
            "No admin account. Set DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD, "
            "or run manage.py createsuperuser.",
            warning=True,
        )
    generated = secrets.token_urlsafe(12)
    users.objects.create_superuser(username="admin", email=email, password=generated)
    return Outcome(
        f"Created admin account 'admin' with password: {generated}\n"
        "It is shown only this once; change it in the admin.",
        created=True,
    )
