"""Where cached responses live in Redis: one place for every key format.

An entry's key embeds the versions current when its data was read: an epoch (bumped to drop
everything) and either the item's own version (details) or the catalog version (lists and
searches). Invalidation bumps versions, so old entries become unreachable at once, with no
pattern delete; their TTL reclaims the memory. An entry's key ends with the scope of who may
see it. The holders of API tokens, and the throttles' buckets, are named here too.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest


@functools.cache
def _prefix() -> str:
    """The cache's ``KEY_PREFIX``: read once, and again when ``CACHES`` changes (every key a
    request names starts with it)."""
    return settings.CACHES["default"].get("KEY_PREFIX", "")


@receiver(setting_changed)
def _cache_settings_changed(setting: str, **_: object) -> None:
    if setting == "CACHES":
        _prefix.cache_clear()


def namespace() -> str:
    """Every key of the response cache starts with this."""
    return f"{_prefix()}:rc:"


def epoch_key() -> str:
    return f"{namespace()}epoch"


def catalog_version_key() -> str:
    return f"{namespace()}ver:catalog"


def item_version_key(item_id: uuid.UUID) -> str:
    return f"{namespace()}ver:item:{item_id}"


def position_key(version_key: str) -> str:
    """The WAL position of the commit that last bumped ``version_key`` (read replicas)."""
    return f"{version_key}:at"


def caller_position_key(caller: str) -> str:
    """The WAL position of a caller's last write (``caller``: a digest of its credential)."""
    return f"{namespace()}at:caller:{caller}"


def stats_key(name: str) -> str:
    return f"{namespace()}stats:{name}"


def throttle_key(bucket: str) -> str:
    """A rate limit's request times (``bucket`` names the scope and the client). Outside the
    response cache's namespace: emptying the cache does not reset anyone's rate."""
    return f"{_prefix()}:throttle:{bucket}"


LOCK_SUFFIX = ":lock"


def lock_key(entry_key: str) -> str:
    """The fill lock of an entry (its key, scope not appended): taken by the read that missed
    it (``scripts.READ``), released when the entry is stored."""
    return entry_key + LOCK_SUFFIX


class Query(NamedTuple):
    """What the cache reads of a request's query string."""

    canonical: str  # parameters sorted by name, a repeated one keeping its order
    format: bool  # whether it names a ``format`` (not plain JSON, then)


# A raw query string -> what it says: list and search reads send the same few over and over,
# and parsing one costs more than the rest of the key.
_QUERIES: dict[str, Query] = {}
_QUERIES_KEPT = 4096
_QUERY_KEPT_LENGTH = 512


def query(request: HttpRequest) -> Query:
    """The request's query string, as ``Query`` reads it: sorted as DRF orders the parameters
    of the links it builds (which value of a repeated one wins depends on its order)."""
    raw = request.META.get("QUERY_STRING", "")
    found = _QUERIES.get(raw)
    if found is None:
        pairs = sorted(
            ((name, value) for name, values in request.GET.lists() for value in values),
            key=lambda pair: pair[0],
        )
        found = Query(urlencode(pairs), "format" in request.GET)
        if len(raw) <= _QUERY_KEPT_LENGTH:  # a long one is parsed again, not kept
            if len(_QUERIES) >= _QUERIES_KEPT:
                _QUERIES.clear()
            _QUERIES[raw] = found
    return found


def detail_entry(item_id: uuid.UUID) -> tuple[str, str]:
    """(prefix, suffix) around the versions, for one item; a scope (who may see it) follows."""
    return f"{namespace()}item:", f":{item_id}"


def list_entry(kind: str, request: HttpRequest) -> tuple[str, str]:
    """(prefix, suffix) for a list or search page, keyed by host, path and query; a scope
    (who may see it) follows."""
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{query(request).canonical}"
    digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
    return f"{namespace()}{kind}:", f":{digest}"


def token_digest(token: str) -> str:
    """What names an API token in Redis: never the token itself."""
    return hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


def token_version_key(digest: str) -> str:
    return f"{namespace()}ver:token:{digest}"


def token_entry(digest: str) -> tuple[str, str]:
    """(prefix, suffix) around the versions (epoch, the token's own) for a token's holder."""
    return f"{namespace()}who:", f":{digest}"
