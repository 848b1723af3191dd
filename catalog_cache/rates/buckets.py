"""Rate-limit buckets in Redis: a sliding window counted atomically, shared by every worker.

A bucket is a sorted set of the times (milliseconds, Redis's clock) of the requests it let
through: at most ``limit`` in any ``seconds``, as DRF's throttles count. ``take`` counts one
request in a script of its own; the cache's read scripts count a hit in the same round trip
that reads it, with the same Lua (``TAKE_FUNCTION``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from catalog_cache.redis_core.guard import run
from catalog_cache.redis_core.keys import prefix
from catalog_cache.redis_core.scripts import CLOCK, script


def throttle_key(bucket: str) -> str:
    """A rate limit's request times (``bucket`` names the scope and the client). Outside the
    response cache's namespace: emptying the cache does not reset anyone's rate."""
    return f"{prefix()}:throttle:{bucket}"


class Bucket(NamedTuple):
    """One client's rate limit: where its requests are counted, and how many per how long."""

    key: str
    limit: int
    seconds: int


# Returns 0 when this request is let through (and counted), else the milliseconds until the
# oldest one leaves the window. A refused request is not counted.
TAKE_FUNCTION = """
local function take(bucket, limit, window)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', bucket, '-inf', string.format('%.0f', now - window))
  local held = redis.call('ZCARD', bucket)
  if held >= limit then
    local oldest = redis.call('ZRANGE', bucket, 0, 0, 'WITHSCORES')
    return math.max(tonumber(oldest[2]) + window - now, 1)
  end
  local stamp = string.format('%.0f', now)
  redis.call('ZADD', bucket, stamp, stamp .. ':' .. held)
  redis.call('PEXPIRE', bucket, window)
  return 0
end
"""

# KEYS: bucket. ARGV: limit, window (ms).
TAKE = (
    CLOCK
    + TAKE_FUNCTION
    + """
return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
"""
)


def take(bucket: Bucket) -> float | None:
    """Count one request in ``bucket``: None when it is let through (or Redis is unreachable:
    rates are then not enforced), else the seconds until it would be."""

    def count(client: Any) -> float | None:
        wait = script(client, TAKE)(
            client=client, keys=[bucket.key], args=[bucket.limit, bucket.seconds * 1000]
        )
        return wait / 1000 if wait else None

    return run(count, None)
