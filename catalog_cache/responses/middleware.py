"""Cache hits answered before the view: one Redis round trip on top of Django.

Only a plain JSON GET of an item route qualifies (no session cookie, no format switch), either
anonymous or carrying an API token; the routes are read from the URLconf, by name. An anonymous
one reads the public entry. A signed-in one is recognised in Redis in the same round trip that
reads the entry (``store.signed_in_read``): the token's holder (as the view's authentication
stored it, see ``sign_ins``) names the scope, and the rate bucket, of what they may see; a token
Redis does not know goes on to the view. How the store reads is its own business: this module
speaks HTTP. Anything else,
and every miss, goes on to the view, which serves and fills the same entries. A hit still meets
what the view's request would: the host is checked against ``ALLOWED_HOSTS``, and the rate
limit is counted, in the view's bucket, by the same script that reads the entry (an anonymous
miss too: the view's throttle then finds it counted).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from rest_framework.authentication import get_authorization_header

from catalog_cache import scopes
from catalog_cache.positions.tracking import HEADER_META
from catalog_cache.rates.throttles import (
    anonymous_bucket,
    remember_count,
    signed_in_rate,
    throttled_response,
)
from catalog_cache.redis_core import enabled
from catalog_cache.responses import store
from catalog_cache.responses.cached import entry_for, unwrap
from catalog_cache.responses.keys import query
from catalog_cache.sign_ins.holders import token_digest
from items.records import ANONYMOUS

_JSON_ACCEPTS = {"", "*/*", "application/json"}


def _plain_json_get(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
        # An empty query string has no ``format``: a detail read parses none.
        and (not request.META.get("QUERY_STRING") or not query(request).format)
    )


# The request headers that make ConditionalGetMiddleware answer other than with the response
# itself (``django.utils.cache.get_conditional_response``).
_CONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)

# Host header -> whether ``request.get_host()`` accepts it, for requests that header alone
# decides (no X-Forwarded-Host to read); emptied when a setting it depends on changes.
_HOSTS: dict[str, bool] = {}
_HOSTS_KEPT = 64  # a client sending ever new Host headers only finds them checked each time
_HOST_SETTINGS = {"ALLOWED_HOSTS", "DEBUG", "USE_X_FORWARDED_HOST"}


@receiver(setting_changed)
def _forget_hosts(setting: str, **_: object) -> None:
    if setting in _HOST_SETTINGS:
        _HOSTS.clear()


def _host_allowed(request: HttpRequest) -> bool:
    """Whether ``ALLOWED_HOSTS`` admits the request's host (``request.get_host()`` does not
    raise), remembered per Host header."""
    meta = request.META
    host = meta.get("HTTP_HOST")
    if host is None or (settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in meta):
        host = None  # the header alone does not decide: ask Django each time
    else:
        known = _HOSTS.get(host)
        if known is not None:
            return known
    try:
        request.get_host()
        allowed = True
    except DisallowedHost:
        allowed = False
    if host is not None and len(_HOSTS) < _HOSTS_KEPT:
        _HOSTS[host] = allowed
    return allowed


# The item routes whose reads are cached, by URL name (the router's ``basename`` "item").
COLLECTION_ROUTES = {"list": "item-list", "search": "item-search", "suggest": "item-suggest"}
DETAIL_ROUTE = "item-detail"
_ID = "00000000-0000-0000-0000-000000000000"  # stands for any id while a path is reversed


class Routes:
    """The cached item routes, read from the URLconf once: collections by their path, the
    detail by a pattern (matched without a full URL resolve: this runs on every cached read),
    and each route's label as people write it, for the metrics."""

    def __init__(self) -> None:
        self.collections = {reverse(name): kind for kind, name in COLLECTION_ROUTES.items()}
        head, tail = reverse(DETAIL_ROUTE, kwargs={"pk": _ID}).split(_ID)
        self.detail = re.compile(f"^{re.escape(head)}([^/]+){re.escape(tail)}$")
        labels = {kind: reverse(name).lstrip("/") for kind, name in COLLECTION_ROUTES.items()}
        self.labels = {**labels, "detail": f"{head.lstrip('/')}<pk>{tail}"}


@functools.cache
def routes() -> Routes:
    return Routes()


@receiver(setting_changed)
def _urls_changed(setting: str, **_: object) -> None:
    if setting == "ROOT_URLCONF":
        routes.cache_clear()


def _cacheable_target(request: HttpRequest) -> tuple[str, uuid.UUID | None] | None:
    """(kind, item id) when the path is a cached items endpoint, else None."""
    known = routes()
    path = request.path_info
    kind = known.collections.get(path)
    item_id = None
    if kind is None:
        match = known.detail.match(path)
        if match is None:
            return None
        try:
            kind, item_id = "detail", uuid.UUID(match[1])
        except ValueError:
            return None
    request.route_label = known.labels[kind]  # for the metrics, which need not resolve it again
    return kind, item_id


