"""The migrations describe the models exactly: no change is waiting to be made."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_migrations_match_the_models():
    # makemigrations --check exits non-zero when the models hold a change no migration makes.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
