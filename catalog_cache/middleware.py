"""Anonymous cache hits answered before the view: one Redis round trip on top of Django.

Only a plain anonymous JSON GET qualifies (no credentials, no session cookie, no format
switch): its scope is known without authentication. Anything else, and every miss, goes on to
the view, which serves and fills the same entries. A hit still meets what the view's request
would: the host is checked against ``ALLOWED_HOSTS``, and the anonymous rate limit is counted,
in the same bucket, by the same script that reads the entry.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from catalog_cache import store
from catalog_cache.responses import entry_for, unwrap
from catalog_cache.throttling import anonymous_bucket, throttled_response

_JSON_ACCEPTS = {"", "*/*", "application/json"}


def _anonymous_json_get(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
        and "format" not in request.GET
    )


# The item routes the router serves (its detail lookup is ``[^/]+``), matched without a full
# URL resolve: this runs on every anonymous API read.
_COLLECTIONS = {
    "/api/items/": "list",
    "/api/items/search/": "search",
    "/api/items/suggest/": "suggest",
}
_DETAIL = re.compile(r"^/api/items/([^/]+)/$")
_ROUTES = {
    "list": "api/items/",
    "search": "api/items/search/",
    "suggest": "api/items/suggest/",
    "detail": "api/items/<pk>/",
}


def _cacheable_target(request: HttpRequest) -> tuple[str, uuid.UUID | None] | None:
    """(kind, item id) when the path is a cached items endpoint, else None."""
    path = request.path_info
    if path in _COLLECTIONS:
        kind, item_id = _COLLECTIONS[path], None
    else:
        match = _DETAIL.match(path)
        if match is None:
            return None
        try:
            kind, item_id = "detail", uuid.UUID(match[1])
        except ValueError:
            return None
    request.route_label = _ROUTES[kind]  # for the metrics, which need not resolve it again
    return kind, item_id


class CachedResponseMiddleware:
    """Serves an anonymous request's cached JSON without dispatching to the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if store.enabled() and _anonymous_json_get(request):
            target = _cacheable_target(request)
            if target is None:
                return self.get_response(request)
            request.get_host()  # a disallowed host: 400, on a hit as on a miss
            version_key, entry, _ = entry_for(target[0], request, "anon", target[1])
            read = store.lookup(
                version_key, entry, count_miss=False, bucket=anonymous_bucket(request)
            )
            if read.wait is not None:
                return _as_after_the_view(throttled_response(read.wait))
            if read.value is not None:
                return _as_after_the_view(unwrap(read.value))
        return self.get_response(request)


def _as_after_the_view(response: HttpResponse) -> HttpResponse:
    # What the session and clickjacking middlewares add to the view's response.
    patch_vary_headers(response, ("Cookie",))
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response
