"""The database pool's use, as Prometheus metrics: connections in use and idle, waits, timeouts.

Django's psycopg pool lives in each process, so each process reports its own when a request
has finished (and so has handed its connection back): gauges in ``livesum`` mode, which
``/metrics`` adds up over the live gunicorn workers under ``PROMETHEUS_MULTIPROC_DIR``. The
pool's own counters only grow; the increase since the last report is added to ours, so they
add up over workers too. Reading the pool's figures takes no lock on the pool and no I/O.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from prometheus_client import Counter, Gauge

CONNECTIONS = Gauge(
    "catalog_db_pool_connections",
    "Database pool connections, by state (this process's pool; summed over live workers)",
    ["state"],
    multiprocess_mode="livesum",
)
CAPACITY = Gauge(
    "catalog_db_pool_max_connections",
    "Connections the database pool may open (DB_POOL_MAX_SIZE, summed over live workers)",
    multiprocess_mode="livesum",
)
WAITING = Gauge(
    "catalog_db_pool_waiting",
    "Requests waiting for a pooled connection",
    multiprocess_mode="livesum",
)
WAITS = Counter("catalog_db_pool_waits", "Requests that had to wait for a pooled connection")
TIMEOUTS = Counter("catalog_db_pool_timeouts", "Requests that gave up waiting for a connection")

_COUNTERS = {"requests_queued": WAITS, "requests_errors": TIMEOUTS}
_seen: dict[str, int] = dict.fromkeys(_COUNTERS, 0)
_seen_lock = threading.Lock()


def _pool() -> Any:
    # Django keeps one pool per alias and process, made on first use; asking for
    # ``connection.pool`` would make one (and open connections) for a request that needed none.
    wrapper = connections[DEFAULT_DB_ALIAS]
    return getattr(type(wrapper), "_connection_pools", {}).get(wrapper.alias)


def report_pool_use(**_: Any) -> None:
    """Set the gauges from this process's pool (a ``request_finished`` receiver)."""
    pool = _pool()
    if pool is None:
        return
    stats = pool.get_stats()
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    CONNECTIONS.labels("in_use").set(max(size - idle, 0))
    CONNECTIONS.labels("idle").set(idle)
    CAPACITY.set(stats.get("pool_max", 0))
    WAITING.set(stats.get("requests_waiting", 0))
    with _seen_lock:
        for name, counter in _COUNTERS.items():
            grown = stats.get(name, 0) - _seen[name]
            if grown > 0:
                counter.inc(grown)
            _seen[name] = stats.get(name, 0)
