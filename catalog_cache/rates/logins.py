"""Sign-in attempts through the HTML forms (the admin's, the browsable API's), rate-limited.

They share the token endpoint's ``auth`` rate, per client address, counted in Redis like every
throttle. The forms' paths come from the URLconf (by route name), read once it is loaded.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from catalog_cache.rates.throttles import RedisRateThrottle

# The sign-in forms, by route name: the admin's and the browsable API's.
LOGIN_ROUTES = ("admin:login", "rest_framework:login")


class LoginThrottle(RedisRateThrottle):
    """The ``auth`` rate, per client address, for the HTML login forms."""

    scope = "auth"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": "login", "ident": self.get_ident(request)}


@functools.cache
def login_paths() -> frozenset[str]:
    """The paths of the sign-in forms the URLconf routes."""
    found = set()
    for name in LOGIN_ROUTES:
        try:
            found.add(reverse(name))
        except NoReverseMatch:  # a URLconf without that form
            continue
    return frozenset(found)


@receiver(setting_changed)
def _urls_changed(setting: str, **_: object) -> None:
    if setting == "ROOT_URLCONF":
        login_paths.cache_clear()


class LoginRateLimitMiddleware:
    """Login attempts through the admin and browsable-API forms share the token endpoint's rate."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path_info in login_paths():
            throttle = LoginThrottle()
            if not throttle.allow_request(request, None):
                wait = math.ceil(throttle.wait() or 60)
                response = HttpResponse(
                    "Too many login attempts; try again later.",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
