"""Cache reads in plain commands: one round trip, no script, under predicted versions.

Scripts cost Redis as much per call inside them as the commands themselves, and a cached hit
is the most common request there is. So each process remembers the versions it last read for
each version key (``remember``, after a ``lookups.lookup``) and, for an API token, the token's
versions and its holder's user id and scope (``remember_caller``, after a
``lookups.signed_in_lookup``). A read then fetches the entry under them, together with the
versions themselves (and the holder), in one ``MGET``: when they are still what was
predicted, so is everything read with them. When they have moved, the caller asks the script
(``lookups``), as it does when nothing is remembered. ``store`` chooses between the two.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import hiredis
from django.conf import settings

from catalog_cache.rates.buckets import Bucket
from catalog_cache.rates.throttles import user_bucket
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.responses.lookups import Read
from catalog_cache.sign_ins.holders import Holder, token_entry, token_version_key

# The versions this process last read for each version key ("<epoch>:<version>", entries and
# tokens alike), and for each token's version key its holder's user id and scope, as the
# scripts returned them: a read tries its entry (and its caller) under them.
_seen: dict[str, str] = {}
_callers: dict[str, Caller] = {}
_KEPT = 100_000
_requests = itertools.count()
_PROCESS: str  # this process's part of a bucket member's name (``_new_process``)


class Caller(NamedTuple):
    """A token as this process last read it: its versions ("<epoch>:<version>"), its holder's
    user id and scope, and how the stored holder begins ("<user id>|<scope>|")."""

    versions: str
    user_id: str
    scope: str
    holder: bytes


def _new_process() -> None:
    """This process's part of a bucket member's name, made again in a forked child."""
    global _PROCESS
    _PROCESS = f"{os.getpid()}:{os.urandom(6).hex()}"


_new_process()
os.register_at_fork(after_in_child=_new_process)


def _keep(kept: dict, key: str, value: object) -> None:
    """``kept[key] = value``; all forgotten at once past ``_KEPT``."""
    if len(kept) >= _KEPT:
        kept.clear()
    kept[key] = value


def remember(version_key: str, entry: tuple[str, str], key: str) -> None:
    """Keep the versions in ``key``, an entry's key as ``lookups.lookup`` read it (``entry``'s
    prefix, "<epoch>:<version>", its suffix)."""
    _keep(_seen, version_key, keys.versions_in(entry, key))


def remember_caller(digest: str, versions: str, holder: bytes) -> None:
    """Keep a token's versions ("<epoch>:<version>") and its holder's user id and scope (from
    the stored holder, ``Holder.head``), as ``lookups.signed_in_lookup`` read them."""
    _keep(_callers, token_version_key(digest), Caller(versions, *Holder.head(holder)))


def predicted_lookup(
    version_key: str, entry: tuple[str, str], scope: str, bucket: Bucket
) -> Read | None:
    """An anonymous read of one scope, as ``lookups.lookup`` would read it: the epoch, the
    version and the entry under the versions this process last saw, in one ``MGET`` (atomic:
    when the versions are the ones predicted, so is the entry); the request taken into
    ``bucket``, a miss too (the view's throttle reads that count); the hit counted.

    Returns the read, a miss included, or a refusal (``wait``); None when nothing is
    predicted, the versions moved (nothing counted then: the caller asks ``lookup``), or Redis
    is unreachable. ``_counted`` says how it differs from the script.
    """
    seen = _seen.get(version_key)
    if seen is None or settings.CACHE_FAILOVER_EPOCH:
        return None
    key = keys.under_versions(entry, seen)

    def judged(epoch: bytes | None, version: bytes | None, value: bytes | None) -> Read | None:
        return Read(key, value) if _current(epoch, version, seen) else None

    reads = (keys.epoch_key(), version_key, keys.scoped(key, scope))
    return _counted(reads, bucket, judged, miss_counted=True)


def predicted_signed_in(
    digest: str,
    version_key: str,
    entry: tuple[str, str],
    scopes: tuple[str, ...],
    rate: Bucket | None,
) -> Read | None:
    """A signed-in read, as ``lookups.signed_in_lookup`` would read it: the epoch, the token's
    version, the entry's version, the token's holder and the entry as the first of ``scopes``
    then the holder's own scope, all under the versions (and of the holder) this process last
    saw, in one ``MGET``; the request taken into the holder's bucket (``rate``'s key, the user
    id appended) unless it misses; the hit counted.

    Returns the read: a hit, a refusal (``wait``), or a miss (the view answers). None when
    nothing is predicted, anything predicted moved (the token revoked or rotated, its holder
    changed, the entry's version bumped: nothing counted, the caller asks the script), or
    Redis is unreachable.
    """
    token_key = token_version_key(digest)
    caller, seen = _callers.get(token_key), _seen.get(version_key)
    if caller is None or seen is None or settings.CACHE_FAILOVER_EPOCH:
        return None
    token_seen = caller.versions
    who = token_entry(digest)
    key = keys.under_versions(entry, seen)

    def judged(
        epoch: bytes | None,
        token: bytes | None,
        version: bytes | None,
        who: bytes | None,
        *found: bytes | None,
    ) -> Read | None:
        # The holder itself is read, not only its versions: once it has expired
        # (``CACHE_SIGN_IN_TTL``) nothing is predicted, and the database vouches again.
        if not (
            _current(epoch, token, token_seen)
            and _current(epoch, version, seen)
            and who is not None
            and who.startswith(caller.holder)
        ):
            return None
        return Read(key, next((value for value in found if value is not None), None))

    reads = (
        keys.epoch_key(),
        token_key,
        version_key,
        keys.under_versions(who, token_seen),
        *(keys.scoped(key, name) for name in (*scopes, caller.scope)),
    )
    bucket = user_bucket(rate, caller.user_id) if rate is not None else None
    return _counted(reads, bucket, judged, miss_counted=False)


def _current(epoch: bytes | None, version: bytes | None, seen: str) -> bool:
    """Whether the epoch and a version read are the ones predicted ("<epoch>:<version>")."""
    if epoch is None or version is None:
        return False
    return keys.versions(epoch.decode(), version.decode()) == seen


def _counted(
    reads: tuple[str, ...],
    bucket: Bucket | None,
    judged: Callable[..., Read | None],
    *,
    miss_counted: bool,
) -> Read | None:
    """``MGET reads``, the request taken into ``bucket`` and the hit counted, in one round
    trip; ``judged`` tells from the values read whether the prediction held (None: it did not)
    and what was read. What should not have been counted is taken back in a second one: all
    of it when the prediction failed, the hit on a miss, the bucket's count too on a miss that
    is not counted there (``miss_counted``). A refused request is neither counted nor served.

    It differs from the scripts in three ways. The bucket's times are this server's clock, as
    DRF's own throttles count (the scripts use Redis's). Two requests at the very limit may
    both be refused. And a hit is counted before it is known, then taken back, so for that
    instant a reader of the stats sees one hit more.
    """
    hits = keys.stats_key("hits")
    commands: list[tuple] = [("MGET", *reads)]
    if bucket is not None:
        now = int(time.time() * 1000)
        window = bucket.seconds * 1000
        member = f"{now}:{_PROCESS}:{next(_requests)}"
        commands += [
            ("ZREMRANGEBYSCORE", bucket.key, "-inf", now - window),
            ("ZADD", bucket.key, now, member),
            ("ZCARD", bucket.key),
            ("PEXPIRE", bucket.key, window),
        ]
    commands.append(("INCR", hits))

    def read(client: Any) -> Read | None:
        replies = _send(client, commands)
        found = judged(*replies[0])
        counts = found is not None and (found.value is not None or miss_counted)
        if bucket is not None and found is not None and counts and replies[3] > bucket.limit:
            # Refused, so not counted either; it waits until the oldest request the bucket
            # holds leaves it.
            _, oldest, _ = _send(
                client,
                (
                    ("ZREM", bucket.key, member),
                    ("ZRANGE", bucket.key, 0, 0, "WITHSCORES"),
                    ("DECR", hits),
                ),
            )
            wait = max(int(_score(oldest)) + window - now, 1) if oldest else 1
            return Read(found.key, None, wait / 1000)
        if found is not None and found.value is not None:
            return found
        undo: list[tuple] = [("DECR", hits)]
        if bucket is not None and not counts:
            undo.append(("ZREM", bucket.key, member))
        _send(client, tuple(undo))
        return found

    return run(read, None)


def _score(found: list) -> float:
    """The score of the one member ``ZRANGE ... WITHSCORES`` returned (RESP2 or RESP3)."""
    first = found[0]
    return float(first[1] if isinstance(first, list | tuple) else found[1])


def _send(client: Any, commands: Sequence[tuple]) -> list:
    """``commands`` in one round trip on the client's own connection, their replies in order.
    They are encoded by hiredis's own packer (redis-py's wraps it in a loop of Python checks
    per argument that these plain strings and numbers do not need). A connection that fails
    midway is dropped: replies left unread would answer the next."""
    connection = client.connection
    try:
        connection.send_packed_command([b"".join(map(hiredis.pack_command, commands))])
        return [connection.read_response() for _ in commands]
    except BaseException:
        connection.disconnect()
        raise
