"""What the cache lends observability (``core.observability.lent``) at start-up: Redis as a
service it checks (an accelerator: its loss degrades, never fails), the hit and miss counters
every process keeps in Redis, and the guarded Redis the performance samples are kept in."""

from __future__ import annotations

from django_redis import get_redis_connection

from catalog_cache.redis_core.guard import run
from catalog_cache.responses.stats import hit_counters
from core.observability import lent


def _ping_redis() -> None:
    get_redis_connection("default").ping()


def lend() -> None:
    lent.lend_service(lent.Service("redis", _ping_redis, critical=False))
    lent.lend_figures(
        lent.Figures(
            "catalog_cache",
            {
                "hits": "Response cache hits (all processes)",
                "misses": "Response cache misses (all processes)",
            },
            hit_counters,
        )
    )
    lent.lend_redis(run)
