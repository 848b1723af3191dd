"""DRF throttles whose state lives in Redis (shared by every worker), behind the Redis guard.

A Redis fault never fails a request here: while Redis is unreachable, rates go unenforced
rather than turning an accelerator's outage into an API outage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from catalog_cache.redis_guard import run


class GuardedCache:
    """The default cache, with every call going through the Redis guard."""

    def get(self, key: str, default: Any = None) -> Any:
        return run(lambda _client: cache.get(key, default), default)

    def set(self, key: str, value: Any, timeout: int | None = None) -> None:
        run(lambda _client: cache.set(key, value, timeout))


guarded_cache = GuardedCache()


class AnonThrottle(AnonRateThrottle):
    """Anonymous rate, per client address."""

    cache = guarded_cache


class UserThrottle(UserRateThrottle):
    """Signed-in rate, per user."""

    cache = guarded_cache


class ScopedThrottle(ScopedRateThrottle):
    """Per-view rate (``throttle_scope``), e.g. the token endpoint."""

    cache = guarded_cache


class LoginThrottle(SimpleRateThrottle):
    """The ``auth`` rate, per client address, for the HTML login forms."""

    scope = "auth"
    cache = guarded_cache

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": "login", "ident": self.get_ident(request)}


LOGIN_PATHS = frozenset({"/admin/login/", "/api-auth/login/"})


class LoginRateLimitMiddleware:
    """Login attempts through the admin and browsable-API forms share the token endpoint's rate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info in LOGIN_PATHS:
            throttle = LoginThrottle()
            if not throttle.allow_request(request, None):
                wait = int(throttle.wait() or 60)
                response = HttpResponse(
                    "Too many login attempts; try again later.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
