"""Operator paths: migrations reverse cleanly, fixtures load once, the admin account exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from items.models import Item, User

ROOT = Path(__file__).resolve().parents[2]
SEED = {
    "Smartphone Galaxy S23": "899.99",
    "MacBook Pro M2": "2499.99",
    "T-shirt Bio Coton": "29.99",
    "Clean Code": "45.50",
    "Casque Audio Premium": "299.99",
}


@pytest.mark.django_db(transaction=True)
def test_items_migrate_to_zero_and_forward_again():
    call_command("migrate", "items", "zero", verbosity=0)
    assert "items_item" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "items_item" in connection.introspection.table_names()
    Item.objects.create(name="Après", price="1.00", category="autre")


@pytest.mark.django_db
def test_seed_fixture_loads_twice_without_duplicates():
    call_command("loaddata", "items", verbosity=0)
    call_command("loaddata", "items", verbosity=0)
    assert {i.name: str(i.price) for i in Item.objects.all()} == SEED
    assert Item.objects.get(name="Clean Code").category == "livre"


def test_no_fixture_holds_a_password():
    for path in (ROOT / "fixtures").glob("*.json"):
        for record in json.loads(path.read_text()):
            assert "password" not in record["fields"], path


@pytest.mark.django_db
def test_ensure_admin_honours_django_variables(monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-test-password")
    call_command("ensure_admin")
    call_command("ensure_admin")
    boss = User.objects.get(username="boss")
    assert boss.is_superuser and boss.check_password("a-long-test-password")


@pytest.mark.django_db
def test_ensure_admin_generates_and_prints_a_password_once(monkeypatch, capsys, settings):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    settings.EMBEDDED_SERVICES = True
    call_command("ensure_admin")
    first = capsys.readouterr().out
    password = first.split("password: ")[1].split()[0]
    assert User.objects.get(username="admin").check_password(password)
    call_command("ensure_admin")
    assert password not in capsys.readouterr().out


@pytest.mark.django_db
def test_ensure_admin_invents_no_password_for_external_servers(monkeypatch, capsys, settings):
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    settings.EMBEDDED_SERVICES = False
    call_command("ensure_admin")
    assert "DJANGO_SUPERUSER_USERNAME" in capsys.readouterr().out
    assert not User.objects.exists()


def _settings_process(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG)",
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_start_without_secret_key_refuses_clearly():
    run = _settings_process(
        DATABASE_URL="postgres://u@127.0.0.1:1/x", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert run.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in run.stderr


def test_debug_is_off_unless_asked_for():
    base = {
        "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "DJANGO_SECRET_KEY": "k" * 50,
    }
    assert _settings_process(**base).stdout.strip() == "False"
    assert _settings_process(**base, DJANGO_DEBUG="true").stdout.strip() == "True"
    bad = _settings_process(**base, DJANGO_DEBUG="maybe")
    assert bad.returncode != 0 and "DJANGO_DEBUG must be true or false" in bad.stderr


def test_settings_use_the_pool_and_atomic_requests():
    from django.conf import settings

    database = settings.DATABASES["default"]
    assert database["ATOMIC_REQUESTS"] is True
    assert database["OPTIONS"]["pool"]["max_size"] >= 1


ITEM_COLUMNS = (
    "id, name, description, price, category, tags, is_active, created_at, updated_at, created_by_id"
)


def _items_fingerprint() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), coalesce(sum(hashtextextended(({ITEM_COLUMNS})::text, 0)"
            "::numeric), 0) FROM items_item"
        )
        count, checksum = cursor.fetchone()
    return count, str(checksum)


@pytest.mark.django_db(transaction=True)
def test_every_items_migration_goes_back_and_forth_without_losing_a_row():
    from django.db.migrations.loader import MigrationLoader

    call_command("seed_items", "--count", "200", "--seed", "9", verbosity=0)
    call_command("loaddata", "items", verbosity=0)
    before = _items_fingerprint()
    names = sorted(
        name for app, name in MigrationLoader(connection).disk_migrations if app == "items"
    )
    for target in reversed(names[:-1]):  # down one step at a time, keeping the table
        call_command("migrate", "items", target, verbosity=0)
        assert _items_fingerprint() == before, f"rows changed going back to {target}"
    call_command("migrate", verbosity=0)
    assert _items_fingerprint() == before
    from items.repository import get_item_repository

    assert get_item_repository().count(query="macbok") >= 1  # search columns rebuilt


def test_check_deploy_is_clean_under_production_settings():
    import secrets

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL="postgres://catalog@127.0.0.1:1/catalog",
        REDIS_URL="redis://127.0.0.1:1/0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="catalog.example.com",
    )
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout
