"""A real streaming replica of a primary, made with the embedded PostgreSQL's own
``pg_basebackup`` and started with ``recovery_min_apply_delay``, so that it lags measurably.

Its primary is the default database's server of Django's settings (an embedded server), or the
``Server`` given: the scaling tests give theirs (tests/support/streaming.py). A scratch
database created on the primary appears on the replica (after the delay), and ``url(name)``
points a process at that database on the replica.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator

import psycopg

from tests.support.served import free_port
from tests.support.streaming import (
    SYSTEM_USER,
    Server,
    as_server_user,
    owned_folder,
    run_postgres,
    stop_postgres,
    tool,
    wait_until_answering,
)

__all__ = ["SYSTEM_USER", "StreamingReplica", "primary_position"]


class StreamingReplica:
    """A hot standby of ``primary`` (by default the settings' server), ``delay_ms`` behind it."""

    def __init__(self, delay_ms: int, primary: Server | None = None) -> None:
        self.source = primary or Server.of_settings()
        self.primary = {
            "host": self.source.host,
            "port": self.source.port,
            "user": self.source.user,
        }
        self.delay_ms = delay_ms
        self.folder = owned_folder("replica-")
        self.data = self.folder / "data"
        self.port = free_port()
        self.server = Server(str(self.folder), self.port, self.source.user)
        self.process: subprocess.Popen | None = None

    def create(self) -> None:
        subprocess.run(
            [
                tool("pg_basebackup"),
                *("-h", self.source.host, "-p", str(self.source.port)),
                *("-U", self.source.user, "-D", str(self.data)),
                *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ],
            check=True,
            capture_output=True,
            timeout=300,
            **as_server_user(),
        )

    def start(self) -> None:
        self.process = run_postgres(
            self.data,
            self.folder,
            self.port,
            *("-c", "hot_standby=on", "-c", f"recovery_min_apply_delay={self.delay_ms}ms"),
            *("-c", "max_standby_streaming_delay=-1", "-c", "wal_receiver_status_interval=1s"),
        )
        wait_until_answering(self.server, self.process, "the streaming replica")

    def stop(self) -> None:
        """Fast shutdown (as an operator's stop, or a lost machine's end of service)."""
        stop_postgres(self.process)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return self.server.url(database)

    def query(self, database: str, statement: str) -> list[tuple]:
        return self.server.query(database, statement)

    def replayed(self) -> int:
        row = self.query("postgres", "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
        return int(row[0][0])

    def primary_position(self) -> int:
        """The WAL insert position of this replica's primary now."""
        return self.source.position()

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


def primary_position(primary: Server | None = None) -> int:
    """The WAL insert position now of ``primary`` (by default the settings' server)."""
    return (primary or Server.of_settings()).position()


@contextlib.contextmanager
def streaming_replica(delay_ms: int, primary=None) -> Iterator[StreamingReplica]:
    """A started ``StreamingReplica`` of ``primary`` (default: the settings' server), removed
    at the end of the block."""
    replica = StreamingReplica(delay_ms=delay_ms, primary=primary)
    try:
        replica.create()
        replica.start()
        yield replica
    finally:
        replica.remove()
