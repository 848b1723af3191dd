"""PgBouncer in transaction pooling mode, started from its binary, in front of the test server
(or the ``Server`` given, and any other database named with its server: a replica's).

Debian's ``pgbouncer`` package provides it (``make pgbouncer`` installs it as root); tests that
need it skip, saying so, when the binary is absent.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from tests.support.processes import dies_with_parent
from tests.support.served import free_port
from tests.support.streaming import Server, as_server_user, owned_folder


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        pytest.skip("pgbouncer is absent: install Debian's package (make pgbouncer, as root)")
    return found


class PgBouncer:
    """PgBouncer on a loopback port, pooling by transaction into ``server`` (by default the
    test server) for ``databases``, and into each of ``elsewhere``'s (alias: (server, name))."""

    def __init__(
        self,
        databases: list[str],
        pool_size: int = 4,
        server: Server | None = None,
        elsewhere: dict[str, tuple[Server, str]] | None = None,
    ) -> None:
        server = server or Server.of_settings()
        self.user = server.user
        self.folder = owned_folder("pgbouncer-")
        self.port = free_port()
        self.admin_port = self.port
        targets = {name: (server, name) for name in databases} | (elsewhere or {})
        lines = [
            f"{alias} = host={where.host} port={where.port} dbname={name}"
            for alias, (where, name) in targets.items()
        ]
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n" + "\n".join(lines) + "\n[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            f"unix_socket_dir =\nauth_type = trust\nauth_file = {self.folder / 'users.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\n"
            f"max_client_conn = 200\nadmin_users = {self.user}\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\npidfile =\n"
        )
        self.run_as = as_server_user()  # PgBouncer refuses to run as root
        if self.run_as:
            for path in [*self.folder.iterdir(), self.folder]:
                os.chown(path, self.run_as["user"], self.run_as["group"])
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [pgbouncer_binary(), str(self.folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent,
            **self.run_as,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.admin("SHOW VERSION")
                return
            except psycopg.OperationalError:
                log = self.folder / "pgbouncer.log"
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    text = log.read_text() if log.exists() else ""
                    raise AssertionError(f"pgbouncer did not start:\n{text}") from None
                time.sleep(0.1)

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin(self, command: str) -> list[dict]:
        """A command of PgBouncer's admin console (``SHOW POOLS``...), rows as dicts."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            dbname="pgbouncer",
            autocommit=True,
            connect_timeout=2,
            prepare_threshold=None,
        ) as conn:
            cursor = conn.cursor()
            cursor.execute(command)
            names = [column.name for column in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def kill(self) -> None:
        """Immediate shutdown (SIGTERM): its clients' connections and transactions are cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
