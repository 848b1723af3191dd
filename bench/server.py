"""gunicorn for the benchmarks: 2 workers on loopback, started and awaited.

``BENCH_WORKER_CLASS`` picks the worker class (``sync`` by default; ``gthread`` keeps
connections alive, as a proxy in front would). The search engine's index is brought up to date
first (``manage.py search_index build``), so that no benchmark times a server building it.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")


def serve(port: int, **env: str) -> subprocess.Popen:
    """Start gunicorn (``WORKERS`` sync workers) with ``env`` added; return once it answers."""
    env = {**os.environ, **env}
    if env.get("SEARCH_ENGINE", "tantivy") != "postgres":
        subprocess.run([sys.executable, "manage.py", "search_index", "build"], cwd=ROOT, env=env)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(WORKERS),
            "--worker-class",
            WORKER_CLASS,
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def metrics_text(port: int) -> str:
    """The server's ``/metrics`` (every worker's), read with ``METRICS_TOKEN``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    token = os.environ["METRICS_TOKEN"]
    connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    text = connection.getresponse().read().decode()
    connection.close()
    return text


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)
