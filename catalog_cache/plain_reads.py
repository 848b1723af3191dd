"""Anonymous cache reads in plain commands: one round trip, no script, under predicted versions.

Scripts cost Redis as much per call inside them as the commands themselves, and an anonymous
hit is the most common request there is. So each process remembers the versions it last read
for each version key (``remember``, after a ``store.lookup``), and reads the entry under them
together with the versions themselves in one ``MGET``: when they are still current, so is the
entry. When they have moved, the caller asks ``store.lookup``, as it does when nothing is
remembered.
"""

from __future__ import annotations

import itertools
import os
import time

import hiredis
from django.conf import settings

from catalog_cache import keys
from catalog_cache.redis_guard import run
from catalog_cache.store import Bucket, Read

# The versions this process last read for each version key ("<epoch>:<version>"), as the
# ``READ`` script returned them (``remember``): an anonymous read tries its entry under them.
_seen: dict[str, str] = {}
_SEEN_KEPT = 100_000
_requests = itertools.count()


def _new_process() -> None:
    """This process's part of a bucket member's name, made again in a forked child."""
    global _PROCESS
    _PROCESS = f"{os.getpid()}:{os.urandom(6).hex()}"


_new_process()
os.register_at_fork(after_in_child=_new_process)


def remember(version_key: str, entry: tuple[str, str], key: str) -> None:
    """Keep the versions in ``key``, an entry's key as ``store.lookup`` read it (``entry``'s
    prefix, "<epoch>:<version>", its suffix); forgotten all at once past ``_SEEN_KEPT``."""
    if len(_seen) >= _SEEN_KEPT:
        _seen.clear()
    _seen[version_key] = key[len(entry[0]) : len(key) - len(entry[1])]


def predicted_lookup(
    version_key: str, entry: tuple[str, str], scope: str, bucket: Bucket
) -> Read | None:
    """An anonymous read of one scope in one round trip of plain commands, no script: the
    epoch, the version and the entry under the versions this process last saw, in one
    ``MGET`` (atomic: when the versions are the ones predicted, so is the entry); the request
    taken into ``bucket``; the hit counted.

    It differs from ``lookup`` in three ways. The bucket's times are this server's clock, as
    DRF's own throttles count (the scripts use Redis's). Two requests at the very limit may
    both be refused. And a hit is counted before it is known, then taken back on a miss, so
    for that instant a reader of the stats sees one hit more.

    Returns the read, a miss included (the request counted in ``bucket``), or a refusal
    (``wait``); None when nothing is predicted, the versions moved (nothing counted then:
    the caller asks ``lookup``), or Redis is unreachable.
    """
    seen = _seen.get(version_key)
    if seen is None or settings.CACHE_FAILOVER_EPOCH:
        return None
    key = f"{entry[0]}{seen}{entry[1]}"
    hits = keys.stats_key("hits")
    now = int(time.time() * 1000)
    window = bucket.seconds * 1000
    member = f"{now}:{_PROCESS}:{next(_requests)}"
    commands = (
        ("MGET", keys.epoch_key(), version_key, f"{key}:{scope}"),
        ("ZREMRANGEBYSCORE", bucket.key, "-inf", now - window),
        ("ZADD", bucket.key, now, member),
        ("ZCARD", bucket.key),
        ("PEXPIRE", bucket.key, window),
        ("INCR", hits),
    )

    def read(client) -> Read | None:
        (epoch, version, value), _, _, held, _, _ = _send(client, commands)
        moved = epoch is None or version is None or f"{epoch.decode()}:{version.decode()}" != seen
        if moved:  # not read here: neither counted in the bucket nor as a hit
            _send(client, (("ZREM", bucket.key, member), ("DECR", hits)))
            return None
        if held > bucket.limit:
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
            return Read(key, None, wait / 1000)
        if value is None:
            client.decr(hits)
        return Read(key, value)

    return run(read, None)


def _score(found: list) -> float:
    """The score of the one member ``ZRANGE ... WITHSCORES`` returned (RESP2 or RESP3)."""
    first = found[0]
    return float(first[1] if isinstance(first, list | tuple) else found[1])


def _send(client, commands: tuple) -> list:
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
