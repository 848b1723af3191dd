"""Liveness and readiness.

``/health/`` only says the process answers. ``/ready/`` checks every service a request needs
(PostgreSQL, Redis, and MongoDB when selected) and answers 503 naming the one that failed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.transaction import non_atomic_requests
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection

from items.repository import get_item_repository


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
