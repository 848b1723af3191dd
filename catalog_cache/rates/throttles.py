"""DRF throttles counted by Redis itself (shared by every worker), behind the Redis guard.

Each request costs one script call that trims, checks and counts its bucket atomically
(``buckets.take``); an anonymous cache hit is counted by the very script that reads it, in the
bucket the views' anonymous throttle uses (``anonymous_bucket``). Clients are told apart by
``client_address``: the socket's address unless trusted proxies say otherwise.

A Redis fault never fails a request here, nor logs a traceback: the guard counts it, warns once
and opens its circuit, so a stalled Redis costs one socket timeout; meanwhile rates go unenforced
rather than turning an accelerator's outage into an API outage.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)

from catalog_cache.rates.buckets import Bucket, take, throttle_key
from core.http.client_address import client_address

T = TypeVar("T", bound="RedisRateThrottle")


class RedisRateThrottle(SimpleRateThrottle):
    """DRF's sliding-window rate, counted in Redis by ``buckets.take``."""

    cache_format = "%(scope)s:%(ident)s"
    _wait: float | None = None

    def get_ident(self, request: Any) -> str:
        return client_address(request)

    def bucket(self, name: str) -> Bucket:
        return Bucket(throttle_key(name), self.num_requests, self.duration)

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        name = self.get_cache_key(request, view)
        if name is None:
            return True
        bucket = self.bucket(name)
        counted = getattr(getattr(request, "_request", request), _COUNTED, None)
        if counted is not None and counted[0] == bucket.key:  # see ``remember_count``
            self._wait = counted[1]
        else:
            self._wait = take(bucket)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class AnonThrottle(AnonRateThrottle, RedisRateThrottle):
    """Anonymous rate, per client address; cached hits count in the same bucket, and so does the
    cache's lookup of a miss, which this throttle then reads (``remember_count``)."""

    def bucket_name(self, request: Any) -> str:
        """The bucket of a request that carries no credentials."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return None if request.user.is_authenticated else self.bucket_name(request)


class UserThrottle(UserRateThrottle, RedisRateThrottle):
    """Signed-in rate, per user; a request the token authentication already counted (in the
    round trip that recognised its token) is not counted again. Counted then, before the
    permissions are checked, a request refused with 403 counts too."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        # DRF's falls back to the client address for anonymous callers: they would be counted
        # twice (here and in AnonThrottle's bucket), a second Redis round trip on every miss,
        # and held to the lower of the two rates.
        return super().get_cache_key(request, view) if request.user.is_authenticated else None


class ScopedThrottle(ScopedRateThrottle, RedisRateThrottle):
    """Per-view rate (``throttle_scope``), e.g. the token endpoint."""


def anonymous_bucket(request: HttpRequest) -> Bucket | None:
    """The bucket ``AnonThrottle`` counts this anonymous request in (None: no anonymous rate).

    For the cache middleware, which runs before authentication: the caller knows the request
    carries no credentials.
    """
    throttle = _parsed(AnonThrottle)
    return throttle.bucket(throttle.bucket_name(request)) if throttle is not None else None


# (a throttle class, its rate) -> a throttle parsed for it, kept: the cache asks on every read.
_PARSED: dict[tuple[type, str], RedisRateThrottle] = {}


def _parsed(kind: type[T]) -> T | None:
    """A ``kind`` throttle as the view's would be (None: no rate; a missing scope raises)."""
    rate = kind.THROTTLE_RATES.get(kind.scope)
    throttle = _PARSED.get((kind, rate)) if rate is not None else None
    if throttle is None:
        throttle = kind()
        if throttle.rate is None:
            return None
        if len(_PARSED) < 16:
            _PARSED[kind, throttle.rate] = throttle
    return throttle


_COUNTED = "catalog_rate_counted"


def remember_count(request: Any, bucket_key: str, wait: float | None) -> None:
    """Note on the request that it is already counted in the bucket ``bucket_key`` (``wait``:
    what that bucket answered, None to let it through), by the script that read the cache or
    recognised the token. The throttle counting in that very bucket reads it instead of asking
    Redis again; a throttle with a bucket of its own (another scope) still counts for itself."""
    setattr(getattr(request, "_request", request), _COUNTED, (bucket_key, wait))


def signed_in_rate() -> Bucket | None:
    """The rate ``UserThrottle`` counts a signed-in caller at (None: no user rate), its key the
    prefix of the bucket: the cache's hit script appends the user id it finds in Redis."""
    throttle = _parsed(UserThrottle)
    if throttle is None:
        return None
    return throttle.bucket(throttle.cache_format % {"scope": throttle.scope, "ident": ""})


def user_bucket(rate: Bucket, user_id: int | str) -> Bucket:
    """A signed-in caller's bucket under ``rate`` (``signed_in_rate``): its key the rate's
    prefix, the user id appended, as the hit scripts append it (``ARGV .. uid``)."""
    return rate._replace(key=f"{rate.key}{user_id}")


def throttled_response(wait: float) -> HttpResponse:
    """The 429 a DRF view gives a throttled request, for answers made before any view."""
    # Imported here: the error handler imports DRF's views, whose settings import this module.
    from core.http.errors import error_body

    seconds = math.ceil(wait)
    body = error_body(429, Throttled.default_code, str(Throttled(seconds).detail))
    response = JsonResponse(body, status=429)
    response["Retry-After"] = str(seconds)
    return response
