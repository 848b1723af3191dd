"""A scratch database on the test server, ``manage.py`` runs pointed at it, and a fake outage.

For tests that must drop a whole database or run the service as separate processes, which the
test database (held open by the test run) cannot be used for; and, in process, for tests that
need PostgreSQL to fail the way an outage makes it fail.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import OperationalError, connection
from psycopg import sql

if TYPE_CHECKING:
    from tests.support.streaming import Server

ROOT = Path(__file__).resolve().parents[2]


class ScratchDatabase:
    """A database of its own, created empty; ``manage()`` runs commands against it. It lives on
    the settings' server, or on ``server`` (the scaling tests' own primary)."""

    def __init__(self, server: Server | None = None) -> None:
        self.db = dict(settings.DATABASES["default"])
        if server is not None:
            self.db.update(HOST=server.host, PORT=server.port, USER=server.user)
            self.db["PASSWORD"] = server.password
        self.name = f"catalog_scratch_{secrets.token_hex(4)}"
        host = quote(self.db["HOST"] or "", safe="")
        password = f":{quote(self.db['PASSWORD'])}" if self.db.get("PASSWORD") else ""
        port = f":{self.db['PORT']}" if self.db.get("PORT") else ""
        self.url = f"postgres://{self.db['USER']}{password}@{host}{port}/{self.name}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SETTINGS")},
            "DATABASE_URL": self.url,
            "REDIS_URL": settings.CACHES["default"]["LOCATION"],
            "CACHE_KEY_PREFIX": f"scratch-{self.name}",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_FORMAT": "plain",
            "DJANGO_SECURE": "false",  # served over plain http on loopback
            # No search indexer unless a test asks for one (searches then run in SQL).
            "SEARCH_INDEXER": "false",
        }

    def _admin(self, statement: sql.Composable) -> None:
        with psycopg.connect(
            host=self.db["HOST"] or None,
            port=self.db["PORT"] or None,
            user=self.db["USER"],
            password=self.db.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(statement)

    def query(self, statement: str) -> list[tuple]:
        """Run ``statement`` in this database (a connection of its own); the rows it returns."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def create(self) -> None:
        self._admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        self._admin(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
        )

    def manage(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        run = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and run.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}")
        return run


@contextlib.contextmanager
def postgres_outage() -> Iterator[None]:
    """Every query of this thread fails as it does while PostgreSQL is down."""

    def refuse(*args: object) -> None:
        raise OperationalError("connection refused: PostgreSQL is down (simulated)")

    with connection.execute_wrapper(refuse):
        yield
