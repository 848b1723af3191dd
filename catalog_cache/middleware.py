"""Anonymous cache hits answered before the view: one Redis round trip on top of Django.

Only a plain anonymous JSON GET qualifies (no credentials, no session cookie, no format
switch): its scope is known without authentication. Anything else, and every miss, goes on to
the view, which serves and fills the same entries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from catalog_cache import store
from catalog_cache.responses import entry_for, unwrap

_JSON_ACCEPTS = {"", "*/*", "application/json"}


def _anonymous_json_get(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
        and "format" not in request.GET
    )


_KINDS = {"item-list": "list", "item-search": "search", "item-detail": "detail"}


def _cacheable_target(request: HttpRequest) -> tuple[str, uuid.UUID | None] | None:
    """(kind, item id) when the path is a cached items endpoint, else None."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    kind = _KINDS.get(match.url_name or "")
    if kind != "detail":
        return (kind, None) if kind else None
    try:
        return kind, uuid.UUID(str(match.kwargs.get("pk")))
    except ValueError:
        return None


class CachedResponseMiddleware:
    """Serves an anonymous request's cached JSON without dispatching to the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if store.enabled() and _anonymous_json_get(request):
            target = _cacheable_target(request)
            if target is None:
                return self.get_response(request)
            version_key, entry, _ = entry_for(target[0], request, "anon", target[1])
            _, value = store.lookup(version_key, entry, count_miss=False)
            if value is not None:
                response = unwrap(value)
                # The view's response varies on the session cookie too; say so here as well.
                patch_vary_headers(response, ("Cookie",))
                return response
        return self.get_response(request)
