"""The Lua scripts that read and store response entries: each one round trip, atomic.

Keys are spelt here as ``redis_core.keys`` spells them in Python (``lua_under_versions``,
``lua_scoped``), a holder read as ``sign_ins.holders`` stores it (``LUA_USER_AND_SCOPE``), and a
hit counted in its bucket with ``rates.buckets``' own Lua: one definition of each, whichever
language reads it.
"""

from __future__ import annotations

from catalog_cache.rates.buckets import TAKE_FUNCTION
from catalog_cache.redis_core.keys import VERSIONS_SEPARATOR, lua_scoped, lua_under_versions
from catalog_cache.redis_core.scripts import CLOCK, epoch_reader
from catalog_cache.responses.keys import LOCK_SUFFIX
from catalog_cache.sign_ins.holders import LUA_USER_AND_SCOPE

# The first of an entry's scopes that is stored, tried in order (ARGV from ``first``).
_FIRST_FUNCTION = f"""
local function first_of(key, from)
  for i = from, #ARGV do
    local value = redis.call('GET', {lua_scoped("key", "ARGV[i]")})
    if value then return value end
  end
  return false
end
"""

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
READ = epoch_reader(
    CLOCK
    + TAKE_FUNCTION
    + _FIRST_FUNCTION
    + f"""
local epoch, version = current_pair(KEYS[1], KEYS[2], ARGV[3])
local key = {lua_under_versions("ARGV[1]", "epoch", "version", "ARGV[2]")}
local value = first_of(key, 8)
if KEYS[5] and (value or ARGV[7] == '1') then
  local wait = take(KEYS[5], tonumber(ARGV[5]), tonumber(ARGV[6]))
  if wait > 0 then return {{key, false, wait}} end
end
if value then
  redis.call('INCR', KEYS[3])
  return {{key, value, 0}}
end
if ARGV[4] == '' then return {{key, false, 0}} end
redis.call('INCR', KEYS[4])
if ARGV[4] == 'count' then return {{key, false, 0}} end
local locked = redis.call('SET', key .. '{LOCK_SUFFIX}', ARGV[4], 'NX', 'PX', {LOCK_MS})
return {{key, false, 0, locked and 1 or 0}}
"""
)

# A signed-in hit. KEYS: epoch, the token's version, the entry's version, hits. ARGV: the
# caller's prefix and suffix, version TTL (ms), the entry's prefix and suffix, the user rate's
# bucket prefix, limit (0: no rate) and window (ms), then the scopes to try before the caller's
# own (the public one, for a detail). Returns {} unless the caller and the entry are both known
# (the view then authenticates and reads again), else the entry's key, its bytes, and the wait
# if the caller's bucket refused it; a hit also returns the token's versions and its holder as
# stored, for the process to predict them (``plain_reads``).
SIGNED_IN_READ = epoch_reader(
    CLOCK
    + TAKE_FUNCTION
    + _FIRST_FUNCTION
    + f"""
local epoch, token = current_pair(KEYS[1], KEYS[2], ARGV[3])
local who = redis.call('GET', {lua_under_versions("ARGV[1]", "epoch", "token", "ARGV[2]")})
if not who then return {{}} end
local uid, scope = string.match(who, '{LUA_USER_AND_SCOPE}')
local version = current(KEYS[3], ARGV[3])
local key = {lua_under_versions("ARGV[4]", "epoch", "version", "ARGV[5]")}
local value = first_of(key, 9)
if not value then value = redis.call('GET', {lua_scoped("key", "scope")}) end
if not value then return {{}} end
if tonumber(ARGV[7]) > 0 then
  local wait = take(ARGV[6] .. uid, tonumber(ARGV[7]), tonumber(ARGV[8]))
  if wait > 0 then return {{key, false, wait}} end
end
redis.call('INCR', KEYS[4])
return {{key, value, 0, epoch .. '{VERSIONS_SEPARATOR}' .. token, who}}
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
