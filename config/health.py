"""Liveness, readiness and the Prometheus endpoint.

``/health/`` only says the process answers. ``/ready/`` checks every service a request needs
(PostgreSQL, Redis, and MongoDB when selected) and answers 503 naming the one that failed.
``/metrics`` is for staff, or for a scraper holding ``METRICS_TOKEN``.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.transaction import non_atomic_requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from rest_framework.authentication import TokenAuthentication

from catalog_cache.stats import hit_counters


@non_atomic_requests
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The process is up; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _check_postgres() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    get_redis_connection("default").ping()


def _check_mongodb() -> None:
    from items.repository import get_item_repository

    get_item_repository().ping()


@non_atomic_requests
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Every service answers: 200; otherwise 503 with the failing part named."""
    checks: dict[str, Callable[[], None]] = {"postgres": _check_postgres, "redis": _check_redis}
    if settings.DB_TYPE == "mongodb":
        checks["mongodb"] = _check_mongodb
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # any failure means "not ready"
            results[name] = f"down: {type(error).__name__}"
    failing = [name for name, state in results.items() if state != "ok"]
    body = {"status": "ready" if not failing else "unavailable", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def _may_read_metrics(request: HttpRequest) -> bool:
    expected = os.environ.get("METRICS_TOKEN", "")
    offered = request.headers.get("Authorization", "")
    if expected and hmac.compare_digest(offered, f"Bearer {expected}"):
        return True
    user = request.user
    if not user.is_authenticated and offered.startswith("Token "):
        found = TokenAuthentication().authenticate_credentials(offered.split(" ", 1)[1])
        user = found[0]
    return bool(user.is_authenticated and user.is_staff)


def _registry() -> CollectorRegistry:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return DEFAULT_REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    return registry


@non_atomic_requests
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: requests, latency, database and cache time, cache hits."""
    try:
        allowed = _may_read_metrics(request)
    except Exception:  # a bad token is simply not allowed
        allowed = False
    if not allowed:
        return JsonResponse({"detail": "Staff or the metrics token only."}, status=403)
    stats = hit_counters()
    cache_lines = (
        "# HELP catalog_cache_hits_total Response cache hits (all processes)\n"
        "# TYPE catalog_cache_hits_total counter\n"
        f"catalog_cache_hits_total {stats['hits']}\n"
        "# HELP catalog_cache_misses_total Response cache misses (all processes)\n"
        "# TYPE catalog_cache_misses_total counter\n"
        f"catalog_cache_misses_total {stats['misses']}\n"
    )
    body = generate_latest(_registry()) + cache_lines.encode()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
