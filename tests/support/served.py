"""The service as separate processes: gunicorn on a scratch database, with a load to drive it.

Fault tests break PostgreSQL or Redis under this server and watch what clients get.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from tests.support.databases import ROOT
from tests.support.processes import dies_with_parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def exchange(port: int, method: str, path: str, body: dict | None = None, headers=None):
    """(status, response headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = {"Accept": "application/json", "Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, json.dumps(body) if body is not None else None, sent)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, response.headers, payload


def parsed(payload: bytes) -> dict | list | None:
    """The JSON of a body, or None when it is empty or not JSON."""
    try:
        return json.loads(payload) if payload else None
    except ValueError:
        return None


def request(port: int, method: str, path: str, body: dict | None = None, headers=None):
    """(status, parsed JSON body or None)."""
    status, _, payload = exchange(port, method, path, body, headers)
    return status, parsed(payload)


class Gunicorn:
    """gunicorn serving the app with ``env``, on a free port."""

    def __init__(self, env: dict[str, str], *, threads: int = 8, workers: int = 1) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--worker-class",
                "gthread",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=dies_with_parent,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                request(self.port, "GET", "/health/")
                return
            except OSError:
                if time.monotonic() >= deadline:
                    self.stop()
                    raise AssertionError("gunicorn did not start") from None
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@dataclass
class Load:
    """Readers and a writer hammering the server until stopped; statuses are tallied."""

    port: int
    token: str
    item_path: str
    statuses: Counter = field(default_factory=Counter)
    bodies_5xx: list = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list = field(default_factory=list)

    def _loop(self, method: str, path: str, body: dict | None) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            sent = {"price": f"{n % 500}.00"} if body else None
            try:
                status, payload = request(
                    self.port, method, path, sent, {"Authorization": f"Token {self.token}"}
                )
            except OSError as error:
                status, payload = 0, str(error)
            self.statuses[status] += 1
            if status >= 500:
                self.bodies_5xx.append((status, payload))
            time.sleep(0.005)

    def start(self) -> Load:
        plan = [
            ("GET", "/api/items/", None),
            ("GET", self.item_path, None),
            ("GET", "/api/items/search/?q=casque", None),
            ("PATCH", self.item_path, {}),
        ]
        for method, path, body in plan:
            thread = threading.Thread(target=self._loop, args=(method, path, body), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> Counter:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        return self.statuses
