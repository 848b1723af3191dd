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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings

from catalog_cache import keys, scripts, store
from catalog_cache.redis_guard import guard, run


@dataclass(frozen=True, slots=True)
class Holder:
    """An active user holding a token, and the cache scope of what they may see.

    Stored as ``<user id>|<scope>|<staff>|<superuser>|<username>``: the hit script reads the
    first two fields (``scripts.SIGNED_IN_READ``).
    """

    user_id: int
    scope: str
    is_staff: bool
    is_superuser: bool
    username: str

    def encode(self) -> bytes:
        flags = f"{int(self.is_staff)}|{int(self.is_superuser)}"
        return f"{self.user_id}|{self.scope}|{flags}|{self.username}".encode()

    @classmethod
    def decode(cls, raw: bytes) -> Holder:
        user_id, scope, staff, superuser, username = raw.decode().split("|", 4)
        return cls(int(user_id), scope, staff == "1", superuser == "1", username)


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


def recall(token: str, rate: store.Bucket | None = None) -> Recalled:
    """The token's holder, if stored, and the key to store it under, in one round trip; with
    ``rate`` (its key the bucket's prefix, the holder's user id appended), the request is
    counted there too when the holder is stored."""
    digest = keys.token_digest(token)
    names = [keys.epoch_key(), keys.token_version_key(digest)]
    limit = (rate.key, rate.limit, rate.seconds * 1000) if rate is not None else ("", 0, 0)
    args = [*keys.token_entry(digest), store.version_ttl_ms(), *limit]

    def read(client) -> Recalled:
        key, value, *wait = store.script(client, scripts.WHO)(client=client, keys=names, args=args)
        counted = Counted(wait[0] / 1000 if wait[0] else None) if wait else None
        return Recalled(key.decode(), Holder.decode(value) if value else None, counted)

    return run(read, Recalled(None, None))


def remember(key: str, holder: Holder) -> None:
    """Store ``holder`` under ``key``, as ``recall`` gave it before the database was read."""
    run(lambda client: client.set(key, holder.encode(), ex=settings.CACHE_SIGN_IN_TTL))


def forget(tokens: Iterable[str]) -> None:
    """Make these tokens' stored holders unreachable (call it after the commit)."""
    targets = [keys.token_version_key(keys.token_digest(token)) for token in tokens]
    if targets and not store.bump_keys(targets):
        guard.lost_invalidation()
