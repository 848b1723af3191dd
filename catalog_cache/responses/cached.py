"""Cached JSON responses for the items API: what is cached, under which key, for how long.

An entry holds the response's own headers (``Allow``, ``Vary``) and its rendered JSON bytes, so
a hit is answered byte for byte as the view would, with no serialisation and no database query.
Entries are shared by everyone who may see the same thing (see ``store``): an active item's
entry is public, so a signed-in read of it is the same hit as an anonymous one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog_cache import scopes
from catalog_cache.positions import tracking
from catalog_cache.redis_core import enabled, keys
from catalog_cache.responses import store
from catalog_cache.responses.keys import detail_entry, list_entry
from core.http.etags import body_etag
from items.records import Viewer

JSON = "application/json"


def _cacheable(request: Request) -> bool:
    # Only plain JSON is stored; the browsable API and `; indent=` variants render live.
    return (
        enabled()
        and getattr(request, "accepted_renderer", None) is not None
        and request.accepted_renderer.format == "json"
        and request.accepted_media_type == JSON
    )


def _envelope(
    headers: Mapping[str, str], build: Callable[[], Any], scope_of: Callable[[Any], str]
) -> Callable[[], tuple[bytes, str]]:
    def render() -> tuple[bytes, str]:
        data = build()
        body = JSONRenderer().render(data)
        # The ETag ConditionalGetMiddleware would compute, computed once instead of per hit.
        head = json.dumps({**headers, "ETag": body_etag(body)}, separators=(",", ":"))
        return head.encode() + b"\n" + body, scope_of(data)

    return render


def unwrap(entry: bytes) -> HttpResponse:
    """The response an entry stands for."""
    head, body = entry.split(b"\n", 1)
    response = HttpResponse(body, content_type=JSON)
    response["Content-Length"] = str(len(body))  # as CommonMiddleware sets it on a view's
    for name, value in json.loads(head).items():
        response[name] = value
    return response


def entry_for(
    kind: str, request: HttpRequest, item_id: uuid.UUID | None = None
) -> tuple[str, tuple[str, str], int]:
    """(version key, entry, TTL) for a ``detail`` (with ``item_id``), ``list``, ``search`` or
    ``suggest`` (suggestions live as long as searches)."""
    if kind == "detail":
        if item_id is None:
            raise ValueError("A detail entry needs its item's id.")
        return keys.item_version_key(item_id), detail_entry(item_id), settings.CACHE_TTL
    ttl = settings.CACHE_SEARCH_TTL if kind in ("search", "suggest") else settings.CACHE_TTL
    return keys.catalog_version_key(), list_entry(kind, request), ttl


def cached_response(
    request: Request,
    kind: str,
    viewer: Viewer,
    headers: Mapping[str, str],
    build: Callable[[], Any],
    item_id: uuid.UUID | None = None,
    fields: Callable[[], frozenset[str]] | None = None,
) -> HttpResponse | Response:
    """The view's JSON from the cache, or built now and stored under the versions read first.

    A page of a list or search is stored in its viewer's scope; one item in the public scope
    when it is active (everyone may see it then), else in its viewer's. ``fields`` gives the
    record fields a page depends on (``items.conditions.fields_read``), so that a replica behind the
    last change may read it when that change does not alter it.
    """
    version_key, entry, ttl = entry_for(kind, request, item_id)
    build = tracking.fresh(version_key, build, fields)  # with read replicas: one recent enough
    if not _cacheable(request):
        return Response(build())
    if kind == "detail":
        scope_of = lambda data: scopes.item_scope(viewer, data)  # noqa: E731
    else:
        scope_of = lambda data: scopes.scope_of(viewer)  # noqa: E731
    render = _envelope(headers, build, scope_of)
    readable = scopes.readable(kind, viewer)
    return unwrap(store.get_or_build(version_key, entry, readable, ttl, render))
