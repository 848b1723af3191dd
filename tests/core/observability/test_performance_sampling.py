"""The performance samples under gunicorn: several workers, one server, one sample per interval,
figures added up over the workers (``PROMETHEUS_MULTIPROC_DIR``)."""

from __future__ import annotations

import json
import socket
import threading
import time
from itertools import pairwise

import pytest
from django_redis import get_redis_connection

from tests.support.served import Gunicorn, request

pytestmark = pytest.mark.django_db


def _hammer(port: int, seconds: float, served: list[int]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _ = request(port, "GET", "/api/items/")
        served.append(status)


def test_two_workers_sample_once_per_interval_and_their_figures_add_up(scratch, tmp_path):
    scratch.manage("migrate", "--noinput")
    scratch.manage("loaddata", "items")
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {
        **scratch.env,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "PERFORMANCE_SAMPLE_SECONDS": "1",
        "CACHE_ENABLED": "false",  # every request reaches the database, and so its pool
        "THROTTLE_ANON_RATE": "100000/min",
    }
    prefix = f"{env['CACHE_KEY_PREFIX']}:perf:"
    source = f"{socket.gethostname()}:{folder}"
    redis = get_redis_connection("default")
    server = Gunicorn(env, workers=2, threads=4)
    try:
        served: list[int] = []
        clients = [
            threading.Thread(target=_hammer, args=(server.port, 3.0, served)) for _ in range(6)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        time.sleep(2.5)  # a sample after the last request
        samples = [json.loads(m) for m in redis.zrange(f"{prefix}series:{source}", 0, -1)]
        sources = redis.zrange(f"{prefix}sources", 0, -1)
    finally:
        server.stop()
        redis.delete(*redis.keys(f"{prefix}*"))
    gaps = [round(after["t"] - before["t"], 2) for before, after in pairwise(samples)]
    print(f"\n{len(served)} requests over 2 workers, {len(samples)} samples, gaps {gaps}")
    assert set(served) == {200}
    assert sources == [source.encode()]  # the workers sharing the folder are one server
    assert len(samples) >= 4 and min(gaps) >= 0.85, gaps  # not one per worker
    assert samples[-1]["requests"]["api/items/"] == len(served)  # every worker's requests
    assert samples[-1]["pool"]["max"] == 2 * 10  # both workers' pools (DB_POOL_MAX_SIZE 10)
