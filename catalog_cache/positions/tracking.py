"""Read-your-writes and replica-safe fills, by WAL position (only with read replicas).

Every invalidation records, beside each version it bumps, the primary's WAL position just after the
commit that caused it (``redis_core.versions.bump``), and logs the change (``changes``). A read
that misses the cache then needs a replica that has replayed far enough:

- one item: past its own version's position (every change to it) and the position the client
  sent in ``X-Catalog-Position``;
- a page (list, search, suggestions): past the catalog's position, the caller's own last write
  (remembered in Redis for the caller's token or session) and the position the client sent; or,
  failing that, past the change log's floor, if no change the replica has yet to replay touched an
  item on the page or altered a field the page depends on (then the page it reads is the
  primary's, and may be stored for everyone).

With no such replica, or no answer from Redis, the primary reads. A write's response carries its
position in the same header, for a client to send back wherever it reads next.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest

from catalog_cache.positions import changes
from catalog_cache.redis_core import keys
from catalog_cache.redis_core.guard import run
from catalog_cache.redis_core.scripts import UNKNOWN_POSITION
from items.repository import read_positions

T = TypeVar("T")
HEADER = "X-Catalog-Position"
HEADER_META = "HTTP_X_CATALOG_POSITION"
# Long past the time a replica may lag (REPLICA_MAX_LAG) and be used: by then any replica
# serving reads has replayed the write anyway.
REMEMBER_SECONDS = 600
UNKNOWN = UNKNOWN_POSITION  # a commit whose position could not be read: only the primary is sure

# KEYS: the caller's position. ARGV: a position, seconds to keep it. Keeps the larger.
_REMEMBER = """
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > known then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


@dataclass
class Caller:
    """What one request knows of the positions it must read past, and what it committed."""

    key: str | None = None  # where the caller's last position is remembered
    sent: int = 0  # the position the client sent back
    committed: int = 0  # the largest position this request's commits reached


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "catalog_caller", default=None
)


def caller_position_key(caller: str) -> str:
    """The WAL position of a caller's last write (``caller``: a digest of its credential)."""
    return f"{keys.namespace()}at:caller:{caller}"


def caller_key(request: HttpRequest) -> str | None:
    credential = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not credential:
        return None
    digest = hashlib.blake2b(credential.encode(), digest_size=16).hexdigest()
    return caller_position_key(digest)


def committed(position: int) -> None:
    """A commit of this request reached ``position`` (called after the commit)."""
    caller = _current.get()
    if caller is not None:
        caller.committed = max(caller.committed, position)


@dataclass(frozen=True)
class Need:
    """Where a read may be made: on a replica past ``position`` (None: only the primary), or,
    for a page that names the fields it depends on, on one past ``floor`` whose answer the
    change log clears (``changes.clears``)."""

    position: int | None
    floor: int | None = None


def needed(version_key: str, fields: frozenset[str] | None = None) -> Need:
    """What a replica must have replayed to serve a read of entries under ``version_key``.

    An item's own version records every change to it, so the item's position (and the one the
    client sent) is all its read needs. A page's version is the whole catalog's: past its
    position, the caller's last write and the position the client sent, a replica serves at
    once; past only the epoch's and the change log's floor, if the log clears the page's
    ``fields`` and items."""
    caller = _current.get() or Caller()
    page = version_key == keys.catalog_version_key()
    names = [keys.position_key(keys.epoch_key()), keys.position_key(version_key)]
    if page:
        names.append(keys.changes_floor_key())
        if caller.key:
            names.append(caller.key)
    found = run(lambda client: client.mget(names), None)
    if found is None:
        return Need(None)
    epoch = int(found[0] or 0)
    if epoch >= UNKNOWN:
        epoch = _settle_epoch_position(names[0])
    version = int(found[1] or 0)
    if not page:  # the position the client sent too: it outlives what Redis may lose
        return Need(max(caller.sent, epoch, version))
    position = max([caller.sent, epoch, version, *(int(v) for v in found[3:] if v)])
    if fields is None or found[2] is None:
        return Need(position)
    return Need(position, max(epoch, int(found[2])))


# KEYS: the epoch's position. ARGV: the unknown mark, a position. Replaces only the mark.
_SETTLE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end
return 1
"""


def _settle_epoch_position(key: str) -> int:
    """The epoch moved without knowing which commits it hides (a Redis failover): any commit
    it may hide ended before now, so the primary's position now is the one to reach."""
    try:
        position = read_positions.after_commit() or 0
    except DatabaseError:
        return UNKNOWN
    run(lambda client: client.eval(_SETTLE, 1, key, str(UNKNOWN), position), None)
    return position


def fresh(
    version_key: str,
    build: Callable[[], T],
    fields: Callable[[], frozenset[str]] | None = None,
) -> Callable[[], T]:
    """``build``, reading where the data is at least as new as ``needed`` says; ``fields`` gives
    what a page depends on (``items.conditions.fields_read``), if the change log may clear it
    (worked out only with read replicas, when the page is built)."""
    if not read_positions.enabled():
        return build

    def build_fresh() -> T:
        read = fields() if fields is not None else None
        need = needed(version_key, read)
        if need.floor is None or read is None:
            return read_positions.read_at(need.position, build)

        def clears(replayed: int, answer: T | None) -> bool:
            return changes.clears(replayed, read, changes.shown(answer))

        return read_positions.read_at(need.position, build, floor=need.floor, clears=clears)

    return build_fresh


@contextlib.contextmanager
def calling(request: HttpRequest, sent: int) -> Iterator[Caller]:
    """The request's ``Caller`` (``sent``: the position the client sent back), current for
    ``committed`` and ``needed`` inside the block."""
    caller = Caller(caller_key(request), sent)
    token = _current.set(caller)
    try:
        yield caller
    finally:
        _current.reset(token)


def remember(caller: Caller) -> None:
    """Keep, for the caller's next requests, the largest position its commits reached."""
    key = caller.key
    if key is None:
        return
    run(
        lambda client: client.eval(_REMEMBER, 1, key, caller.committed, REMEMBER_SECONDS),
        None,
        force=True,
    )
