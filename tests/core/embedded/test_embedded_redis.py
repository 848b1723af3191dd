"""The embedded Redis, shared by several processes, is brought back when it dies, once."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis

from core import embedded
from core.embedded.supervision import listening
from tests.support.databases import ROOT

# A process using the embedded Redis of the data folder it is given, until its stdin closes.
USER = """
import logging, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")
from core.embedded import embedded_redis_url
print(embedded_redis_url(Path(sys.argv[1])), flush=True)
sys.stdin.read()
"""


def _user(data_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", USER, str(data_dir)],  # -c: this tree's code comes first
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _leave(user: subprocess.Popen) -> str:
    """Let the user exit normally; its log."""
    return user.communicate(input="", timeout=60)[1]


def _seconds_until_it_answers(client: redis.Redis, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return time.monotonic() - started


def _restarts_once_counted(data_dir: Path, limit: float = 5.0) -> int:
    """The restart count once it is no longer 0 (or 0 after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while (count := embedded.redis_restarts(data_dir)) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return count


def _remove_server(data_dir: Path) -> None:
    """Stop whatever is left of the test's server and its folder (after a failure too)."""
    registry = data_dir / "redis" / "cache.rdb.settings"
    if not registry.exists():
        return
    server_dir = Path(json.loads(registry.read_text())["unixsocket"]).parent
    pid_file = server_dir / "redis.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    shutil.rmtree(server_dir, ignore_errors=True)


def test_a_killed_embedded_redis_comes_back_once_for_every_process(tmp_path):
    users = [_user(tmp_path) for _ in range(3)]
    logs: list[str] = []
    try:
        urls = {user.stdout.readline().strip() for user in users}
        assert len(urls) == 1, urls  # one server, shared
        socket_path = Path(urls.pop().removeprefix("unix://"))
        client = redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1)
        killed = client.info("server")["process_id"]
        os.kill(killed, signal.SIGKILL)
        back_after = _seconds_until_it_answers(client, limit=15.0)
        assert back_after < 5.0
        assert client.info("server")["process_id"] != killed
        # The watcher counts the restart once the server answers, so the count may lag a moment.
        assert _restarts_once_counted(tmp_path) == 1
        client.close()
        # Users leave one by one: while one remains, the server stays; the last one stops it
        # on purpose, and nothing brings it back.
        logs.append(_leave(users[0]))
        time.sleep(1.5)
        assert listening(socket_path)
        logs += [_leave(user) for user in users[1:]]
        time.sleep(1.5)
        assert not listening(socket_path)
        assert embedded.redis_restarts(tmp_path) == 1
    finally:
        for user in users:
            if user.poll() is None:
                user.kill()
                user.wait()
        _remove_server(tmp_path)
    restarted = [line for log in logs for line in log.splitlines() if "restarted" in line]
    assert len(restarted) == 1, logs  # logged once, by the process that restarted it
    assert restarted[0].startswith("catalog.embedded WARNING")


def test_the_list_of_users_forgets_the_dead_and_a_reused_pid(tmp_path):
    """A user killed without leaving is dropped; so is a pid since given to another process
    (same pid, another start time); a list cut short reads as empty, never as an error."""
    from core.embedded import supervision

    users = tmp_path / supervision.USERS_FILE
    init = (1, psutil.Process(1).create_time())
    users.write_text(json.dumps([[1, init[1] - 60], [2**22 + 7, 0.0]]))  # reused pid, dead pid
    supervision.join(tmp_path)
    assert not supervision.leave(tmp_path)  # no other user: this process is the last
    users.write_text(json.dumps([list(init)]))  # a live process (init) still uses the server
    supervision.join(tmp_path)
    assert supervision.leave(tmp_path)
    users.write_text("[[1, 12")  # cut short
    supervision.join(tmp_path)
    assert json.loads(users.read_text()) == [[os.getpid(), psutil.Process().create_time()]]
    assert not supervision.leave(tmp_path)
