"""Cached JSON responses for the items API: what is cached, under which key, for how long.

An entry holds the response's own headers (``Allow``, ``Vary``) and its rendered JSON bytes, so
a hit is answered byte for byte as the view would, with no serialisation and no database query.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import set_response_etag
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from catalog_cache import keys, store
from items.records import Viewer

JSON = "application/json"


def _cacheable(request: Request) -> bool:
    # Only plain JSON is stored; the browsable API and `; indent=` variants render live.
    return (
        store.enabled()
        and getattr(request, "accepted_renderer", None) is not None
        and request.accepted_renderer.format == "json"
        and request.accepted_media_type == JSON
    )


def _envelope(headers: Mapping[str, str], build: Callable[[], Any]) -> Callable[[], bytes]:
    def render() -> bytes:
        body = JSONRenderer().render(build())
        # The ETag ConditionalGetMiddleware would compute, computed once instead of per hit.
        probe = HttpResponse(body)
        set_response_etag(probe)
        head = json.dumps({**headers, "ETag": probe["ETag"]}, separators=(",", ":"))
        return head.encode() + b"\n" + body

    return render


def unwrap(entry: bytes) -> HttpResponse:
    """The response an entry stands for."""
    head, body = entry.split(b"\n", 1)
    response = HttpResponse(body, content_type=JSON)
    for name, value in json.loads(head).items():
        response[name] = value
    return response


def entry_for(
    kind: str, request: HttpRequest, scope: str, item_id: uuid.UUID | None = None
) -> tuple[str, tuple[str, str], int]:
    """(version key, entry, TTL) for a ``detail`` (with ``item_id``), ``list``, ``search`` or
    ``suggest`` (suggestions live as long as searches)."""
    if kind == "detail":
        entry = keys.detail_entry(item_id, scope)
        return keys.item_version_key(item_id), entry, settings.CACHE_TTL
    ttl = settings.CACHE_SEARCH_TTL if kind in ("search", "suggest") else settings.CACHE_TTL
    return keys.catalog_version_key(), keys.list_entry(kind, request, scope), ttl


def cached_response(
    request: Request,
    kind: str,
    viewer: Viewer,
    headers: Mapping[str, str],
    build: Callable[[], Any],
    item_id: uuid.UUID | None = None,
) -> HttpResponse | Response:
    """The view's JSON from the cache, or built now and stored under the versions read first."""
    if not _cacheable(request):
        return Response(build())
    version_key, entry, ttl = entry_for(kind, request, viewer.cache_scope, item_id)
    return unwrap(store.get_or_build(version_key, entry, ttl, _envelope(headers, build)))