class CachedResponseMiddleware:
    """Serves a cached JSON read, anonymous or signed in with a token, without the view.

    It sits near the top of the chain (see ``MIDDLEWARE``), so a hit skips the layers that
    would only add to its response; it runs their response work itself (``_as_the_layers``).
    A request any of them would answer otherwise goes down the whole chain (``_answerable``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Django's own, for the headers they add: the layers below this one in the chain.
        self._security = SecurityMiddleware(get_response)
        self._conditional = ConditionalGetMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = _cacheable_target(request) if _plain_json_get(request) else None
        if target is None or not enabled() or not self._answerable(request):
            return self.get_response(request)
        read: store.Read | None
        if "HTTP_AUTHORIZATION" not in request.META:
            read = _anonymous_hit(request, *target)
            after_the_view = _as_after_the_view
        else:
            token = _token(request)
            read = _signed_in_hit(request, token, *target) if token else None
            after_the_view = _as_after_a_signed_in_view
        if read is not None and read.wait is not None:
            return self._as_the_layers(request, after_the_view(throttled_response(read.wait)))
        if read is not None and read.value is not None:
            return self._as_the_layers(request, after_the_view(unwrap(read.value)))
        return self.get_response(request)

    def _answerable(self, request: HttpRequest) -> bool:
        """Whether no layer below would answer this request itself: no body (the size guard),
        no ``X-Catalog-Position`` (checked by ``positions``), no redirect to https, and a host
        ``ALLOWED_HOSTS`` admits (else the chain refuses it as it refuses any request)."""
        if request.META.get("CONTENT_LENGTH", "0") not in ("", "0") or HEADER_META in request.META:
            return False
        return _host_allowed(request) and self._security.process_request(request) is None

    def _as_the_layers(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        # In the chain's order, inner first: SecurityMiddleware, then ConditionalGetMiddleware
        # (a 304 for a matching If-None-Match). Without a conditional header, the latter only
        # adds an ETag, which every entry already carries.
        response = self._security.process_response(request, response)
        meta = request.META
        if any(name in meta for name in _CONDITIONS) or not response.has_header("ETag"):
            return self._conditional.process_response(request, response)
        return response


def _token(request: HttpRequest) -> str | None:
    """The API token in the Authorization header, read as ``TokenAuthentication`` reads it."""
    words = get_authorization_header(request).split()
    if len(words) != 2 or words[0].lower() != b"token":
        return None
    try:
        return words[1].decode()
    except UnicodeError:
        return None


def _anonymous_hit(request: HttpRequest, kind: str, item_id: uuid.UUID | None) -> store.Read:
    # Hit or miss, the request is counted in its bucket here; on a miss the view's throttle
    # reads that count rather than counting it again (``remember_count``).
    version_key, entry, _ = entry_for(kind, request, item_id)
    (scope,) = scopes.readable(kind, ANONYMOUS)
    bucket = anonymous_bucket(request)
    read = store.anonymous_read(version_key, entry, scope, bucket)
    if bucket is not None and read.key is not None and read.wait is None:
        remember_count(request, bucket.key, None)
    return read


def _signed_in_hit(
    request: HttpRequest, token: str, kind: str, item_id: uuid.UUID | None
) -> store.Read | None:
    # The caller's own scope comes from Redis, with the token's holder; the public one is tried
    # first for one item (an active item's entry is shared by everyone).
    version_key, entry, _ = entry_for(kind, request, item_id)
    shared = (scopes.PUBLIC,) if kind == "detail" else ()
    return store.signed_in_read(token_digest(token), version_key, entry, shared, signed_in_rate())


# A stored Vary -> what the session middleware makes of it (the few the views send).
_VARY_WITH_COOKIE: dict[str | None, str] = {}


def _as_after_the_view(response: HttpResponse) -> HttpResponse:
    # What the session and clickjacking middlewares add to the view's response.
    vary = response.get("Vary")
    patched = _VARY_WITH_COOKIE.get(vary)
    if patched is None:
        patch_vary_headers(response, ("Cookie",))
        if len(_VARY_WITH_COOKIE) < 16:
            _VARY_WITH_COOKIE[vary] = response["Vary"]
    else:
        response["Vary"] = patched
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response


def _as_after_a_signed_in_view(response: HttpResponse) -> HttpResponse:
    # A token is authenticated before the session is looked at: no ``Vary: Cookie`` then.
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response
