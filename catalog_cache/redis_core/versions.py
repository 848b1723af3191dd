"""Version counters: bumped after a commit, so every key stored under the old ones is gone.

A bump is tried even while the guard's circuit is open (a lost invalidation costs freshness, a
slow one only time); with read replicas, the WAL position of the commit behind it is recorded
beside each version, for the reads that will fill under the new one, and the change (its items
and the fields it altered) is added to the change log at that position, in the same script
(``positions.changes`` reads it).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.redis_core.scripts import CLOCK, script

VERSION_TTL_FACTOR = 2


@functools.cache
def version_ttl_ms() -> int:
    """How long a version counter outlives its last bump (ms); read again when a TTL setting
    changes."""
    return VERSION_TTL_FACTOR * max(settings.CACHE_TTL, settings.CACHE_SEARCH_TTL) * 1000


@receiver(setting_changed)
def _ttl_settings_changed(setting: str, **_: object) -> None:
    if setting in ("CACHE_TTL", "CACHE_SEARCH_TTL"):
        version_ttl_ms.cache_clear()


# How many changes the log keeps: far more than a replica within REPLICA_MAX_LAG is behind by.
CHANGES_KEPT = 10_000

# KEYS: versions to bump. ARGV: version TTL (ms), and the WAL position of the commit behind
# the bump (0: none known, no read replicas), kept beside each version if larger than the one
# there (``keys.position_key``); then, with a position, the change log's key, its floor's key,
# how many changes it keeps, and the change (``positions.changes.entry``). The log's floor is
# the position past which it holds every change: its first change's, then the last one dropped.
BUMP = (
    CLOCK
    + f"""
local at = tonumber(ARGV[2] or '0')
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 0 then redis.call('SET', k, clock()) end
  redis.call('INCR', k)
  redis.call('PEXPIRE', k, ARGV[1])
  if at > 0 then
    local pk = k .. '{keys.POSITION_SUFFIX}'
    if at > tonumber(redis.call('GET', pk) or '0') then redis.call('SET', pk, ARGV[2]) end
    redis.call('PEXPIRE', pk, ARGV[1])
  end
end
if at > 0 and ARGV[6] then
  local log, floor = ARGV[3], ARGV[4]
  local n = redis.call('INCR', log .. ':n')
  redis.call('ZADD', log, at, n .. '|' .. ARGV[6])
  redis.call('SETNX', floor, ARGV[2])
  local excess = redis.call('ZCARD', log) - tonumber(ARGV[5])
  if excess > 0 then
    local gone = redis.call('ZRANGE', log, 0, excess - 1, 'WITHSCORES')
    local top = tonumber(gone[#gone])
    if top > tonumber(redis.call('GET', floor) or '0') then redis.call('SET', floor, top) end
    redis.call('ZREMRANGEBYRANK', log, 0, excess - 1)
  end
end
return #KEYS
"""
)


def bump_keys(
    targets: list[str], *, position: int | None = None, change: str | None = None
) -> bool:
    """Bump these version counters. False when Redis could not be reached. ``position`` is the
    WAL position of the commit behind the change (read replicas), ``change`` the change as the
    log spells it (``positions.changes.entry``)."""
    args: list[Any] = [version_ttl_ms(), position or 0]
    if position and change is not None:
        args += [keys.changes_key(), keys.changes_floor_key(), CHANGES_KEPT, change]

    def write(client: Any) -> bool:
        script(client, BUMP)(keys=targets, args=args, client=client)
        return True

    return run(write, False, force=True)


def bump(
    item_ids: Iterable[uuid.UUID],
    *,
    everything: bool = False,
    position: int | None = None,
    change: str | None = None,
) -> bool:
    """Make every entry built from these items (and every list) unreachable.

    With ``everything``, the epoch moves too: every entry of every kind is dropped, and every
    signed-in caller is looked up again.
    """
    targets = [keys.catalog_version_key(), *(keys.item_version_key(i) for i in item_ids)]
    if everything:
        targets.append(keys.epoch_key())
    return bump_keys(targets, position=position, change=change)


def bump_everything(*, position: int | None = None, change: str | None = None) -> bool:
    """Drop every entry at once (items changed without ids, or an operator asked)."""
    return bump([], everything=True, position=position, change=change)
