"""Entries read by script: the versions, the entry under them and the rate, in one round trip.

Read order is what makes a cached response safe: the versions are read *before* the database,
and the entry is stored under those versions. A write commits, then bumps the versions before
its response returns; a read that began earlier can only store under the old versions, which
no later read asks for.

An entry is stored under the scope of who may see it (``scopes``), not of who asked: a lookup
tries the scopes its caller may see, in order, in the same round trip. A hit is counted in the
caller's rate bucket by the same script that reads it; a signed-in caller is recognised there
too (``signed_in_lookup``): the token's holder and the entry are read together.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from catalog_cache.rates.buckets import Bucket
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.redis_core.scripts import evaluate
from catalog_cache.redis_core.versions import version_ttl_ms
from catalog_cache.responses import scripts
from catalog_cache.sign_ins.holders import token_entry, token_version_key


class Read(NamedTuple):
    """What a lookup found: the entry's key under the current versions, its scope not appended
    (None: no Redis), the bytes of the first scope stored (None: a miss), when the bucket
    refused the request the seconds to wait, on a miss that asked for it whether this
    request now holds the entry's fill lock, and on a signed-in hit the token's versions and
    its holder as stored."""

    key: str | None
    value: bytes | None
    wait: float | None = None
    locked: bool = False
    caller: tuple[str, bytes] | None = None


def _read(result: list) -> Read:
    key, value, *more = result  # then the wait (0: none), then on a locking miss: locked
    wait = more[0] / 1000 if more and more[0] else None
    return Read(key.decode(), value or None, wait, len(more) > 1 and more[1] == 1)


def lookup(
    version_key: str,
    entry: tuple[str, str],
    scopes: tuple[str, ...],
    *,
    count_miss: bool = True,
    lock: str | None = None,
    bucket: Bucket | None = None,
    bucket_counts_miss: bool = False,
) -> Read:
    """The entry under the current versions, as the first of ``scopes`` that is stored, in one
    round trip. A hit first takes its place in ``bucket``, if given, and so does a miss with
    ``bucket_counts_miss`` (then ``wait`` says how long a refused one must wait). A miss is
    counted in the stats with ``count_miss``, and with ``lock`` (a token) it also takes the
    entry's fill lock (``locked``)."""
    names = [keys.epoch_key(), version_key, keys.stats_key("hits"), keys.stats_key("misses")]
    rate = [bucket.limit, bucket.seconds * 1000] if bucket is not None else [0, 0]
    on_miss = lock if lock is not None else ("count" if count_miss else "")
    args = [*entry, version_ttl_ms(), on_miss, *rate, "1" if bucket_counts_miss else "0", *scopes]
    if bucket is not None:
        names.append(bucket.key)

    def read(client: Any) -> Read:
        return _read(evaluate(client, scripts.READ, names, args))

    return run(read, Read(None, None))


def signed_in_lookup(
    token_digest: str,
    version_key: str,
    entry: tuple[str, str],
    scopes: tuple[str, ...],
    rate: Bucket | None,
) -> Read | None:
    """A signed-in caller's hit, in one round trip: who holds the token (as ``sign_ins`` stored
    it), then the entry as the first of ``scopes`` or the caller's own scope, counted in the
    caller's bucket (``rate``, its key a prefix the user id completes). None when the token's
    holder or the entry is not stored (or Redis is unreachable): the view answers."""
    who = token_entry(token_digest)
    names = [
        keys.epoch_key(),
        token_version_key(token_digest),
        version_key,
        keys.stats_key("hits"),
    ]
    limit = [rate.key, rate.limit, rate.seconds * 1000] if rate is not None else ["", 0, 0]
    args = [*who, version_ttl_ms(), *entry, *limit, *scopes]

    def read(client: Any) -> Read | None:
        found = evaluate(client, scripts.SIGNED_IN_READ, names, args)
        if len(found) > 3:  # a hit: the token's versions and holder follow
            return _read(found[:3])._replace(caller=(found[3].decode(), found[4]))
        return _read(found) if found else None

    return run(read, None)
