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

from django.db import DEFAULT_DB_ALIAS
from django.db.backends.postgresql.base import DatabaseWrapper
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

_IN_USE, _IDLE = CONNECTIONS.labels("in_use"), CONNECTIONS.labels("idle")
_COUNTED = ("requests_queued", "requests_errors")  # the pool's counters behind WAITS, TIMEOUTS
_READ = ("pool_size", "pool_available", "pool_max", "requests_waiting", *_COUNTED)
_last: dict[str, int] = {}
_last_lock = threading.Lock()


def report_pool_use(**_: Any) -> None:
    """Set the gauges from this process's pool (a ``request_finished`` receiver).

    Only a change is written: most requests leave the pool as they found it.
    """
    # Django keeps one pool per alias and process, made on first use; asking for
    # ``connection.pool`` would make one (and open connections) for a request that needed none.
    pool = DatabaseWrapper._connection_pools.get(DEFAULT_DB_ALIAS)
    if pool is None:
        return
    everything = pool.get_stats()
    stats = {name: everything.get(name, 0) for name in _READ}
    with _last_lock:
        if stats == _last:
            return
        _IN_USE.set(max(stats["pool_size"] - stats["pool_available"], 0))
        _IDLE.set(stats["pool_available"])
        CAPACITY.set(stats["pool_max"])
        WAITING.set(stats["requests_waiting"])
        for name, counter in zip(_COUNTED, (WAITS, TIMEOUTS), strict=True):
            grown = stats[name] - _last.get(name, 0)
            if grown > 0:
                counter.inc(grown)
        _last.clear()
        _last.update(stats)
