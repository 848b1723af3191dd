"""The response store: one read per kind of caller, and the fill of what a miss built.

How a read is made is the store's business: a plain ``MGET`` under the versions this process
predicts (``plain_reads``) when it knows them, else a script (``lookups``) that reads the
versions first, and whose answer teaches the process what to predict next. Either way, one round
trip, the caller's rate counted in it. A miss is built once: the lookup takes the entry's fill
lock, other requests wait for the entry, and the build is stored under the versions read before
the database, in the scope of who may see it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from catalog_cache.rates.buckets import Bucket
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.redis_core.scripts import evaluate
from catalog_cache.responses import plain_reads, scripts
from catalog_cache.responses.keys import lock_key
from catalog_cache.responses.lookups import Read, lookup, signed_in_lookup

__all__ = ["Read", "anonymous_read", "get_or_build", "signed_in_read"]


def anonymous_read(
    version_key: str, entry: tuple[str, str], scope: str, bucket: Bucket | None
) -> Read:
    """An anonymous caller's read of one entry in one ``scope``, counted in ``bucket`` (a miss
    too: the view's throttle then finds it counted)."""
    read = None
    if bucket is not None:  # plain commands when the versions are known
        read = plain_reads.predicted_lookup(version_key, entry, scope, bucket)
    if read is None:
        read = lookup(
            version_key, entry, (scope,), count_miss=False, bucket=bucket, bucket_counts_miss=True
        )
        if read.key is not None:
            plain_reads.remember(version_key, entry, read.key)
    return read


def signed_in_read(
    token_digest: str,
    version_key: str,
    entry: tuple[str, str],
    scopes: tuple[str, ...],
    rate: Bucket | None,
) -> Read | None:
    """A token holder's read: the entry as the first of ``scopes`` or the holder's own scope,
    counted in the holder's bucket (``rate``'s key, the user id appended). None when the
    token's holder or the entry is not stored: the view answers."""
    read = plain_reads.predicted_signed_in(token_digest, version_key, entry, scopes, rate)
    if read is None:
        read = signed_in_lookup(token_digest, version_key, entry, scopes, rate)
        if read is not None and read.caller is not None and read.key is not None:
            plain_reads.remember(version_key, entry, read.key)
            plain_reads.remember_caller(token_digest, *read.caller)
    return read


def get_or_build(
    version_key: str,
    entry: tuple[str, str],
    scopes: tuple[str, ...],
    ttl: int,
    build: Callable[[], tuple[bytes, str]],
) -> bytes:
    """The cached bytes for ``entry`` as the first of ``scopes`` stored, or else ``build()``'s
    bytes, stored (under the versions read first) in the scope it names.

    The lookup takes the entry's fill lock on a miss, and the store releases it: a miss costs
    two round trips besides the build. A request that finds the lock held waits for the entry
    the holder is building."""
    token = uuid.uuid4().hex
    read = lookup(version_key, entry, scopes, lock=token)
    key, value, locked = read.key, read.value, read.locked
    if value is not None:
        return value
    if key is None:
        return build()[0]
    lock = lock_key(key)
    if not locked:
        waited = _wait_for(key, scopes)
        if waited is not None:
            return waited
    try:
        body, scope = build()
    except BaseException:
        if locked:
            run(lambda c: evaluate(c, scripts.RELEASE, [lock], [token]))
        raise
    held = token if locked else ""
    run(lambda c: evaluate(c, scripts.STORE, [keys.scoped(key, scope), lock], [body, ttl, held]))
    return body


def _first(client: Any, key: str, scopes: tuple[str, ...]) -> bytes | None:
    found = client.mget([keys.scoped(key, scope) for scope in scopes])
    return next((value for value in found if value is not None), None)


def _wait_for(key: str, scopes: tuple[str, ...], timeout: float = 2.0) -> bytes | None:
    """Poll for the entry another request is building; None if it does not come in time (or
    it was built for a scope this caller does not read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.01)
        value = run(lambda c: _first(c, key, scopes))
        if value is not None:
            return value
        if not run(lambda c: c.exists(lock_key(key)), False):
            return run(lambda c: _first(c, key, scopes))
    return None
