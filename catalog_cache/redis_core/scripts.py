"""Lua in Redis: what every script shares, and how scripts run (by digest, on a held client).

Each room writes its own scripts (``responses.scripts``, ``rates.buckets``, ``sign_ins.holders``)
from the pieces here: ``CLOCK`` (versions that start from Redis's clock and never repeat) and
the keys' spelling (``keys.lua_under_versions``). A script that reads under the epoch says so
(``epoch_reader``): behind Sentinel it first checks which master answers (``failover_safe``).

Keys a script builds itself (an entry under the versions it has just read, a signed-in caller's
rate-limit bucket) are not declared in ``KEYS``: the cache runs on one Redis, not a cluster.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from redis.exceptions import NoScriptError

from catalog_cache.redis_core.keys import OWNER_SUFFIX, POSITION_SUFFIX

# Version counters start from Redis's own clock (microseconds) when missing, so a counter that
# expired or was lost restarts above every value it ever had: an entry stored under an old
# version can never become reachable again. They expire (a TTL given by the caller), so ids
# probed once do not pin memory for ever. ``current_pair`` reads two of them in one call (each
# call from a script costs about as much as the command itself).
CLOCK = """
redis.replicate_commands()
local function clock()
  local t = redis.call('TIME')
  return t[1] .. string.format('%06d', tonumber(t[2]))
end
local function current(k, ttl)
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, clock(), 'NX', 'PX', ttl)
    v = redis.call('GET', k)
  end
  return v
end
local function current_pair(a, b, ttl)
  local v = redis.call('MGET', a, b)
  return v[1] or current(a, ttl), v[2] or current(b, ttl)
end
"""

# Behind Sentinel, a promoted replica may have missed the last bumps (replication is
# asynchronous) while holding the entries and token holders they should have hidden. The epoch
# (KEYS[1] of every script that reads under it) is kept with the replication id of the master
# that owns it; a master with another id (promoted, or restarted empty) moves the epoch before
# answering, so nothing stored before is reachable, and marks the epoch's WAL position unknown
# (with read replicas, fills come from the primary until ``positions`` settles it).
UNKNOWN_POSITION = 1 << 63
_FAILOVER_EPOCH = f"""
local replid = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')
if replid and redis.call('GET', KEYS[1] .. '{OWNER_SUFFIX}') ~= replid then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1])
  else redis.call('SET', KEYS[1], clock()) end
  redis.call('SET', KEYS[1] .. '{OWNER_SUFFIX}', replid)
  redis.call('SET', KEYS[1] .. '{POSITION_SUFFIX}', '{UNKNOWN_POSITION}')
end
"""
_epoch_readers: set[str] = set()


def epoch_reader(source: str) -> str:
    """Mark ``source`` (it starts with ``CLOCK``, and ``KEYS[1]`` is the epoch) as a script
    reading under the epoch; returns it."""
    assert source.startswith(CLOCK), "an epoch reader starts with CLOCK"
    _epoch_readers.add(source)
    return source


def failover_safe(source: str) -> str:
    """``source`` (an ``epoch_reader``) checking its master's identity first."""
    return source.replace(CLOCK, CLOCK + _FAILOVER_EPOCH, 1)


_scripts: dict[str, Any] = {}


def script(client: Any, source: str) -> Any:
    """The registered script; call it with ``client=`` (it would keep its first client).
    Behind Sentinel (``CACHE_FAILOVER_EPOCH``), the scripts reading under the epoch first move
    it if another master answers than the one that owns it (``failover_safe``)."""
    if settings.CACHE_FAILOVER_EPOCH and source in _epoch_readers:
        source = failover_safe(source)
    registered = _scripts.get(source)
    if registered is None:
        registered = _scripts[source] = client.register_script(source)
    return registered


def evaluate(client: Any, source: str, keys: list, args: list) -> Any:
    """Run ``source`` (see ``script``) by its digest, as redis-py's scripts do, loading it
    first if Redis does not know it; without their per-call import and type checks, which
    every cached read would pay."""
    registered = script(client, source)
    try:
        return client.execute_command("EVALSHA", registered.sha, len(keys), *keys, *args)
    except NoScriptError:
        registered.sha = client.script_load(registered.script)
        return client.execute_command("EVALSHA", registered.sha, len(keys), *keys, *args)
