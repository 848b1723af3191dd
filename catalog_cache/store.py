"""Versioned response entries: read in one round trip, built once per miss, bumped on change.

Read order is what makes it safe: the versions are read *before* the database, and the entry is
stored under those versions. A write commits, then bumps the versions before its response
returns; a read that began earlier can only store under the old versions, which no later read
asks for. Misses on the same entry are coalesced with a short Redis lock, so a burst of them
costs one database query.

Rate limits are counted here too, in Redis itself, so that an anonymous hit is throttled in the
same script (the same round trip) that reads it, in the same bucket the views' throttle uses.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings

from catalog_cache import keys
from catalog_cache.redis_guard import run

# Version counters start from Redis's own clock (microseconds) when missing, so a counter that
# expired or was lost restarts above every value it ever had: an entry stored under an old
# version can never become reachable again. They expire (VERSION_TTL_FACTOR x the longest entry
# TTL after their last bump), so ids probed once do not pin memory for ever.
_CLOCK = """
redis.replicate_commands()
local function clock()
  local t = redis.call('TIME')
  return t[1] .. string.format('%06d', tonumber(t[2]))
end
"""

# A rate limit as a sliding window, as DRF's throttles count: a sorted set of the times
# (milliseconds, Redis's clock) of the requests let through; at most ``limit`` of them in any
# ``window``. Returns 0 when this request is let through (and counted), else the milliseconds
# until the oldest one leaves the window. A refused request is not counted.
_TAKE_FUNCTION = """
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
_TAKE = (
    _CLOCK
    + _TAKE_FUNCTION
    + """
return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
"""
)

# KEYS: epoch, version, hits, misses, and a rate-limit bucket (optional). ARGV: entry prefix,
# entry suffix, version TTL (ms), whether a miss counts (a lookup that the view will repeat on a
# miss does not), and the bucket's limit and window (ms). A hit is served only if the bucket lets
# it through; a miss is left to the view's throttle, so no request is counted twice.
_READ_BODY = """
local function current(k)
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, clock(), 'NX', 'PX', ARGV[3])
    v = redis.call('GET', k)
  end
  return v
end
local key = ARGV[1] .. current(KEYS[1]) .. ':' .. current(KEYS[2]) .. ARGV[2]
local value = redis.call('GET', key)
if value and KEYS[5] then
  local wait = take(KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[6]))
  if wait > 0 then return {key, false, wait} end
end
if value then redis.call('INCR', KEYS[3]) elseif ARGV[4] == '1' then redis.call('INCR', KEYS[4]) end
return {key, value}
"""
_READ = _CLOCK + _TAKE_FUNCTION + _READ_BODY

# Behind Sentinel, a promoted replica may have missed the last bumps (replication is
# asynchronous) while holding the entries they should have hidden. The epoch (KEYS[1]) is kept
# with the replication id of the master that owns it; a master with another id (promoted, or
# restarted empty) moves the epoch before answering, so nothing stored before is reachable, and
# marks the epoch's WAL position unknown (fills come from the primary until it is read again).
_FAILOVER_EPOCH = """
local replid = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')
if replid and redis.call('GET', KEYS[1] .. ':owner') ~= replid then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1])
  else redis.call('SET', KEYS[1], clock()) end
  redis.call('SET', KEYS[1] .. ':owner', replid)
  redis.call('SET', KEYS[1] .. ':at', '9223372036854775808')
end
"""
_READ_FAILOVER_SAFE = _CLOCK + _TAKE_FUNCTION + _FAILOVER_EPOCH + _READ_BODY

# KEYS: versions to bump. ARGV: version TTL (ms), and the WAL position of the commit behind
# the bump (0: none known, no replicas), kept beside each version if larger than the one there.
_BUMP = (
    _CLOCK
    + """
local at = tonumber(ARGV[2])
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 0 then redis.call('SET', k, clock()) end
  redis.call('INCR', k)
  redis.call('PEXPIRE', k, ARGV[1])
  if at > 0 then
    local pk = k .. ':at'
    if at > tonumber(redis.call('GET', pk) or '0') then redis.call('SET', pk, ARGV[2]) end
    redis.call('PEXPIRE', pk, ARGV[1])
  end
end
return #KEYS
"""
)

# KEYS: lock. ARGV: token. Deletes the lock only if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

VERSION_TTL_FACTOR = 2


