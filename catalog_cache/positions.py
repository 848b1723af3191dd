"""Read-your-writes and replica-safe fills, by WAL position (only with read replicas).

Every invalidation records, beside each version it bumps, the primary's WAL position just after
the commit that caused it (``store.bump``). A read that misses the cache then needs a replica
that has replayed past the positions recorded for the versions it read (so it can only store,
and serve, what is at least as new as the last change of what it reads), past the caller's own
last write (remembered in Redis for the caller's token or session), and past the position the
client sent in ``X-Catalog-Position``; with no such replica, or no answer from Redis, the
primary reads. A write's response carries the position in the same header, for a client to send
back wherever it reads next.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse

from catalog_cache import keys
from catalog_cache.redis_guard import run
from config.http.errors import error_body
from config.http.headers import header_text
from items.repository import read_positions

HEADER = "X-Catalog-Position"
HEADER_META = "HTTP_X_CATALOG_POSITION"
# Long past the time a replica may lag (REPLICA_MAX_LAG) and be used: by then any replica
# serving reads has replayed the write anyway.
REMEMBER_SECONDS = 600
UNKNOWN = 1 << 63  # a commit whose position could not be read: only the primary is sure

# KEYS: the caller's position. ARGV: a position, seconds to keep it. Keeps the larger.
_REMEMBER = """
local known = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > known then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


@dataclass
class _Caller:
    """What one request knows of the positions it must read past, and what it committed."""

    key: str | None = None  # where the caller's last position is remembered
    sent: int = 0  # the position the client sent back
    committed: int = 0  # the largest position this request's commits reached


_current: contextvars.ContextVar[_Caller | None] = contextvars.ContextVar(
    "catalog_caller", default=None
)


def _caller_key(request: HttpRequest) -> str | None:
    credential = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not credential:
        return None
    digest = hashlib.blake2b(credential.encode(), digest_size=16).hexdigest()
    return keys.caller_position_key(digest)


def committed(position: int) -> None:
    """A commit of this request reached ``position`` (called after the commit)."""
    caller = _current.get()
    if caller is not None:
        caller.committed = max(caller.committed, position)


def needed_position(version_key: str) -> int | None:
    """The position a replica must have replayed to serve a read of entries under
    ``version_key``; None when Redis cannot say (then only the primary is sure)."""
    caller = _current.get() or _Caller()
    names = [keys.position_key(keys.epoch_key()), keys.position_key(version_key)]
    if caller.key:
        names.append(caller.key)
    found = run(lambda client: client.mget(names), None)
    if found is None:
        return None
    epoch = int(found[0] or 0)
    if epoch >= UNKNOWN:
        epoch = _settle_epoch_position(names[0])
    return max([caller.sent, epoch, *(int(value) for value in found[1:] if value)])


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


def fresh(version_key: str, build: Callable[[], object]) -> Callable[[], object]:
    """``build``, reading where the data is at least as new as ``needed_position`` says."""
    if not read_positions.enabled():
        return build

    def build_fresh() -> object:
        return read_positions.read_at(needed_position(version_key), build)

    return build_fresh


def _refused(raw: str) -> JsonResponse:
    sent = header_text(raw)  # as the client wrote it, not as WSGI decoded it
    detail = f"{HEADER} must be a WAL position such as 16/B374D848, not {sent[:40]!r}."
    body = error_body(400, "invalid", detail)
    body["errors"][0]["attr"] = HEADER
    return JsonResponse(body, status=400)


class ReadPositionMiddleware:
    """Reads the client's ``X-Catalog-Position``; after a write, remembers and returns it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get(HEADER_META)
        sent = 0
        if raw is not None:
            parsed = read_positions.parse(raw)
            if parsed is None:
                return _refused(raw)
            sent = parsed
        if not read_positions.enabled():
            return self.get_response(request)
        caller = _Caller(_caller_key(request), sent)
        token = _current.set(caller)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if 0 < caller.committed < UNKNOWN:
            self._remember(caller)
            response[HEADER] = read_positions.format(caller.committed)
        return response

    @staticmethod
    def _remember(caller: _Caller) -> None:
        if caller.key is None:
            return
        run(
            lambda client: client.eval(
                _REMEMBER, 1, caller.key, caller.committed, REMEMBER_SECONDS
            ),
            None,
            force=True,
        )
