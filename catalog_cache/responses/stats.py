"""Cache statistics (the brief's ``getCacheStats``) and emptying the cache."""

from __future__ import annotations

from typing import Any

from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import guard, run


def _hits_and_misses(client: Any) -> dict[str, int]:
    hits, misses = client.mget(keys.stats_key("hits"), keys.stats_key("misses"))
    return {"hits": int(hits or 0), "misses": int(misses or 0)}


def cache_stats() -> dict[str, Any]:
    """Hits, misses, hit ratio, key count (of the Redis database) and memory.

    ``available`` is false without Redis.
    """

    def read(client: Any) -> dict[str, Any]:
        counters = _hits_and_misses(client)
        hits, misses = counters["hits"], counters["misses"]
        memory = client.info("memory")
        key_count = client.dbsize()  # O(1): no keyspace walk on a request path
        total = hits + misses
        return {
            "available": True,
            "hits": hits,
            "misses": misses,
            "hit_ratio": round(hits / total, 4) if total else 0.0,
            "keys": key_count,
            "memory_bytes": int(memory.get("used_memory", 0)),
            "memory_human": memory.get("used_memory_human", ""),
        }

    unavailable = {
        "available": False,
        "hits": 0,
        "misses": 0,
        "hit_ratio": 0.0,
        "keys": 0,
        "memory_bytes": 0,
        "memory_human": "",
    }
    return {**run(read, unavailable), "redis_failures": guard.failures}


def hit_counters() -> dict[str, int]:
    """Hits and misses only: one MGET, cheap enough for every scrape."""

    return run(_hits_and_misses, {"hits": 0, "misses": 0})


def cache_clear() -> int:
    """Delete every key of the response cache (an operator's command, not a request path)."""

    def clear(client: Any) -> int:
        deleted = 0
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{keys.namespace()}*", count=1000):
            batch.append(key)
            if len(batch) == 500:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
        return deleted

    return run(clear, 0)