def _version_ttl_ms() -> int:
    return VERSION_TTL_FACTOR * max(settings.CACHE_TTL, settings.CACHE_SEARCH_TTL) * 1000


_scripts: dict[str, object] = {}


def _script(client, source: str):
    """The registered script; call it with ``client=`` (it would keep its first client)."""
    script = _scripts.get(source)
    if script is None:
        script = _scripts[source] = client.register_script(source)
    return script


def enabled() -> bool:
    return settings.CACHE_ENABLED


@dataclass(frozen=True, slots=True)
class Bucket:
    """One client's rate limit: where its requests are counted, and how many per how long."""

    key: str
    limit: int
    seconds: int


class Read(NamedTuple):
    """What a lookup found: the entry's key under the current versions (None: no Redis), its
    bytes (None: a miss), and, when a hit was refused by its bucket, the seconds to wait."""

    key: str | None
    value: bytes | None
    wait: float | None = None


def lookup(
    version_key: str,
    entry: tuple[str, str],
    *,
    count_miss: bool = True,
    bucket: Bucket | None = None,
) -> Read:
    """The entry under the current versions, in one round trip; a hit first takes its place in
    ``bucket``, if given (then ``wait`` says how long a refused one must wait)."""
    names = [keys.epoch_key(), version_key, keys.stats_key("hits"), keys.stats_key("misses")]
    args: list = [entry[0], entry[1], _version_ttl_ms(), "1" if count_miss else "0"]
    if bucket is not None:
        names.append(bucket.key)
        args += [bucket.limit, bucket.seconds * 1000]

    source = _READ_FAILOVER_SAFE if settings.CACHE_FAILOVER_EPOCH else _READ

    def read(client) -> Read:
        key, value, *wait = _script(client, source)(client=client, keys=names, args=args)
        return Read(key.decode(), value, wait[0] / 1000 if wait else None)

    return run(read, Read(None, None))


def take(bucket: Bucket) -> float | None:
    """Count one request in ``bucket``: None when it is let through (or Redis is unreachable:
    rates are then not enforced), else the seconds until it would be."""

    def count(client) -> float | None:
        wait = _script(client, _TAKE)(
            client=client, keys=[bucket.key], args=[bucket.limit, bucket.seconds * 1000]
        )
        return wait / 1000 if wait else None

    return run(count, None)


def get_or_build(
    version_key: str, entry: tuple[str, str], ttl: int, build: Callable[[], bytes]
) -> bytes:
    """The cached bytes for ``entry``, or ``build()`` stored under the versions read first."""
    key, value, _ = lookup(version_key, entry)
    if value is not None:
        return value
    if key is None:
        return build()
    token = uuid.uuid4().hex
    if not run(lambda c: c.set(keys.lock_key(key), token, nx=True, px=10_000), False):
        waited = _wait_for(key)
        if waited is not None:
            return waited
    try:
        body = build()
        run(lambda c: c.set(key, body, ex=ttl))
        return body
    finally:
        run(lambda c: _release(c, keys.lock_key(key), token))


def _wait_for(key: str, timeout: float = 2.0) -> bytes | None:
    """Poll for the entry another request is building; None if it does not come in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.01)
        value = run(lambda c: c.get(key))
        if value is not None:
            return value
        if not run(lambda c: c.exists(keys.lock_key(key)), False):
            return run(lambda c: c.get(key))
    return None


def _release(client, lock: str, token: str) -> None:
    _script(client, _RELEASE)(keys=[lock], args=[token], client=client)


def bump(
    item_ids: Iterable[uuid.UUID], *, everything: bool = False, position: int | None = None
) -> bool:
    """Make every entry built from these items (and every list) unreachable.

    With ``everything``, the epoch moves too: every entry of every kind is dropped. Bumps are
    tried even while the circuit is open: a lost invalidation costs freshness, a slow one
    only time. ``position`` is the WAL position of the commit behind the change (with read
    replicas): recorded beside each version, for the reads that will fill its entries.
    """
    targets = [keys.catalog_version_key(), *(keys.item_version_key(i) for i in item_ids)]
    if everything:
        targets.append(keys.epoch_key())
    args = [_version_ttl_ms(), position or 0]

    def write(client) -> bool:
        _script(client, _BUMP)(keys=targets, args=args, client=client)
        return True

    return run(write, False, force=True)


def bump_everything(*, position: int | None = None) -> bool:
    """Drop every entry at once (items changed without ids, or an operator asked)."""
    return bump([], everything=True, position=position)
