"""The Lua scripts the store runs in Redis: each one is a single round trip, atomic.

Keys a script builds itself (an entry under the versions it has just read, a signed-in caller's
rate-limit bucket) are not declared in ``KEYS``: the response cache runs on one Redis, not a
cluster.
"""

from __future__ import annotations

from catalog_cache.keys import LOCK_SUFFIX

# Version counters start from Redis's own clock (microseconds) when missing, so a counter that
# expired or was lost restarts above every value it ever had: an entry stored under an old
# version can never become reachable again. They expire (a TTL given by the caller), so ids
# probed once do not pin memory for ever. ``current_pair`` reads two of them in one call (each
# call from a script costs about as much as the command itself).
_CLOCK = """
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

# The first of an entry's scopes that is stored, tried in order (ARGV from ``first``).
_FIRST_FUNCTION = """
local function first_of(key, from)
  for i = from, #ARGV do
    local value = redis.call('GET', key .. ':' .. ARGV[i])
    if value then return value end
  end
  return false
end
"""

# KEYS: bucket. ARGV: limit, window (ms).
TAKE = (
    _CLOCK
    + _TAKE_FUNCTION
    + """
return take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
"""
)

# How long a miss holds its entry's fill lock at most (ms): the build normally releases it.
LOCK_MS = 10_000

# KEYS: epoch, version, hits, misses, and a rate-limit bucket (optional). ARGV: entry prefix,
# entry suffix, version TTL (ms), what a miss does ('': nothing, as when the view will look again;
# 'count': counted; else a token: counted, and the entry's fill lock taken under that token),
# the bucket's limit and window (ms; 0 without a bucket), whether a miss is counted in the
# bucket too ('1': the view will not count it again), then the scopes to try.
# Returns the entry's key (its scope not appended), the first scope's bytes found, the wait the
# bucket asks (0: let through, and counted) and, on a miss with a token, whether the lock was
# taken (1) or another request holds it (0). A request the bucket refuses is not served.
READ = (
    _CLOCK
    + _TAKE_FUNCTION
    + _FIRST_FUNCTION
    + """
local epoch, version = current_pair(KEYS[1], KEYS[2], ARGV[3])
local key = ARGV[1] .. epoch .. ':' .. version .. ARGV[2]
local value = first_of(key, 8)
if KEYS[5] and (value or ARGV[7] == '1') then
  local wait = take(KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[6]))
  if wait > 0 then return {key, false, wait} end
end
if value then
  redis.call('INCR', KEYS[3])
  return {key, value, 0}
end
if ARGV[4] == '' then return {key, false, 0} end
redis.call('INCR', KEYS[4])
if ARGV[4] == 'count' then return {key, false, 0} end
local locked = redis.call('SET', key .. '"""
    + LOCK_SUFFIX
    + """', ARGV[4], 'NX', 'PX', """
    + str(LOCK_MS)
    + """)
return {key, false, 0, locked and 1 or 0}
"""
)

# Who holds a token, and their request counted in their rate. KEYS: epoch, the token's version.
# ARGV: prefix, suffix, version TTL (ms), the user rate's bucket prefix, limit (0: no rate) and
# window (ms). Returns the key to store the caller under (the versions read now), what is stored
# there, and, when a holder is stored and a rate given, the wait its bucket asks (0: let through,
# and counted), as the view's throttle would have counted it in a second round trip.
WHO = (
    _CLOCK
    + _TAKE_FUNCTION
    + """
local epoch, version = current_pair(KEYS[1], KEYS[2], ARGV[3])
local key = ARGV[1] .. epoch .. ':' .. version .. ARGV[2]
local who = redis.call('GET', key)
if who and tonumber(ARGV[5]) > 0 then
  local uid = string.match(who, '^(%d+)|')
  return {key, who, take(ARGV[4] .. uid, tonumber(ARGV[5]), tonumber(ARGV[6]))}
end
return {key, who}
"""
)

