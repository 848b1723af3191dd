"""Who holds an API token, known from Redis: a signed-in caller recognised without the database.

A token's holder is stored under a digest of the token (never the token), the epoch and a
version of the token's own, and filled the way a response entry is: the version is read
*before* the database, the holder stored under it. A revocation (the token deleted or saved,
its user changed or deleted: ``receivers``) bumps the version after its commit, so the very next
request, on any server, misses and goes to the database; a request that read the database
before the revocation can only store under the old version, which no later request reads.

A revocation that cannot reach Redis is remembered and bumps the epoch when Redis answers (as a
lost item invalidation does); until then every process is looked up in the database.
A change to the user that sends no signal (``QuerySet.update()``, raw SQL, another service
sharing the database) cannot bump the version: a holder is therefore kept only
``CACHE_SIGN_IN_TTL`` seconds (30), after which the database vouches again. Without Redis,
callers are looked up in the database on every request: slower, never wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings

from catalog_cache.rates.buckets import TAKE_FUNCTION, Bucket
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import guard, run
from catalog_cache.redis_core.scripts import CLOCK, epoch_reader, evaluate
from catalog_cache.redis_core.versions import bump_keys, version_ttl_ms

# A stored holder's fields are separated by this; a Lua pattern matches it as itself.
SEPARATOR = "|"
assert SEPARATOR not in "^$()%.[]*+-?", "the separator would be special in a Lua pattern"
# Lua patterns reading a stored holder's first fields: the user id, then the scope.
LUA_USER_ID = f"^(%d+){SEPARATOR}"
LUA_USER_AND_SCOPE = f"^(%d+){SEPARATOR}([^{SEPARATOR}]*){SEPARATOR}"


def token_digest(token: str) -> str:
    """What names an API token in Redis: never the token itself."""
    return hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


def token_version_key(digest: str) -> str:
    return f"{keys.namespace()}ver:token:{digest}"


def token_entry(digest: str) -> tuple[str, str]:
    """(prefix, suffix) around the versions (epoch, the token's own) for a token's holder."""
    return f"{keys.namespace()}who:", f":{digest}"


@dataclass(frozen=True, slots=True)
class Holder:
    """An active user holding a token, and the cache scope of what they may see.

    Stored as ``<user id>|<scope>|<staff>|<superuser>|<username>`` (``SEPARATOR``): the hit
    scripts read the first two fields (``LUA_USER_ID``, ``LUA_USER_AND_SCOPE``), a process
    predicting a hit the same two (``head``).
    """

    user_id: int
    scope: str
    is_staff: bool
    is_superuser: bool
    username: str

    def encode(self) -> bytes:
        fields = (self.user_id, self.scope, int(self.is_staff), int(self.is_superuser))
        return SEPARATOR.join(map(str, (*fields, self.username))).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Holder:
        user_id, scope, staff, superuser, username = raw.decode().split(SEPARATOR, 4)
        return cls(int(user_id), scope, staff == "1", superuser == "1", username)

    @staticmethod
    def head(raw: bytes) -> tuple[str, str, bytes]:
        """A stored holder's user id and scope, and the bytes it begins with up to them."""
        user_id, scope = raw.decode().split(SEPARATOR, 2)[:2]
        return user_id, scope, f"{user_id}{SEPARATOR}{scope}{SEPARATOR}".encode()


# Who holds a token, and their request counted in their rate. KEYS: epoch, the token's version.
# ARGV: prefix, suffix, version TTL (ms), the user rate's bucket prefix, limit (0: no rate) and
# window (ms). Returns the key to store the caller under (the versions read now), what is stored
# there, and, when a holder is stored and a rate given, the wait its bucket asks (0: let through,
# and counted), as the view's throttle would have counted it in a second round trip.
WHO = epoch_reader(
    CLOCK
    + TAKE_FUNCTION
    + f"""
local epoch, version = current_pair(KEYS[1], KEYS[2], ARGV[3])
local key = {keys.lua_under_versions("ARGV[1]", "epoch", "version", "ARGV[2]")}
local who = redis.call('GET', key)
if who and tonumber(ARGV[5]) > 0 then
  local uid = string.match(who, '{LUA_USER_ID}')
  return {{key, who, take(ARGV[4] .. uid, tonumber(ARGV[5]), tonumber(ARGV[6]))}}
end
return {{key, who}}
"""
)


@dataclass(frozen=True, slots=True)
class Counted:
    """A request already counted in its holder's rate bucket: the seconds it must wait (None:
    let through)."""

    wait: float | None


class Recalled(NamedTuple):
    """A token's holder as stored (None: unknown), where to store it (None: no Redis), and the
    request's count in the holder's ``rate`` when one was asked for and the holder is stored."""

    key: str | None
    holder: Holder | None
    counted: Counted | None = None


def recall(token: str, rate: Bucket | None = None) -> Recalled:
    """The token's holder, if stored, and the key to store it under, in one round trip; with
    ``rate`` (its key the bucket's prefix, the holder's user id appended), the request is
    counted there too when the holder is stored."""
    digest = token_digest(token)
    names = [keys.epoch_key(), token_version_key(digest)]
    limit = (rate.key, rate.limit, rate.seconds * 1000) if rate is not None else ("", 0, 0)
    args = [*token_entry(digest), version_ttl_ms(), *limit]

    def read(client: Any) -> Recalled:
        key, value, *wait = evaluate(client, WHO, names, args)
        counted = Counted(wait[0] / 1000 if wait[0] else None) if wait else None
        return Recalled(key.decode(), Holder.decode(value) if value else None, counted)

    return run(read, Recalled(None, None))


def remember(key: str, holder: Holder) -> None:
    """Store ``holder`` under ``key``, as ``recall`` gave it before the database was read."""
    run(lambda client: client.set(key, holder.encode(), ex=settings.CACHE_SIGN_IN_TTL))


def forget(tokens: Iterable[str]) -> None:
    """Make these tokens' stored holders unreachable (call it after the commit)."""
    targets = [token_version_key(token_digest(token)) for token in tokens]
    if targets and not bump_keys(targets):
        guard.lost_invalidation()
