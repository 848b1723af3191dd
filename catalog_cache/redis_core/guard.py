"""Redis as an accelerator: every call goes through a guard that turns failures into misses.

A failure is logged and counted, and opens a short circuit so that a dead Redis costs one
timeout per second per process, not one per request. Invalidations are forced through the open
circuit; one that still fails is remembered, and a background retry bumps the epoch (dropping
every entry) as soon as Redis answers again. Other processes rely on the TTL for entries the
lost invalidation should have dropped.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis import get_redis_connection

from catalog_cache.redis_core import keys
from core.observability.timing import add_cache_time

logger = logging.getLogger("catalog_cache")
T = TypeVar("T")
OPEN_SECONDS = 1.0
# KEYS: a position key. ARGV: a position. Keeps the larger (no expiry: the epoch has none).
_KEEP_LARGER = """
if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
"""
RETRY_SECONDS = 1.0


class RedisGuard:
    """Runs Redis calls, falling back to a default when Redis is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._lost = 0  # invalidations lost since the last successful epoch bump
        self._lost_position = 0  # the largest WAL position among them (read replicas)
        self._retrying = False
        self.failures = 0
        self._held = threading.local()

    def call(self, operation: Callable[[redis.Redis], T], default: T, *, force: bool = False) -> T:
        if not force and time.monotonic() < self._open_until:
            return default
        started = time.perf_counter()
        try:
            client = self._client()
            self._settle_lost(client)
            return operation(client)
        except (redis.RedisError, OSError) as error:
            self._trip(error)
            return default
        finally:
            add_cache_time(time.perf_counter() - started)

    def _client(self) -> redis.Redis:
        """This thread's client, holding one connection of django-redis's pool.

        Taking a connection from the pool and giving it back costs about as much as a round
        trip to a local Redis (its lock, a readiness poll of the socket, redis-py's connection
        metrics), and every cached read pays it. A thread keeps its own connection instead: it
        is reconnected, as the pool's are, when it breaks, and a pool replaced or a process
        forked gets a new one."""
        held = getattr(self._held, "client", None)
        if held is not None and self._held.pools == _pools and self._held.pid == _pid:
            return held  # the cache's settings unchanged since: the pool is the same
        pools = _pools
        pool = get_redis_connection("default").connection_pool
        if held is None or held.connection_pool is not pool or self._held.pid != _pid:
            self._held.client = None  # a failed connection below is tried again next call
            held = redis.Redis(connection_pool=pool, single_connection_client=True)
            self._held.client, self._held.pid = held, _pid
        self._held.pools = pools
        return held

    def _settle_lost(self, client: redis.Redis) -> None:
        # Every Redis call passes here: read the count without the lock (an int read is atomic;
        # a loss recorded meanwhile is settled on the next call).
        lost = self._lost
        if lost:
            client.incr(keys.epoch_key())
            position = self._lost_position
            if position:  # replicas: a fill must come from past the lost changes
                client.eval(_KEEP_LARGER, 1, keys.position_key(keys.epoch_key()), position)
            with self._lock:
                self._lost -= lost
                if not self._lost:
                    self._lost_position = 0

    def lost_invalidation(self, position: int | None = None) -> None:
        """An invalidation failed: drop everything as soon as Redis answers again (and, with
        read replicas, fill nothing from a replica short of the change's ``position``)."""
        with self._lock:
            self._lost += 1
            self._lost_position = max(self._lost_position, position or 0)
            start = not self._retrying
            self._retrying = True
        if start:
            threading.Thread(target=self._retry, name="cache-invalidation", daemon=True).start()

    def _retry(self) -> None:
        while True:
            time.sleep(RETRY_SECONDS)
            self.call(lambda client: None, None, force=True)
            with self._lock:
                if not self._lost:
                    self._retrying = False
                    return

    @property
    def lost(self) -> int:
        return self._lost

    def _trip(self, error: Exception) -> None:
        with self._lock:
            self.failures += 1
            already_open = time.monotonic() < self._open_until
            self._open_until = time.monotonic() + OPEN_SECONDS
        if not already_open:
            logger.warning("Redis unreachable, serving from the database: %s", error)

    def reset(self) -> None:
        """Close the circuit (tests, or after an operator fixed Redis)."""
        self._open_until = 0.0


guard = RedisGuard()

# This process's id, read again in a forked child (``os.getpid`` is a system call).
_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)

# Which pool the cache's settings name: a client held under an older count looks its pool up
# again (django-redis keeps one pool per URL, so only a change of ``CACHES`` can change it).
_pools = 0


@receiver(setting_changed)
def _cache_settings_changed(setting: str, **_: Any) -> None:
    global _pools
    if setting == "CACHES":
        _pools += 1


def run(
    operation: Callable[[redis.Redis], Any], default: Any = None, *, force: bool = False
) -> Any:
    """Shortcut for ``guard.call``."""
    return guard.call(operation, default, force=force)


@atexit.register
def _report_lost_invalidations() -> None:
    # A short-lived process (a management command) may exit before Redis comes back.
    if guard.lost and run(lambda client: None, False, force=True) is False and guard.lost:
        logger.error(
            "%d cache invalidation(s) could not reach Redis: cached responses may be stale "
            "for up to CACHE_TTL seconds; run `manage.py cache_clear` once Redis is back.",
            guard.lost,
        )
