"""Redis as an accelerator: every call goes through a guard that turns failures into misses.

A failure is logged and counted, and opens a short circuit so that a dead Redis costs one
timeout per second per process, not one per request. An invalidation lost to a failure is
remembered, and the epoch is bumped at the next successful contact, so this process never
serves an entry that the lost invalidation should have dropped; other processes rely on the TTL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django_redis import get_redis_connection

from catalog_cache import keys
from config.monitoring import add_cache_time

logger = logging.getLogger("catalog_cache")
T = TypeVar("T")
OPEN_SECONDS = 1.0


class RedisGuard:
    """Runs Redis calls, falling back to a default when Redis is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._epoch_bump_pending = False
        self.failures = 0

    def call(self, operation: Callable[[redis.Redis], T], default: T) -> T:
        if time.monotonic() < self._open_until:
            return default
        started = time.perf_counter()
        try:
            client = get_redis_connection("default")
            if self._epoch_bump_pending:
                client.incr(keys.epoch_key())
                self._epoch_bump_pending = False
            return operation(client)
        except (redis.RedisError, OSError) as error:
            self._trip(error)
            return default
        finally:
            add_cache_time(time.perf_counter() - started)

    def lost_invalidation(self) -> None:
        """An invalidation failed: drop everything at the next successful contact."""
        self._epoch_bump_pending = True

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


def run(operation: Callable[[redis.Redis], Any], default: Any = None) -> Any:
    """Shortcut for ``guard.call``."""
    return guard.call(operation, default)
