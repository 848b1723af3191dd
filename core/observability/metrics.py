"""``/metrics``: Prometheus text for staff, or for a scraper holding ``METRICS_TOKEN``.

The request figures come from ``monitoring``'s metrics (added up over every gunicorn worker with
``PROMETHEUS_MULTIPROC_DIR``); the figures rooms keep for every server (the cache's hits and
misses, in Redis) are read as they lent them (``lent``); whether each service answers is checked at
each scrape; the embedded Redis's restarts are read from the count its watchers keep beside it.
With read replicas, ``catalog_db_reads_total`` counts the API's reads by ``target`` (primary,
replica, or a replica's read the change log refused), ``catalog_db_replica_read_share`` is the
replica's share of them, and each replica's lag is asked at each scrape.

The scraper's token is compared without the database, so the scrape goes on, showing
PostgreSQL down, through an outage. Staff credentials can only be checked in the database:
while it is down they get the 503 (with ``Retry-After``) every request gets, not a 403.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.transaction import non_atomic_requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from core import embedded
from core.observability import lent
from core.observability.services import replica_states, service_states


def _may_read_metrics(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if expected and hmac.compare_digest(offered, f"Bearer {expected}"):
        return True
    user = request.user
    if not user.is_authenticated and offered.startswith("Token "):
        found = TokenAuthentication().authenticate_credentials(offered.split(" ", 1)[1])
        user = found[0]
    return bool(user.is_authenticated and user.is_staff)


def registry() -> CollectorRegistry:
    """This server's metrics: every worker's, added up, under ``PROMETHEUS_MULTIPROC_DIR``."""
    folder = settings.PROMETHEUS_MULTIPROC_DIR
    if not folder:
        return DEFAULT_REGISTRY
    from prometheus_client import multiprocess

    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined, path=folder)
    return combined


@non_atomic_requests
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: requests, latency, database and cache time, cache hits."""
    try:
        allowed = _may_read_metrics(request)
    except AuthenticationFailed:  # a bad token is simply not allowed; a database error is a 503
        allowed = False
    if not allowed:
        return JsonResponse({"detail": "Staff or the metrics token only."}, status=403)
    collected = registry()
    lines = _figure_lines() + _service_lines() + _replica_lines(collected)
    body = generate_latest(collected) + (lines + _embedded_redis_lines()).encode()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def _figure_lines() -> str:
    lines = []
    for figures in lent.figures():
        values = figures.read()
        for name, text in figures.help.items():
            metric = f"{figures.prefix}_{name}_total"
            lines += [
                f"# HELP {metric} {text}\n",
                f"# TYPE {metric} counter\n",
                f"{metric} {values.get(name, 0)}\n",
            ]
    return "".join(lines)


def _service_lines() -> str:
    lines = [
        "# HELP catalog_service_up Whether the service answered this scrape's check\n",
        "# TYPE catalog_service_up gauge\n",
    ]
    for name, state in service_states().items():
        lines.append(f'catalog_service_up{{service="{name}"}} {int(state == "ok")}\n')
    return "".join(lines)


def _replica_share(collected: CollectorRegistry) -> float | None:
    """The share of the API's database reads a replica served, since the workers started."""
    reads = {
        sample.labels.get("target"): sample.value
        for metric in collected.collect()
        if metric.name == "catalog_db_reads"
        for sample in metric.samples
        if sample.name == "catalog_db_reads_total"
    }
    total = reads.get("replica", 0.0) + reads.get("primary", 0.0)
    return reads.get("replica", 0.0) / total if total else None


def _replica_lines(collected: CollectorRegistry) -> str:
    replicas = replica_states()
    if not replicas:
        return ""
    share = _replica_share(collected)
    lines = [
        "# HELP catalog_db_replica_read_share Share of the API's database reads served by a "
        "replica (replica / (replica + primary) of catalog_db_reads_total)\n",
        "# TYPE catalog_db_replica_read_share gauge\n",
        f"catalog_db_replica_read_share {share if share is not None else 'NaN'}\n",
    ]
    lines += [
        "# HELP catalog_replica_lag_seconds How far each read replica's replay is behind\n",
        "# TYPE catalog_replica_lag_seconds gauge\n",
    ]
    for name, state in replicas.items():
        lines.append(f'catalog_replica_lag_seconds{{replica="{name}"}} {state["lag_seconds"]}\n')
    lines += [
        "# HELP catalog_replica_up Whether the read replica answered and is within its lag\n",
        "# TYPE catalog_replica_up gauge\n",
    ]
    for name, state in replicas.items():
        lines.append(f'catalog_replica_up{{replica="{name}"}} {int(state["status"] == "ok")}\n')
    return "".join(lines)


def _embedded_redis_lines() -> str:
    if settings.REDIS_URL or settings.REDIS_SENTINELS:  # an external Redis is the operator's
        return ""
    return (
        "# HELP catalog_embedded_redis_restarts_total Times the embedded Redis died and was "
        "restarted\n"
        "# TYPE catalog_embedded_redis_restarts_total counter\n"
        f"catalog_embedded_redis_restarts_total {embedded.redis_restarts(settings.DATA_DIR)}\n"
    )
