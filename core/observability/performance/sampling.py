"""The last hour of ``/metrics``, sampled into Redis: what the performance page draws.

Each server (a host, with all its gunicorn workers when they share ``PROMETHEUS_MULTIPROC_DIR``,
else each process on its own) is a *source*. Every ``PERFORMANCE_SAMPLE_SECONDS`` each process's
sampler thread tries to claim its source's turn with ``SET NX PX`` (held 90% of the interval,
so the next tick of whichever worker comes first gets it); the one that wins reads the same
registry ``/metrics`` serves and appends the cumulative figures to its source's sorted set,
scored by time, trimmed to the hour (and by count) in the same round trip. The cache's hits and
misses (lent by the cache, ``lent.Figures``) are already counted for every server, so they are
sampled once for all, under a lock of their own. Redis is the one the cache lends
(``lent.on_redis``). Requests pay nothing: the thread runs beside them, and a request only checks
that its process has one (a fork leaves the thread behind). Redis down: the guard gives up at
once, the tick is skipped, and the samples resume with Redis.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings

from core.observability import lent
from core.observability.metrics import registry

logger = logging.getLogger("catalog.performance")

WINDOW_SECONDS = 3600
KEEP_SECONDS = WINDOW_SECONDS + 300  # a little more, so the hour's first minute has a before
PAGE_SAMPLE_SECONDS = 10  # the page's own sample when background sampling is off
CLUSTER = "cluster"  # the series of figures Redis already holds for every server


def _prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:perf:"


def sources_key() -> str:
    return f"{_prefix()}sources"


def series_key(source: str) -> str:
    return f"{_prefix()}series:{source}"


def turn_key(source: str) -> str:
    return f"{_prefix()}turn:{source}"


def source_name() -> str:
    """This server, as far as its metrics go: the workers sharing a folder are one."""
    folder = settings.PROMETHEUS_MULTIPROC_DIR
    return f"{socket.gethostname()}:{folder or os.getpid()}"


def server_figures() -> dict[str, Any]:
    """This server's cumulative figures: requests and latency buckets by route, slow queries,
    the database pools' use (summed over workers)."""
    figures: dict[str, Any] = {"requests": {}, "errors": 0.0, "buckets": {}, "slow": 0.0}
    pool: dict[str, float] = {}
    for family in registry().collect():
        for sample in family.samples:
            name, labels, value = sample.name, sample.labels, sample.value
            if name == "catalog_requests_total":
                route = labels["route"]
                figures["requests"][route] = figures["requests"].get(route, 0.0) + value
                figures["errors"] += value if labels["status"].startswith("5") else 0.0
            elif name == "catalog_request_seconds_bucket":
                per_route = figures["buckets"].setdefault(labels["route"], {})
                per_route[labels["le"]] = per_route.get(labels["le"], 0.0) + value
            elif name == "catalog_slow_queries_total":
                figures["slow"] += value
            elif name == "catalog_db_pool_connections":
                pool[labels["state"]] = value
            elif name == "catalog_db_pool_max_connections":
                pool["max"] = value
            elif name == "catalog_db_pool_waiting":
                pool["waiting"] = value
    figures["pool"] = pool
    return figures


def _cluster_figures() -> dict[str, float]:
    """The counters rooms keep for every server (the cache's hits and misses), by name."""
    return {name: float(value) for f in lent.figures() for name, value in f.read().items()}


def _append(client: Any, source: str, figures: dict[str, Any], now: float, interval: int) -> None:
    key = series_key(source)
    cap = KEEP_SECONDS // max(interval, 1) + 10  # the hour's samples, whatever the timing
    pipe = client.pipeline(transaction=False)
    pipe.zadd(key, {json.dumps({"t": now, **figures}, separators=(",", ":")): now})
    pipe.zremrangebyscore(key, "-inf", now - KEEP_SECONDS)
    pipe.zremrangebyrank(key, 0, -(cap + 1))
    pipe.expire(key, KEEP_SECONDS)
    if source != CLUSTER:
        pipe.zadd(sources_key(), {source: now})
        pipe.zremrangebyscore(sources_key(), "-inf", now - KEEP_SECONDS)
        pipe.expire(sources_key(), KEEP_SECONDS)
    pipe.execute()


def _claim(client: Any, source: str, interval: int) -> bool:
    return bool(client.set(turn_key(source), "1", nx=True, px=max(int(interval * 900), 100)))


def take_sample_if_due(*, interval: int | None = None) -> bool:
    """Sample this server (and the cluster's cache figures) unless another process just did;
    false when it was not this process's turn or Redis did not answer."""
    interval = interval or settings.PERFORMANCE_SAMPLE_SECONDS or PAGE_SAMPLE_SECONDS
    source = source_name()

    def sample(client: Any) -> bool:
        now = time.time()
        if _claim(client, CLUSTER, interval):
            _append(client, CLUSTER, _cluster_figures(), now, interval)
        if not _claim(client, source, interval):
            return False
        _append(client, source, server_figures(), now, interval)
        return True

    return lent.on_redis(sample, False)


def recent_samples(client: Any, now: float) -> dict[str, list[dict[str, Any]]]:
    """Every live source's samples of the last hour (and a little before), oldest first, with
    the cluster's under ``CLUSTER``: one round trip for the sources, one for their series."""
    since = now - KEEP_SECONDS
    sources = [name.decode() for name in client.zrangebyscore(sources_key(), since, "+inf")]
    pipe = client.pipeline(transaction=False)
    for source in [*sources, CLUSTER]:
        pipe.zrangebyscore(series_key(source), since, "+inf")
    series = pipe.execute()
    return {
        source: [json.loads(member) for member in members]
        for source, members in zip([*sources, CLUSTER], series, strict=True)
    }


class Sampler:
    """One background thread per process that samples every ``PERFORMANCE_SAMPLE_SECONDS``."""

    def __init__(self) -> None:
        self._pid = 0
        self._lock = threading.Lock()

    def keep_running(self) -> None:
        """Start this process's thread if it has none (first request, or after a fork)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._pid = os.getpid()
                    threading.Thread(
                        target=self._run, name="performance-sampler", daemon=True
                    ).start()

    def _run(self) -> None:
        while True:
            interval = settings.PERFORMANCE_SAMPLE_SECONDS
            time.sleep(interval or PAGE_SAMPLE_SECONDS)
            if interval and settings.PERFORMANCE_SAMPLE_SECONDS:
                try:
                    take_sample_if_due()
                except Exception:  # a bad figure must not stop the sampling for good
                    logger.exception("performance sample failed")


sampler = Sampler()
