"""Versioned response entries: read in one round trip, built once per miss, bumped on change.

Read order is what makes it safe: the versions are read *before* the database, and the entry is
stored under those versions. A write commits, then bumps the versions before its response
returns; a read that began earlier can only store under the old versions, which no later read
asks for. Misses on the same entry are coalesced with a short Redis lock, so a burst of them
costs one database query.

An entry is stored under the scope of who may see it (``public``, ``owner:<id>``, ``staff``), not
of who asked: a lookup tries the scopes its caller may see, in order, in the same round trip.

Rate limits are counted here too, in Redis itself, so that a hit is throttled in the same script
(the same round trip) that reads it, in the same bucket the views' throttle uses. Signed-in
callers are recognised here as well (``signed_in_lookup``): the token's holder and the entry are
read together.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.exceptions import NoScriptError

from catalog_cache import keys, scripts
from catalog_cache.redis_guard import run

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


_scripts: dict[str, object] = {}


def script(client, source: str):
    """The registered script; call it with ``client=`` (it would keep its first client).
    Behind Sentinel (``CACHE_FAILOVER_EPOCH``), the scripts reading under the epoch first move
    it if another master answers than the one that owns it (``scripts.failover_safe``)."""
    if settings.CACHE_FAILOVER_EPOCH and source in scripts.EPOCH_READERS:
        source = scripts.failover_safe(source)
    registered = _scripts.get(source)
    if registered is None:
        registered = _scripts[source] = client.register_script(source)
    return registered


def evaluate(client, source: str, keys: list, args: list):
    """Run ``source`` (see ``script``) by its digest, as redis-py's scripts do, loading it
    first if Redis does not know it; without their per-call import and type checks, which
    every cached read would pay."""
    registered = script(client, source)
    try:
        return client.execute_command("EVALSHA", registered.sha, len(keys), *keys, *args)
    except NoScriptError:
        registered.sha = client.script_load(registered.script)
        return client.execute_command("EVALSHA", registered.sha, len(keys), *keys, *args)


def enabled() -> bool:
    return settings.CACHE_ENABLED


class Bucket(NamedTuple):
    """One client's rate limit: where its requests are counted, and how many per how long."""

    key: str
    limit: int
    seconds: int


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

    def read(client) -> Read:
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
    who = keys.token_entry(token_digest)
    names = [
        keys.epoch_key(),
        keys.token_version_key(token_digest),
        version_key,
        keys.stats_key("hits"),
    ]
    limit = [rate.key, rate.limit, rate.seconds * 1000] if rate is not None else ["", 0, 0]
    args = [*who, version_ttl_ms(), *entry, *limit, *scopes]

    def read(client) -> Read | None:
        found = evaluate(client, scripts.SIGNED_IN_READ, names, args)
        if len(found) > 3:  # a hit: the token's versions and holder follow
            return _read(found[:3])._replace(caller=(found[3].decode(), found[4]))
        return _read(found) if found else None

    return run(read, None)


def take(bucket: Bucket) -> float | None:
    """Count one request in ``bucket``: None when it is let through (or Redis is unreachable:
    rates are then not enforced), else the seconds until it would be."""

    def count(client) -> float | None:
        wait = script(client, scripts.TAKE)(
            client=client, keys=[bucket.key], args=[bucket.limit, bucket.seconds * 1000]
        )
        return wait / 1000 if wait else None

    return run(count, None)


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
    lock = keys.lock_key(key)
    if not locked:
        waited = _wait_for(key, scopes)
        if waited is not None:
            return waited
    try:
        body, scope = build()
    except BaseException:
        if locked:
            run(lambda c: _release(c, lock, token))
        raise
    held = token if locked else ""
    run(
        lambda c: script(c, scripts.STORE)(
            client=c, keys=[f"{key}:{scope}", lock], args=[body, ttl, held]
        )
    )
    return body


def _first(client, key: str, scopes: tuple[str, ...]) -> bytes | None:
    return next((v for v in client.mget([f"{key}:{s}" for s in scopes]) if v is not None), None)


def _wait_for(key: str, scopes: tuple[str, ...], timeout: float = 2.0) -> bytes | None:
    """Poll for the entry another request is building; None if it does not come in time (or
    it was built for a scope this caller does not read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.01)
        value = run(lambda c: _first(c, key, scopes))
        if value is not None:
            return value
        if not run(lambda c: c.exists(keys.lock_key(key)), False):
            return run(lambda c: _first(c, key, scopes))
    return None


def _release(client, lock: str, token: str) -> None:
    script(client, scripts.RELEASE)(keys=[lock], args=[token], client=client)


def bump_keys(targets: list[str], *, position: int | None = None) -> bool:
    """Bump these version counters (tried even while the circuit is open: a lost invalidation
    costs freshness, a slow one only time). False when Redis could not be reached. ``position``
    is the WAL position of the commit behind the change (read replicas): recorded beside each
    version, for the reads that will fill its entries (``positions``)."""
    args = [version_ttl_ms(), position or 0]

    def write(client) -> bool:
        script(client, scripts.BUMP)(keys=targets, args=args, client=client)
        return True

    return run(write, False, force=True)


def bump(
    item_ids: Iterable[uuid.UUID], *, everything: bool = False, position: int | None = None
) -> bool:
    """Make every entry built from these items (and every list) unreachable.

    With ``everything``, the epoch moves too: every entry of every kind is dropped, and every
    signed-in caller is looked up again.
    """
    targets = [keys.catalog_version_key(), *(keys.item_version_key(i) for i in item_ids)]
    if everything:
        targets.append(keys.epoch_key())
    return bump_keys(targets, position=position)


def bump_everything(*, position: int | None = None) -> bool:
    """Drop every entry at once (items changed without ids, or an operator asked)."""
    return bump([], everything=True, position=position)