# A signed-in hit. KEYS: epoch, the token's version, the entry's version, hits. ARGV: the
# caller's prefix and suffix, version TTL (ms), the entry's prefix and suffix, the user rate's
# bucket prefix, limit (0: no rate) and window (ms), then the scopes to try before the caller's
# own (the public one, for a detail). The caller is stored as "<user id>|<scope>|..."
# (``sign_ins.Holder``). Returns {} unless the caller and the entry are both known (the view then
# authenticates and reads again), else the entry's key, its bytes, and the wait if the caller's
# bucket refused it; a hit also returns the token's versions and its holder as stored, for the
# process to predict them (``plain_reads``).
SIGNED_IN_READ = (
    _CLOCK
    + _TAKE_FUNCTION
    + _FIRST_FUNCTION
    + """
local epoch, token = current_pair(KEYS[1], KEYS[2], ARGV[3])
local who = redis.call('GET', ARGV[1] .. epoch .. ':' .. token .. ARGV[2])
if not who then return {} end
local uid, scope = string.match(who, '^(%d+)|([^|]*)|')
local key = ARGV[4] .. epoch .. ':' .. current(KEYS[3], ARGV[3]) .. ARGV[5]
local value = first_of(key, 9)
if not value then value = redis.call('GET', key .. ':' .. scope) end
if not value then return {} end
if tonumber(ARGV[7]) > 0 then
  local wait = take(ARGV[6] .. uid, tonumber(ARGV[7]), tonumber(ARGV[8]))
  if wait > 0 then return {key, false, wait} end
end
redis.call('INCR', KEYS[4])
return {key, value, 0, epoch .. ':' .. token, who}
"""
)

# KEYS: versions to bump. ARGV: version TTL (ms), and the WAL position of the commit behind
# the bump (0: none known, no read replicas), kept beside each version if larger than the one
# there (``positions``).
BUMP = (
    _CLOCK
    + """
local at = tonumber(ARGV[2] or '0')
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
_RELEASE_FUNCTION = """
local function release(lock, token)
  if redis.call('GET', lock) == token then return redis.call('DEL', lock) end
  return 0
end
"""
RELEASE = _RELEASE_FUNCTION + "return release(KEYS[1], ARGV[1])\n"

# A built entry stored, and its fill lock released if still ours, in one round trip. KEYS: the
# entry (its scope appended), the lock. ARGV: the bytes, their TTL (s), the lock's token ('':
# the lock is another request's).
STORE = (
    _RELEASE_FUNCTION
    + """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[3] ~= '' then release(KEYS[2], ARGV[3]) end
return 1
"""
)

# Behind Sentinel, a promoted replica may have missed the last bumps (replication is
# asynchronous) while holding the entries and token holders they should have hidden. The epoch
# (KEYS[1] of every script that reads under it) is kept with the replication id of the master
# that owns it; a master with another id (promoted, or restarted empty) moves the epoch before
# answering, so nothing stored before is reachable, and marks the epoch's WAL position unknown
# (with read replicas, fills come from the primary until ``positions`` settles it).
_FAILOVER_EPOCH = """
local replid = string.match(redis.call('INFO', 'replication'), 'master_replid:(%w+)')
if replid and redis.call('GET', KEYS[1] .. ':owner') ~= replid then
  if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('INCR', KEYS[1])
  else redis.call('SET', KEYS[1], clock()) end
  redis.call('SET', KEYS[1] .. ':owner', replid)
  redis.call('SET', KEYS[1] .. ':at', '9223372036854775808')
end
"""
EPOCH_READERS = frozenset({READ, WHO, SIGNED_IN_READ})


def failover_safe(source: str) -> str:
    """``source`` (one of ``EPOCH_READERS``) checking its master's identity first."""
    return source.replace(_CLOCK, _CLOCK + _FAILOVER_EPOCH, 1)
