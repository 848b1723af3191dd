"""Where cached responses live in Redis: the entries' keys, their fill locks, their queries.

A detail's entry is keyed by its item's version, a list's, search's or suggestion's by the
catalog version (``redis_core.keys``), each with the epoch, and ends with the scope of who may
read it (``scopes``). A list's key holds its host, path and query string, its parameters in one
order, so the same page asked two ways is one entry.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import NamedTuple
from urllib.parse import urlencode

from django.http import HttpRequest

from catalog_cache.redis_core.keys import namespace

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
