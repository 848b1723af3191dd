"""Cached JSON responses for the items API: what is cached, under which key, for how long."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
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


def _json(build: Callable[[], Any]) -> Callable[[], bytes]:
    return lambda: JSONRenderer().render(build())


def item_response(
    request: Request, item_id: uuid.UUID, viewer: Viewer, build: Callable[[], Any]
) -> HttpResponse:
    """One item's JSON, cached under the item's own version."""
    if not _cacheable(request):
        return _live(build)
    body = store.get_or_build(
        keys.item_version_key(item_id),
        keys.detail_entry(item_id, viewer.cache_scope),
        settings.CACHE_TTL,
        _json(build),
    )
    return HttpResponse(body, content_type=JSON)


def list_response(
    request: Request, kind: str, viewer: Viewer, build: Callable[[], Any]
) -> HttpResponse:
    """A list or search page's JSON, cached under the catalog version."""
    if not _cacheable(request):
        return _live(build)
    ttl = settings.CACHE_SEARCH_TTL if kind == "search" else settings.CACHE_TTL
    body = store.get_or_build(
        keys.catalog_version_key(),
        keys.list_entry(kind, request, viewer.cache_scope),
        ttl,
        _json(build),
    )
    return HttpResponse(body, content_type=JSON)


def _live(build: Callable[[], Any]) -> Response:
    return Response(build())
