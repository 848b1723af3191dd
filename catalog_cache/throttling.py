"""DRF throttles whose state lives in Redis (shared by every worker), behind the Redis guard.

A Redis fault never fails a request here: while Redis is unreachable, rates go unenforced
rather than turning an accelerator's outage into an API outage.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, UserRateThrottle

from catalog_cache.redis_guard import run


class GuardedCache:
    """The default cache, with every call going through the Redis guard."""

    def get(self, key: str, default: Any = None) -> Any:
        return run(lambda _client: cache.get(key, default), default)

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        run(lambda _client: cache.set(key, value, timeout))


guarded_cache = GuardedCache()


class AnonThrottle(AnonRateThrottle):
    """Anonymous rate, per client address."""

    cache = guarded_cache


class UserThrottle(UserRateThrottle):
    """Signed-in rate, per user."""

    cache = guarded_cache


class ScopedThrottle(ScopedRateThrottle):
    """Per-view rate (``throttle_scope``), e.g. the token endpoint."""

    cache = guarded_cache
