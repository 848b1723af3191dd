"""Liveness and readiness.

``/health/`` only says the process answers. ``/ready/`` checks every service a request uses
(``services``, as the rooms lent them): it answers 503 only when an essential one (PostgreSQL,
MongoDB when selected) is down, naming it under ``failing``. Redis down leaves it ready, 200, with
``status`` and ``degraded`` saying the cache is missing; so does a read replica that is down, lags
past ``REPLICA_MAX_LAG``, or was promoted (not a replica any more, never read from). Each
replica's status and lag are reported under ``replicas``. Requests that
seem to come through a proxy ``TRUSTED_PROXIES`` does not name are reported under ``warnings``
(``core.http.client_address``); they change nothing else.
"""

from __future__ import annotations

from django.db.transaction import non_atomic_requests
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from core.http.client_address import untrusted_proxy_warning
from core.observability.services import accelerators, replica_states, service_states


@non_atomic_requests
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The process is up; nothing else is checked."""
    return JsonResponse({"status": "ok"})


@non_atomic_requests
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """200 while the essential services answer (``degraded`` without Redis); otherwise 503."""
    states, replicas = service_states(), replica_states()
    down = [name for name, state in states.items() if state != "ok"]
    optional = accelerators()
    failing = [name for name in down if name not in optional]
    degraded = [name for name in down if name in optional]
    degraded += [name for name, state in replicas.items() if state["status"] != "ok"]
    status = "unavailable" if failing else "degraded" if degraded else "ready"
    body: dict = {"status": status, "checks": states}
    if replicas:
        body["replicas"] = replicas
    if failing:
        body["failing"] = failing
    if degraded:
        body["degraded"] = degraded
    proxy = untrusted_proxy_warning()
    if proxy is not None:
        body["warnings"] = {"untrusted_proxy": proxy}
    return JsonResponse(body, status=503 if failing else 200)
