"""Request monitoring: Server-Timing headers, slow-query logs and Prometheus metrics.

One middleware times each request, counts its SQL queries and their time (logging and counting
any slower than ``SLOW_QUERY_MS`` with its SQL), reads the Redis time the cache counted
(``timing``, which the cache adds to), answers with a ``Server-Timing`` header, and records the same
figures in Prometheus metrics by route. It also has the pool's use reported after each request
(``pool``) and keeps this process's performance sampler running (``performance.sampling``).
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from prometheus_client import Counter, Histogram

from core.observability import timing as cache_timing
from core.observability.performance.sampling import sampler
from core.observability.pool import report_pool_use

logger = logging.getLogger("catalog.db")

REQUESTS = Counter("catalog_requests", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("catalog_request_seconds", "Request latency", ["route", "method"])
DB_TIME = Histogram("catalog_db_seconds", "Database time per request", ["route"])
CACHE_TIME = Histogram(
    "catalog_cache_seconds",
    "Redis time per request",
    ["route"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
SLOW_QUERIES = Counter("catalog_slow_queries", "Queries slower than SLOW_QUERY_MS", ["route"])


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


@dataclass
class Timings:
    """What one request spent in the database, in seconds and queries."""

    db: float = 0.0
    queries: int = 0
    slow: int = 0


# The figures of the request being served in this context (None outside one).
_timings: contextvars.ContextVar[Timings | None] = contextvars.ContextVar(
    "request_timings", default=None
)


def _timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    """Every query of every connection passes here (``_time_queries``); those run while a
    request is monitored are counted in its figures."""
    timings = _timings.get()
    if timings is None:
        return execute(sql, params, many, context)
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        spent = time.perf_counter() - started
        timings.db += spent
        timings.queries += 1
        if spent * 1000 >= settings.SLOW_QUERY_MS:
            timings.slow += 1
            logger.warning("slow query", extra={"duration_ms": round(spent * 1000, 1), "sql": sql})


@receiver(connection_created)
def _time_queries(connection: BaseDatabaseWrapper, **_: Any) -> None:
    """Put ``_timed`` among a connection's execute wrappers, once: installed for good rather
    than around each request (``connection.execute_wrapper``), which every request, a cache
    hit too, would pay for."""
    if _timed not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed)


def _route(request: HttpRequest) -> str:
    label = getattr(request, "route_label", None)
    if label is not None:
        return label
    match = getattr(request, "resolver_match", None)
    try:
        route = (match or resolve(request.path_info)).route
    except Resolver404:
        return "unmatched"
    return readable_route(route) or "unmatched"


def readable_route(route: str) -> str:
    """A route as people write it (``api/items/<pk>/history/``), whether it was declared with
    ``path()`` or as a regular expression (DRF's router: ``^items/(?P<pk>[^/]+)/history/$``):
    a named group becomes ``<name>``, anchors go and escaped characters stand for themselves."""
    written, at = [], 0
    while at < len(route):
        if route.startswith("(?P<", at):
            close = route.index(">", at)
            written.append(f"<{route[at + 4 : close]}>")
            at = _group_end(route, close + 1)
        elif route[at] == "\\":
            written.append(route[at + 1 : at + 2])
            at += 2
        else:
            written.append("" if route[at] in "^$" else route[at])
            at += 1
    return "".join(written)


def _group_end(pattern: str, at: int) -> int:
    """The index just past the group whose body starts at ``at`` (nested groups, escapes and
    character classes, which may hold parentheses, skipped)."""
    depth, in_class = 1, False
    while at < len(pattern) and depth:
        char = pattern[at]
        if char == "\\":
            at += 1
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        else:
            depth += {"(": 1, ")": -1}.get(char, 0)
        at += 1
    return at


class MonitoringMiddleware:
    """Times every request: Server-Timing header, slow-query log, Prometheus metrics."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # After Django's own receiver has handed the connection back to the pool.
        request_finished.connect(report_pool_use, dispatch_uid="catalog-pool-use")
        for opened in connections.all(initialized_only=True):  # those opened before this
            _time_queries(opened)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sampler.keep_running()  # one comparison, unless this process has just been forked
        timings = Timings()
        started = time.perf_counter()
        token = _timings.set(timings)
        try:
            with cache_timing.measured() as cache:
                response = self.get_response(request)
        finally:
            _timings.reset(token)
        total = time.perf_counter() - started
        response["Server-Timing"] = (
            f'db;dur={timings.db * 1000:.1f};desc="{timings.queries} queries", '
            f"cache;dur={cache.seconds * 1000:.1f}, total;dur={total * 1000:.1f}"
        )
        route = _route(request)
        method = request.method if request.method in _METHODS else "other"  # bounded labels
        requests, latency, db_time, cache_time = _series(route, method, response.status_code)
        requests.inc()
        latency.observe(total)
        db_time.observe(timings.db)
        cache_time.observe(cache.seconds)
        if timings.slow:
            SLOW_QUERIES.labels(route).inc(timings.slow)
        return response


_SERIES: dict[tuple[str, str, int], tuple[Any, Any, Any, Any]] = {}


def _series(route: str, method: str, status: int) -> tuple[Any, Any, Any, Any]:
    """The labelled series one request is recorded in, looked up once per label set (the
    labels are bounded: routes, methods and statuses)."""
    found = _SERIES.get((route, method, status))
    if found is None:
        found = _SERIES[route, method, status] = (
            REQUESTS.labels(route, method, str(status)),
            LATENCY.labels(route, method),
            DB_TIME.labels(route),
            CACHE_TIME.labels(route),
        )
    return found
